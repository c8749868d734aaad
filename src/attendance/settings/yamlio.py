"""YAML as analysts and DVC write it: times of day stay text whatever the quoting.

PyYAML follows YAML 1.1, where an unquoted `12:00` is the sexagesimal integer 720. DVC rewrites params.yaml on
`dvc exp run -S …` and drops the quotes around every time it touches, and analysts often leave them out in
offers.yaml, so every YAML file of the project is read with this loader, in which only decimal, octal, binary
and hex integers are integers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class TimeSafeLoader(yaml.SafeLoader):
    """A SafeLoader without sexagesimal integers: `15:00` stays the text "15:00", not the number 900."""


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_DECIMAL_INT = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$")
# YAML 1.1 floats without the base-60 form (`1:30.5`) for the same reason.
_PLAIN_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
TimeSafeLoader.yaml_implicit_resolvers = {
    first: [
        (tag, _DECIMAL_INT if tag == _INT else _PLAIN_FLOAT if tag == _FLOAT else regexp)
        for tag, regexp in resolvers
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml_text(text: str) -> Any:
    return yaml.load(text, Loader=TimeSafeLoader)  # noqa: S506 - TimeSafeLoader is a SafeLoader


def load_yaml_file(path: Path) -> Any:
    return load_yaml_text(Path(path).read_text(encoding="utf-8"))
