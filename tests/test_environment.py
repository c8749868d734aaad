"""environment.yml (for conda users) and pyproject.toml describe one environment and cannot drift apart."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_installs_the_project_from_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = env["dependencies"]
    pythons = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert pythons == ["python=3.11"]
    assert ">=3.11" in project["requires-python"] and "<3.12" in project["requires-python"]
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["-e .[dev]"]], "the pip section must install the project itself with its extras"
    # Any other conda package would be a second source of truth for a dependency.
    assert [d for d in deps if isinstance(d, str)] == ["python=3.11", "pip"]
    assert set(project["optional-dependencies"]) == {"dev"}


def test_running_python_matches_project():
    assert sys.version_info[:2] == (3, 11)
