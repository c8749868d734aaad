"""Shared test fixtures and settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


# --------------------------------------------------------------------------------------------------------
# Each end-to-end pipeline fixture is built once per test run. `make test` distributes by file
# (`--dist loadfile`): every test of a module runs on one worker, so a module-scoped fixture is built once.
# (`--dist loadgroup` with `xdist_group` marks is silently ignored with pytest 9.2 + pytest-xdist 3.8,
# pytest-xdist#1386, which built the e2e project once per worker.) The controller checks it at the end.
# --------------------------------------------------------------------------------------------------------

BUILD_LOG = "pipeline-builds.log"


def _shared_temp(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def record_pipeline_build(tmp_path_factory, name: str) -> None:
    """Called by a shared pipeline fixture when it builds (see `pytest_sessionfinish`)."""
    with open(_shared_temp(tmp_path_factory) / BUILD_LOG, "a", encoding="utf-8") as log:
        log.write(f"{name}\t{os.environ.get('PYTEST_XDIST_WORKER', 'master')}\n")


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):  # only the controller sees every worker's builds
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    log = factory.getbasetemp() / BUILD_LOG
    if not log.is_file():
        return
    builds: dict[str, list[str]] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        name, worker = line.split("\t")
        builds.setdefault(name, []).append(worker)
    twice = {name: workers for name, workers in builds.items() if len(workers) > 1}
    if twice:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"pipeline fixtures built more than once per run (workers): {twice} - use --dist loadfile"
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = 1
