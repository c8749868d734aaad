"""Project paths and parameters.

`params.yaml` is the single source of parameters. Notebooks get them injected by papermill; when an analyst
runs a notebook by hand in JupyterLab, `fill_params` reads the same file so both ways give the same result.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from attendance.errors import InputError

from .params import Params, read_params, validate_section


def project_root(start: Path | None = None) -> Path:
    """The folder holding params.yaml, searched upwards from `start` (default: the working directory)."""
    env = os.environ.get("ATTENDANCE_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params.yaml").is_file() and (folder / "dvc.yaml").is_file():
            return folder
    raise InputError(
        "could not find the project folder (params.yaml next to dvc.yaml)",
        fix="run the command from inside the project, or set ATTENDANCE_PROJECT_ROOT",
    )


def load_params(path: Path | None = None) -> dict[str, Any]:
    """params.yaml, validated as a whole (`params.Params`), as plain values; one line names a bad key."""
    return read_params(path or project_root() / "params.yaml").plain()


def fill_params(namespace: dict[str, Any], keys: list[str], path: Path | None = None) -> dict[str, Any]:
    """Fill parameters that papermill did not inject (`None`) from params.yaml, and validate every section,
    injected or filled, with its typed model (`params.validate_section`): a notebook gets ints where the model
    says int and fractions as floats, so it converts nothing by hand, and a bad injected value stops with one
    line naming the key. Returns the values used."""
    missing = [key for key in keys if namespace.get(key) is None]
    if missing:
        params = load_params(path)
        for key in missing:
            if key not in params:
                raise InputError(
                    f"params.yaml has no key {key!r}", fix=f"add a {key!r} section to params.yaml"
                )
            namespace[key] = params[key]
    for key in keys:
        if key in Params.model_fields:
            namespace[key] = validate_section(namespace, key, file="the notebook's parameters")
    return {key: namespace[key] for key in keys}


def path_in_project(relative: str | Path) -> Path:
    path = Path(relative)
    return path if path.is_absolute() else project_root() / path
