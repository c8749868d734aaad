"""Source notebooks are code: stored without outputs, with a parameters cell and the params.yaml keys they use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_the_ones_dvc_runs():
    """Every source notebook is a stage of dvc.yaml and every stage's notebook exists (a new track is found
    from dvc.yaml, not from a count in a test)."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    run = sorted(
        word for stage in stages.values() for word in str(stage["cmd"]).split() if word.endswith(".ipynb")
    )
    assert run and run == [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], (
            f"{path.name} cell {index} has stored outputs: clear them before commit"
        )
        assert cell.get("execution_count") is None, f"{path.name} cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_parameters_cell_matches_stage(path: Path):
    """The parameters cell names exactly the params.yaml keys the DVC stage declares for this notebook."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    tagged = [c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell must be tagged 'parameters'"
    source = "".join(tagged[0]["source"])
    names = sorted(line.split("=")[0].strip() for line in source.splitlines() if "=" in line)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    stage = next(s for s in stages.values() if f"notebooks/{path.name}" in s["cmd"])
    assert names == sorted(stage["params"]), (
        f"{path.name}: parameters cell {names} != stage params {stage['params']}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_nbformat(path: Path):
    """papermill refuses an invalid notebook (e.g. a kernelspec without display_name) only when the stage runs."""
    import nbformat

    nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_danish_title(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    first = notebook["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# ")


def test_pre_commit_hooks_are_local_and_offline():
    """Hooks fetched from a git host fail on a PC without network; every hook here runs a local tool."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert config["repos"] and all(repo["repo"] == "local" for repo in config["repos"])
    ids = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"nbstripout", "ruff", "ruff-format", "no-real-data"} <= ids


def test_pre_commit_hook_strips_outputs_and_refuses_raw_data(tmp_path):
    """The installed hook, run as git runs it, with no network: a notebook with outputs and a real-data file
    are both stopped."""
    import shutil
    import subprocess
    import sys

    def run(*args, check=True):
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
        return subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, check=check, env=env)

    run("git", "init", "-q")
    run("git", "config", "user.email", "t@example.invalid")
    run("git", "config", "user.name", "t")
    shutil.copy(ROOT / ".pre-commit-config.yaml", tmp_path)
    shutil.copytree(ROOT / "tools", tmp_path / "tools")
    (tmp_path / "notebooks").mkdir()
    notebook = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    code["execution_count"] = 3
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["Borger Jensen\n"]}]
    (tmp_path / "notebooks" / "nb.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    run(str(Path(sys.executable).parent / "pre-commit"), "install")
    run("git", "add", ".")
    first = run("git", "commit", "-qm", "with outputs", check=False)
    assert first.returncode != 0, "the hook let a notebook with outputs through"
    stripped = json.loads((tmp_path / "notebooks" / "nb.ipynb").read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in stripped["cells"] if c["cell_type"] == "code")
    import nbformat

    nbformat.validate(nbformat.from_dict(stripped))  # the hook must not strip what papermill needs
    run("git", "add", ".")
    run("git", "commit", "-qm", "stripped")  # the stripped notebook goes through
    (tmp_path / "data" / "raw" / "real2026").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "real2026" / "marts.csv").write_text("Dato;Navn\n", encoding="utf-8")
    run("git", "add", "-f", "data/raw/real2026/marts.csv")
    refused = run("git", "commit", "-qm", "real data", check=False)
    assert refused.returncode != 0 and "dvc add" in refused.stdout + refused.stderr


def test_notebooks_are_linted_and_formatted_by_ruff_like_the_rest():
    """Issue 11: the notebooks' code follows the same ruff rules as src/ (no exclude in pyproject.toml)."""
    import subprocess
    import sys

    ruff = Path(sys.executable).parent / "ruff"
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        done = subprocess.run(
            [str(ruff), *command, "notebooks"], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert "notebooks" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("[tool.ruff]")[1]


MAX_NOTEBOOK_CODE_LINES = 150  # issue 11: narrative, parameters and calls; the analysis lives in src/


def _code_lines(notebook: dict) -> list[str]:
    return [
        line
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_code_line_count_can_fail():
    cell = {"cell_type": "code", "source": ["x = 1\n", "# a comment\n", "\n", "def f():\n", "    return 2\n"]}
    assert _code_lines({"cells": [cell, {"cell_type": "markdown", "source": ["text"]}]}) == [
        "x = 1",
        "def f():",
        "    return 2",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path: Path):
    """A notebook calls the package: at most ~150 lines of code and no function or class of its own (a helper
    defined in a notebook has no unit test and is repeated in the next one)."""
    lines = _code_lines(json.loads(path.read_text(encoding="utf-8")))
    assert len(lines) <= MAX_NOTEBOOK_CODE_LINES, (
        f"{path.name} has {len(lines)} lines of code: move the analysis into src/attendance"
    )
    defined = [line for line in lines if line.lstrip().startswith(("def ", "class ", "async def "))]
    assert not defined, f"{path.name} defines {defined[0].strip()!r}: put it in src/attendance with a test"
