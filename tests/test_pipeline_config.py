"""dvc.yaml, params.yaml and the notebooks must agree, or DVC re-runs the wrong stages."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
EXPECTED_STAGES = {
    "clean",
    "demand",
    "report_overview",
    "report_spor1",
    "report_spor2",
    "report_spor3",
    "report_decision",
}


def _cmd_args(stage: dict) -> dict:
    argv = shlex.split(stage["cmd"])
    assert argv[:4] == ["python", "-m", "attendance", "run-notebook"], stage["cmd"]
    args = {"notebook": argv[4]}
    for flag, value in zip(argv[5::2], argv[6::2], strict=True):
        args[flag.lstrip("-")] = value
    return args


def test_one_stage_per_notebook():
    assert set(DVC["stages"]) == EXPECTED_STAGES
    notebooks = {_cmd_args(s)["notebook"] for s in DVC["stages"].values()}
    assert notebooks == {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}


def test_cmd_params_equal_declared_params():
    for name, stage in DVC["stages"].items():
        args = _cmd_args(stage)
        assert args["params"].split(",") == stage["params"], name
        for key in stage["params"]:
            assert key in PARAMS, f"{name} declares params key {key!r} missing from params.yaml"


def test_stage_declares_its_notebook_html_and_executed_notebook():
    for name, stage in DVC["stages"].items():
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


def test_spor2_parameters_are_read_only_by_the_spor2_and_decision_stages():
    # the decision report costs its drop-in model with spor 2's recommended opening hours
    readers = [name for name, stage in DVC["stages"].items() if "spor2" in stage["params"]]
    assert readers == ["report_spor2", "report_decision"]


def test_dvc_analytics_switched_off():
    config = (ROOT / ".dvc" / "config").read_text(encoding="utf-8")
    assert re.search(r"analytics\s*=\s*false", config)


def _attendance_imports(source: str) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level and not node.module.startswith("attendance"):
                found.add(node.module.split(".")[0])
            elif node.module.startswith("attendance."):
                found.add(node.module.split(".")[1])
            elif node.module == "attendance":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("attendance."))
    return found


def _module_closure(modules: set[str]) -> set[str]:
    package = ROOT / "src" / "attendance"
    seen: set[str] = set()
    todo = [m for m in modules if (package / f"{m}.py").is_file()]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        imported = _attendance_imports((package / f"{module}.py").read_text(encoding="utf-8"))
        todo += [m for m in imported if (package / f"{m}.py").is_file()]
    return seen


def test_stage_deps_cover_every_package_module_the_notebook_uses():
    """Otherwise a code change would not re-run the stage and reports would silently be stale."""
    import json

    for name, stage in DVC["stages"].items():
        notebook = json.loads((ROOT / _cmd_args(stage)["notebook"]).read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
        used = _module_closure(_attendance_imports(code) | {"notebook_runner", "config", "leakguard"})
        deps = set(stage["deps"])
        missing = sorted(
            m for m in used if f"src/attendance/{m}.py" not in deps and "src/attendance" not in deps
        )
        assert not missing, f"stage {name} uses src/attendance/{missing} but does not declare it in deps"
