"""The runner every stage uses: papermill with params.yaml keys, then offline HTML without code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from attendance.errors import InputError
from attendance.pipeline.notebook_runner import restore_experiment_baseline, run_notebook, select_params

ROOT = Path(__file__).resolve().parents[1]


def _project(tmp_path: Path, code: str) -> Path:
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    (tmp_path / "params.yaml").write_text(
        (ROOT / "params.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("staffing = None\nreport = None")
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
    project = _project(
        tmp_path,
        "SECRET_CODE_MARKER = 1\nprint('svar', staffing['citizens_per_staff'] + 1, report['language'])",
    )
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(project))
    html = run_notebook("notebooks/demo.ipynb", ["staffing", "report"], "reports/demo.html")
    text = html.read_text(encoding="utf-8")
    assert "svar 7 da" in text
    assert "SECRET_CODE_MARKER" not in text, "code cells must not reach the report"
    assert "Overskrift" in text and "æøå" in text
    executed = nbformat.read(project / "build" / "notebooks" / "demo.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "spor3" not in injected[0].source
    assert "https://cdn" not in text and "require.js" not in text.lower()


def test_failing_notebook_is_one_line_input_error(tmp_path, monkeypatch):
    project = _project(tmp_path, "raise ValueError('boom')")
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(project))
    with pytest.raises(InputError) as info:
        run_notebook("notebooks/demo.ipynb", ["staffing", "report"], "reports/demo.html")
    message = info.value.one_line()
    assert "ValueError: boom" in message and "\n" not in message


def test_unknown_params_key_names_the_fix():
    with pytest.raises(InputError, match="no key"):
        select_params(["nope"], {"alpha": 1})


def test_cli_exit_code_2_and_one_line(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "attendance",
            "run-notebook",
            "notebooks/missing.ipynb",
            "--params",
            "a",
            "--html",
            "x.html",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"ATTENDANCE_PROJECT_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("attendance: error:")


def _stage_with_metrics(project: Path) -> None:
    (project / "dvc.yaml").write_text(
        "stages:\n  demo:\n    cmd: python -m attendance run-notebook notebooks/demo.ipynb --params staffing\n"
        "    metrics:\n      - metrics/demo.json:\n          cache: false\n          persist: true\n",
        encoding="utf-8",
    )
    (project / "metrics").mkdir()
    (project / "metrics" / "demo.json").write_text('{"cost": 1}', encoding="utf-8")


def test_failed_stage_leaves_its_metrics_as_they_were(tmp_path, monkeypatch):
    monkeypatch.delenv("DVC_EXP_BASELINE_REV", raising=False)
    code = "open('metrics/demo.json', 'w').write('changed')\nraise ValueError('late failure')"
    project = _project(tmp_path, code)
    _stage_with_metrics(project)
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(project))
    with pytest.raises(InputError, match="late failure"):
        run_notebook("notebooks/demo.ipynb", ["staffing"], "reports/demo.html")
    assert (project / "metrics" / "demo.json").read_text(encoding="utf-8") == '{"cost": 1}'


def test_bad_params_fail_before_anything_runs(tmp_path, monkeypatch):
    project = _project(tmp_path, "open('ran', 'w').write('x')")
    params = project / "params.yaml"
    params.write_text(
        params.read_text(encoding="utf-8").replace("citizens_per_staff: 6", "citizens_per_staff: -1")
    )
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(project))
    with pytest.raises(InputError, match="staffing.citizens_per_staff = -1"):
        run_notebook("notebooks/demo.ipynb", ["staffing"], "reports/demo.html")
    assert not (project / "ran").exists()


def test_failed_experiment_restores_params_and_metrics_from_its_baseline(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "params.yaml").write_text("staffing:\n  citizens_per_staff: 6\n", encoding="utf-8")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "demand.json").write_text('{"cost": 1}', encoding="utf-8")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "base")
    baseline = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    (tmp_path / "params.yaml").write_text("staffing:\n  citizens_per_staff: 0\n", encoding="utf-8")
    (tmp_path / "metrics" / "demand.json").write_text('{"cost": 9}', encoding="utf-8")
    restored = restore_experiment_baseline(tmp_path, baseline)
    assert sorted(restored) == ["metrics/demand.json", "params.yaml"]
    assert "citizens_per_staff: 6" in (tmp_path / "params.yaml").read_text(encoding="utf-8")
    assert (tmp_path / "metrics" / "demand.json").read_text(encoding="utf-8") == '{"cost": 1}'
    kept = tmp_path / "build" / "failed_experiment"
    assert "citizens_per_staff: 0" in (kept / "params.yaml").read_text(encoding="utf-8")
    assert restore_experiment_baseline(tmp_path, baseline) == []  # nothing left to restore


def test_executed_notebook_has_no_run_times_or_absolute_paths(tmp_path, monkeypatch):
    """Two runs of the same committed notebook give the same bytes (DVC's lock file stays as committed).

    Committed, because an uncommitted source is stamped with the clock ("Kørt … kl. HH:MM") on purpose."""
    import subprocess

    project = _project(tmp_path, "print('svar', staffing['citizens_per_staff'])")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / ".gitignore").write_text("build/\nreports/\n", encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "sources", "--no-verify"], cwd=project, check=True)
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(project))
    digests = []
    for _ in range(2):
        html = run_notebook("notebooks/demo.ipynb", ["staffing"], "reports/demo.html")
        executed = project / "build" / "notebooks" / "demo.ipynb"
        text = executed.read_text(encoding="utf-8")
        assert "start_time" not in text and "iopub" not in text and str(project) not in text
        digests.append((executed.read_bytes(), html.read_bytes()))
        assert "Kodens dato" in html.read_text(encoding="utf-8")  # dated by the commit, not the clock
    assert digests[0] == digests[1]
