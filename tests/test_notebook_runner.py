"""The runner every stage uses: papermill with params.yaml keys, then offline HTML without code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from attendance.errors import InputError
from attendance.notebook_runner import run_notebook, select_params


def _project(tmp_path: Path, code: str) -> Path:
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    (tmp_path / "params.yaml").write_text("alpha:\n  x: 41\nbeta: hej\nunused: 1\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("alpha = None\nbeta = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Overskrift\n\nTekst med æøå."),
        params,
        nbformat.v4.new_code_cell(code),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "demo.ipynb")
    return tmp_path


def test_injects_only_the_named_keys_and_renders_without_code(tmp_path, monkeypatch):
    project = _project(tmp_path, "SECRET_CODE_MARKER = 1\nprint('svar', alpha['x'] + 1, beta)")
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(project))
    html = run_notebook("notebooks/demo.ipynb", ["alpha", "beta"], "reports/demo.html")
    text = html.read_text(encoding="utf-8")
    assert "svar 42 hej" in text
    assert "SECRET_CODE_MARKER" not in text, "code cells must not reach the report"
    assert "Overskrift" in text and "æøå" in text
    executed = nbformat.read(project / "build" / "notebooks" / "demo.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "unused" not in injected[0].source
    assert "https://cdn" not in text and "require.js" not in text.lower()


def test_failing_notebook_is_one_line_input_error(tmp_path, monkeypatch):
    project = _project(tmp_path, "raise ValueError('boom')")
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(project))
    with pytest.raises(InputError) as info:
        run_notebook("notebooks/demo.ipynb", ["alpha", "beta"], "reports/demo.html")
    message = info.value.one_line()
    assert "ValueError: boom" in message and "\n" not in message


def test_unknown_params_key_names_the_fix():
    with pytest.raises(InputError, match="no key"):
        select_params(["nope"], {"alpha": 1})


def test_cli_exit_code_2_and_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "attendance", "run-notebook", "notebooks/missing.ipynb", "--params", "a", "--html", "x.html"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"ATTENDANCE_PROJECT_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("attendance: error:")
