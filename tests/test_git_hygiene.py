"""Real raw data and secrets cannot be committed by accident."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ignored(path: str) -> bool:
    result = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT, capture_output=True, check=False
    )
    return result.returncode == 0


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout")
@pytest.mark.parametrize(
    "path",
    [
        "data/raw/real2026/registrations/AUC marts.xlsx",
        "data/raw/borgere.csv",
        "data/quarantine/quarantine.csv",
        "data/processed/visits.parquet",
        ".secrets/pseudonym.key",
        "reports/10_fremmoedestatistik.html",
        "build/notebooks/01_clean.ipynb",
    ],
)
def test_sensitive_paths_are_ignored(path: str):
    assert _ignored(path), f"{path} would be committable"


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout")
@pytest.mark.parametrize(
    "path", ["data/raw/demo/offers.yaml", "data/raw/demo/demo_pseudonym.key", "data/raw/real.dvc"]
)
def test_demo_data_and_dvc_pointers_are_not_ignored(path: str):
    assert not _ignored(path), f"{path} must be committable"


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout")
def test_no_raw_data_outside_demo_is_tracked():
    tracked = subprocess.run(
        ["git", "-c", "core.quotePath=false", "ls-files", "data/raw"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    offenders = [
        p
        for p in tracked.stdout.splitlines()
        if not p.startswith("data/raw/demo/") and not p.endswith((".dvc", ".gitkeep", ".gitignore"))
    ]
    assert offenders == []
