"""End to end, as a new user follows the README: real data tracked with DVC, scenarios with `dvc exp run -S`.

Each test works in its own copy of the repository (a git repository of its own, like a fresh clone) and runs the
pipeline there, so they are slow; each is one test function, so pytest-xdist never builds the same copy twice.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from project_copy import copy_project
from project_copy import run as _run

from attendance.settings.yamlio import load_yaml_file

BIN = Path(sys.executable).parent
DVC = str(BIN / "dvc")

pytestmark = [pytest.mark.slow]

# Sentences that only the synthetic demo may print: a report of real data containing one is lying.
DEMO_SENTENCES = ("syntetisk", "demodata", "opdigte", "Syntetiske data")

# One key of every top-level group of params.yaml, as the README's scenario section types them.
ONE_KEY_PER_GROUP = {
    "clean.max_stay_hours": "10",
    "demand.holdout_weeks": "3",
    "staffing.citizens_per_staff": "8",
    "report.suppress_below": "6",
    "spor1.goal_followup_hours_per_citizen_per_quarter": "4",
    "spor2.scenarios": "[-0.5,0,1.0]",
    "spor3.workshop_day": "[08:30,14:00]",
}


def _tree_digest(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _exp_show(project: Path) -> list[dict]:
    return json.loads(_run([DVC, "exp", "show", "--json"], project).stdout)


def _experiment(records: list[dict], name: str) -> dict:
    for record in records:
        for experiment in record.get("experiments") or []:
            for rev in experiment.get("revs") or []:
                if rev.get("name") == name:
                    return rev["data"]
    raise AssertionError(f"experiment {name} not in dvc exp show")


def test_readme_real_data_path_and_a_scenario_of_every_parameter_group(tmp_path):
    project = copy_project(tmp_path / "project")
    readme = (project / "README.md").read_text(encoding="utf-8")

    # README step 1: a dataset folder beside the demo, synthetic: false
    raw = project / "data" / "raw" / "real2026"
    shutil.copytree(project / "data" / "raw" / "demo", raw)
    (raw / "demo_pseudonym.key").unlink()
    dataset_yaml = raw / "dataset.yaml"
    dataset_yaml.write_text(
        dataset_yaml.read_text(encoding="utf-8").replace("synthetic: true", "synthetic: false"),
        encoding="utf-8",
    )
    offers_yaml = raw / "offers.yaml"  # the README: replace the demo's illustrative figures and their note
    offers = load_yaml_file(offers_yaml)
    for offer in offers["offers"].values():
        offer["assumptions_note"] = "Kommunens budget og vagtplan 2026."
    offers_yaml.write_text(yaml.safe_dump(offers, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert "Syntetisk" not in offers_yaml.read_text(encoding="utf-8")
    raw_before = _tree_digest(raw)
    assert _run(["git", "status", "--porcelain", "data/raw"], project).stdout == "", (
        "raw data would enter git"
    )

    # README step 2: the key
    (project / ".secrets").mkdir()
    (project / ".secrets" / "pseudonym.key").write_text(secrets.token_hex(32), encoding="utf-8")

    # README step 3, word for word
    assert "dvc add data/raw/real2026" in readme
    assert "git add data/raw/real2026.dvc data/raw/.gitignore" in readme
    _run([DVC, "add", "data/raw/real2026"], project)
    _run(["git", "add", "data/raw/real2026.dvc", "data/raw/.gitignore"], project)
    _run(["git", "commit", "-qm", "track real2026 with DVC"], project)
    stages = _run([DVC, "stage", "list", "--all"], project).stdout
    assert "data/raw/real2026.dvc" in stages, "DVC does not see the raw data's .dvc file"

    # A failed experiment leaves params.yaml and the metrics as they were
    params_before = (project / "params.yaml").read_bytes()
    metrics_before = _tree_digest(project / "metrics")
    failed = _run([DVC, "exp", "run", "-S", "staffing.citizens_per_staff=-1"], project, check=False)
    assert failed.returncode != 0
    assert "staffing.citizens_per_staff = -1" in failed.stdout + failed.stderr
    assert (project / "params.yaml").read_bytes() == params_before
    assert _tree_digest(project / "metrics") == metrics_before

    # The real dataset plus one key of every other group, in one experiment
    sets = ["dataset.name=real2026", *(f"{key}={value}" for key, value in ONE_KEY_PER_GROUP.items())]
    args = [DVC, "exp", "run", "--name", "alle-grupper"]
    for item in sets:
        args += ["-S", item]
    _run(args, project)
    assert _tree_digest(raw) == raw_before, "the experiment changed or removed raw data"

    records = _exp_show(project)
    data = _experiment(records, "alle-grupper")
    params = data["params"]["params.yaml"]["data"]
    assert params["dataset"]["name"] == "real2026"
    assert params["staffing"]["citizens_per_staff"] == 8
    assert params["spor3"]["workshop_day"] == ["08:30", "14:00"]
    baseline = next(r for r in records if r.get("rev") != "workspace")["data"]
    changed_metrics = [
        path
        for path, content in data["metrics"].items()
        if content.get("data") != baseline["metrics"].get(path, {}).get("data")
    ]
    assert changed_metrics, "no metric changed although staffing and demand parameters did"
    # every track has key figures that move with its parameters (a track without metrics hides its scenarios)
    tracks = {"metrics/demand.json", "metrics/spor1.json", "metrics/spor2.json", "metrics/spor3.json"}
    assert tracks <= set(changed_metrics), sorted(tracks - set(changed_metrics))
    # ... and every model of the decision report is costed again (staffing.citizens_per_staff is in the set)
    models = data["metrics"]["metrics/decision.json"]["data"]["models"]
    before = baseline["metrics"]["metrics/decision.json"]["data"]["models"]
    assert models and all(models[m]["total_cost_dkk"] != before[m]["total_cost_dkk"] for m in models)

    compared = _run([str(BIN / "attendance"), "compare"], project).stdout
    assert "staffing.citizens_per_staff" in compared and "alle-grupper" in compared
    assert max(len(line) for line in compared.splitlines()) <= 100

    # reviewer reports of real data carry no demo sentence; the stamp names the experiment's code honestly
    for report in sorted((project / "reports").glob("[12]*.html")):
        text = report.read_text(encoding="utf-8")
        for sentence in DEMO_SENTENCES:
            assert sentence not in text, f"{report.name} says {sentence!r} about real data"

    # apply, push to a local remote, collect garbage: the raw data and its cache survive
    _run([DVC, "exp", "apply", "alle-grupper"], project)
    assert (
        yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))["dataset"]["name"] == "real2026"
    )
    remote = tmp_path / "remote"
    _run([DVC, "remote", "add", "-d", "local", str(remote)], project)
    _run([DVC, "push"], project)
    _run(["git", "add", "-A"], project)
    _run(["git", "commit", "-qm", "experiment applied"], project)
    _run([DVC, "gc", "-w", "-f"], project)
    assert _tree_digest(raw) == raw_before
    shutil.rmtree(raw)
    _run([DVC, "checkout", "data/raw/real2026.dvc"], project)
    assert _tree_digest(raw) == raw_before, "the raw data's cache was lost"
    shutil.rmtree(project / ".dvc" / "cache")
    shutil.rmtree(raw)
    _run([DVC, "pull", "data/raw/real2026.dvc"], project)
    assert _tree_digest(raw) == raw_before, "the raw data could not be restored from the remote"


@pytest.mark.parametrize("offers", ["1", "3"], ids=["one_offer", "three_offers"])
def test_datasets_with_one_and_three_offers_run_and_every_report_names_every_offer(tmp_path, offers):
    """Offers are data: the whole pipeline runs on a dataset of one offer and of three, and every reviewer
    report names every offer of the dataset (and no other)."""
    project = copy_project(tmp_path / "project")
    name = f"offers_{offers}"
    _run([str(BIN / "attendance"), "synth", f"data/raw/{name}", "--offers", offers], project)
    params = project / "params.yaml"
    params.write_text(
        params.read_text(encoding="utf-8").replace("name: demo ", f"name: {name} ", 1), encoding="utf-8"
    )
    assert load_yaml_file(params)["dataset"]["name"] == name
    _run([DVC, "repro"], project)

    offers_json = json.loads((project / "data" / "processed" / "offers.json").read_text(encoding="utf-8"))
    names = {key: spec["name"] for key, spec in offers_json.items() if not key.startswith("_")}
    assert len(names) == int(offers)
    every = {
        spec["name"] for spec in load_yaml_file(project / "data/raw/demo/offers.yaml")["offers"].values()
    }
    listed = load_yaml_file(project / f"data/raw/{name}/offers.yaml")["offers"]
    reports = sorted((project / "reports").glob("[12]*.html"))
    assert len(reports) >= 5
    for report in reports:
        text = report.read_text(encoding="utf-8")
        for offer_name in names.values():
            assert offer_name in text, f"{report.name} does not name {offer_name}"
        for other in every - set(names.values()):
            assert other not in text, f"{report.name} names {other}, which is not in this dataset"
    metrics = json.loads((project / "metrics" / "clean.json").read_text(encoding="utf-8"))
    assert set(names) <= set(metrics) and len(listed) == int(offers)
    from test_cross_report import check_reports

    check_reports(project / "reports", project / "metrics" / "decision.json")
