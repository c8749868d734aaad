"""dvc.yaml, params.yaml and the notebooks must agree, or DVC re-runs the wrong stages."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from imports import stage_source_deps

from attendance.settings.report_set import reviewer_reports

ROOT = Path(__file__).resolve().parents[1]
DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
AUDIT_STAGE = "audit_disclosure"  # not a notebook: the disclosure audit over the report stages' records
NOTEBOOK_STAGES = {name: stage for name, stage in DVC["stages"].items() if name != AUDIT_STAGE}


def _cmd_args(stage: dict) -> dict:
    argv = shlex.split(stage["cmd"])
    assert argv[:4] == ["python", "-m", "attendance", "run-notebook"], stage["cmd"]
    args = {"notebook": argv[4]}
    for flag, value in zip(argv[5::2], argv[6::2], strict=True):
        args[flag.lstrip("-")] = value
    return args


def test_one_stage_per_notebook():
    """Every notebook has its stage and every stage but the audit runs one (stages are found, not listed)."""
    assert AUDIT_STAGE in DVC["stages"]
    assert all(s["cmd"].startswith("python -m attendance run-notebook ") for s in NOTEBOOK_STAGES.values())
    notebooks = {_cmd_args(s)["notebook"] for s in NOTEBOOK_STAGES.values()}
    assert notebooks == {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}


def test_cmd_params_equal_declared_params():
    for name, stage in NOTEBOOK_STAGES.items():
        args = _cmd_args(stage)
        assert args["params"].split(",") == stage["params"], name
        for key in stage["params"]:
            assert key in PARAMS, f"{name} declares params key {key!r} missing from params.yaml"


def test_stage_declares_its_notebook_html_and_executed_notebook():
    for name, stage in NOTEBOOK_STAGES.items():
        args = _cmd_args(stage)
        assert args["notebook"] in stage["deps"], name
        outs = [next(iter(o)) if isinstance(o, dict) else o for o in stage["outs"]]
        assert args["html"] in outs, name
        assert args["html"].startswith("reports/") and args["html"].endswith(".html")
        executed = "build/notebooks/" + Path(args["notebook"]).name
        assert executed in outs, name


def test_declared_dependencies_exist():
    for name, stage in DVC["stages"].items():
        for dep in stage["deps"]:
            dep = re.sub(r"\$\{dataset\.name\}", PARAMS["dataset"]["name"], dep)
            if dep.startswith(("src/", "notebooks/", "data/raw/")):
                assert (ROOT / dep).exists(), f"{name}: dependency {dep} does not exist"


def test_spor2_parameters_are_read_only_by_the_spor2_decision_and_methods_stages():
    # the decision report costs its drop-in model with spor 2's recommended opening hours; the shared
    # methods page (30_metode_og_data) lists every parameter the reports use
    readers = [name for name, stage in DVC["stages"].items() if "spor2" in stage["params"]]
    assert readers == ["report_spor2", "report_decision", "report_methods"]


def test_dvc_analytics_switched_off():
    config = (ROOT / ".dvc" / "config").read_text(encoding="utf-8")
    assert re.search(r"analytics\s*=\s*false", config)


def test_stage_deps_are_the_sub_packages_the_stage_uses():
    """A stage's src/ deps are exactly the sub-packages (and top-level modules) its notebook and the runner
    load, so a code change re-runs every stage it can change and no other: the deps read like a table of
    contents, and a stale report cannot slip through."""
    for name, stage in DVC["stages"].items():
        declared = {d for d in stage["deps"] if d.startswith("src/")}
        assert declared == stage_source_deps(stage), (
            f"stage {name}: declare {sorted(stage_source_deps(stage))}"
        )


REVIEWER_REPORTS = {r.stage: r.stem for r in reviewer_reports(ROOT) if r.recorded}
UNRECORDED = [r for r in reviewer_reports(ROOT) if not r.recorded]


def test_report_stages_record_what_they_publish_and_the_audit_reads_every_record():
    """Each reviewer report outputs build/published/<stage>.json; a stage that suppresses around earlier
    records (disclosure_tables.known_cells) lists them in its deps; the audit stage reads them all."""
    import json

    from attendance.reporting import disclosure_tables as dt

    audit = DVC["stages"][AUDIT_STAGE]
    assert audit["cmd"].startswith("python -m attendance audit-disclosure --published build/published")
    assert audit["params"] == ["report"]
    for name, stem in REVIEWER_REPORTS.items():
        stage = DVC["stages"][name]
        record = f"build/published/{stem}.json"
        assert record in stage["outs"], name
        assert record in audit["deps"], name
        assert f"reports/{stem}.html" in audit["cmd"], f"the audit does not remove {stem}.html on failure"
        notebook = json.loads((ROOT / _cmd_args(stage)["notebook"]).read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
        assert f'STAGE = "{stem}"' in code and re.search(r"dc\.begin_stage\(\s*STAGE\s*\)", code), name
        if any(call in code for call in ("population_tables(", "suppressed_funnel(", "protected_tables(")):
            for earlier in dt.earlier_stages(stem):
                assert f"build/published/{earlier}.json" in stage["deps"], (name, earlier)
    for name in set(NOTEBOOK_STAGES) - set(REVIEWER_REPORTS):
        outs = [next(iter(o)) if isinstance(o, dict) else o for o in DVC["stages"][name]["outs"]]
        assert not any(o.startswith("build/published/") for o in outs), (
            f"{name}: analyst reports are not recorded"
        )


def test_a_reviewer_report_without_a_record_publishes_no_count_of_citizens():
    """A reviewer report that records nothing for the audit (the methods page) must not use the disclosure
    machinery at all: showing counts of citizens means recording them (output build/published/<stem>.json)."""
    import json

    assert [r.stem for r in UNRECORDED] == ["30_metode_og_data"]  # the one shared appendix today
    for report in UNRECORDED:
        notebook = json.loads((ROOT / _cmd_args(DVC["stages"][report.stage])["notebook"]).read_text())
        code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
        assert "disclosure" not in code and "begin_stage" not in code, report.stem
