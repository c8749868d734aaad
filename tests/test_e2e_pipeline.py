"""End to end: a copy of the repository runs `dvc repro` and produces every declared output.

This is what a new analyst does after cloning; it proves the stages, params and notebooks fit together.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXTERNAL = re.compile(r"""<(?:script|link|img|source|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]


def _run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DVC_NO_ANALYTICS": "1",
        "MPLBACKEND": "Agg",
        "GIT_AUTHOR_NAME": "e2e",
        "GIT_AUTHOR_EMAIL": "e2e@example.invalid",
        "GIT_COMMITTER_NAME": "e2e",
        "GIT_COMMITTER_EMAIL": "e2e@example.invalid",
    }
    env.pop("ATTENDANCE_PSEUDONYM_KEY", None)
    env.pop("ATTENDANCE_PROJECT_ROOT", None)
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def copy_project(dest: Path) -> Path:
    """Copy what a clone would hold: tracked files plus new files git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = ROOT / rel
        if source.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _run(["git", "init", "-q"], dest)
    _run(["git", "add", "-A"], dest)
    _run(["git", "commit", "-q", "-m", "e2e copy"], dest)
    return dest


def declared_outputs(project: Path) -> list[Path]:
    stages = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    outputs = []
    for stage in stages.values():
        for entry in stage.get("outs", []) + stage.get("metrics", []):
            outputs.append(project / (next(iter(entry)) if isinstance(entry, dict) else entry))
    return outputs


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("clone") / "project")
    _run([str(BIN / "dvc"), "repro"], project)
    return project


def test_every_declared_output_exists(reproduced: Path):
    missing = [str(p.relative_to(reproduced)) for p in declared_outputs(reproduced) if not p.exists()]
    assert missing == []


def test_every_report_is_a_complete_offline_html_document(reproduced: Path):
    reports = sorted((reproduced / "reports").glob("*.html"))
    assert len(reports) == 6
    for report in reports:
        text = report.read_text(encoding="utf-8")
        assert text.lstrip().lower().startswith("<!doctype html>"), report.name
        assert text.rstrip().lower().endswith("</html>"), report.name
        assert not EXTERNAL.search(text), f"{report.name} loads something from another host"
        assert "Traceback" not in text, f"{report.name} shows a traceback"


def test_metrics_are_readable_by_dvc(reproduced: Path):
    shown = json.loads(_run([str(BIN / "dvc"), "metrics", "show", "--json"], reproduced).stdout)
    text = json.dumps(shown)
    assert "unique_per_day_mean" in text
    assert "metrics/demand.json" in text


def test_second_repro_is_up_to_date(reproduced: Path):
    result = _run([str(BIN / "dvc"), "repro"], reproduced)
    assert "Running stage" not in result.stdout, result.stdout
    status = _run([str(BIN / "dvc"), "status"], reproduced)
    assert "up to date" in status.stdout.lower(), status.stdout


def test_spor2_parameter_change_touches_only_the_spor2_stage(reproduced: Path):
    params_path = reproduced / "params.yaml"
    original = params_path.read_text(encoding="utf-8")
    params = yaml.safe_load(original)
    try:
        changed = original.replace(
            f"opening_threshold: {params['spor2']['opening_threshold']}",
            f"opening_threshold: {params['spor2']['opening_threshold'] + 1}",
        )
        assert changed != original
        params_path.write_text(changed, encoding="utf-8")
        status = json.loads(_run([str(BIN / "dvc"), "status", "--json"], reproduced).stdout)
        assert sorted(status) == ["report_spor2"], status
    finally:
        params_path.write_text(original, encoding="utf-8")
