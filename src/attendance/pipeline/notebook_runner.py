"""Run one pipeline notebook: papermill executes it with parameters from params.yaml, nbconvert renders it.

Each DVC stage calls this with the same parameter keys it declares in dvc.yaml, so the notebook sees exactly the
parameters DVC tracks for it. The executed notebook goes to build/notebooks/ (a DVC output, never the source
notebook), the HTML to reports/ through the project's offline template.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

from attendance.errors import InputError
from attendance.settings.config import load_params, project_root

from .leakguard import guard_outputs
from .render import external_urls, tag_remover

# nbformat validates notebooks with jsonschema, which imports `rfc3987_syntax` (when installed, as jupyterlab's
# dependencies do) only to check the "iri" string format; that import compiles 38 lark grammars and costs ~5 s
# in every stage. Notebook schemas never use the iri format, and jsonschema skips the check when the import
# fails, so the runner blocks it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

TEMPLATE_DIR = Path(__file__).parent / "templates" / "nbconvert"
TEMPLATE_NAME = "attendance_report"


def select_params(keys: list[str], params: dict[str, Any], source: str = "params.yaml") -> dict[str, Any]:
    missing = [key for key in keys if key not in params]
    if missing:
        raise InputError(
            f"params.yaml has no key(s) {', '.join(missing)}", file=source, fix="add them or correct --params"
        )
    return {key: params[key] for key in keys}


@contextlib.contextmanager
def _stderr_to(path: Path):
    """Send the kernel's own console chatter (e.g. jupyter's TCP transport warning) to a log file, so the
    console shows only the runner's one-line result; the kernel inherits file descriptor 2 from us."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "wb") as log:
            os.dup2(log.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def _inline_figures():
    """The kernel inherits our environment; a MPLBACKEND=Agg set for tests or by the analyst's shell would
    silently drop every figure a notebook shows with plain matplotlib, so the kernel gets Jupyter's own."""
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved


def execute_notebook(notebook: Path, executed: Path, parameters: dict[str, Any], cwd: Path) -> None:
    import papermill as pm

    executed.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    kernel_log = executed.with_suffix(".kernel.log")
    try:
        with _stderr_to(kernel_log), _inline_figures():
            pm.execute_notebook(
                str(notebook),
                str(executed),
                parameters=parameters,
                cwd=str(cwd),
                kernel_name="python3",
                progress_bar=False,
                request_save_on_cell_execute=False,
            )
    except pm.PapermillExecutionError as exc:
        # The executed notebook holds the traceback for the analyst; the console gets one line.
        if exc.ename == "InputError":
            raise InputError(exc.evalue) from None
        raise InputError(
            f"notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}",
            file=str(notebook),
            fix=f"open {executed} to see the failing cell",
        ) from None


_VOLATILE = ("duration", "start_time", "end_time")


def normalise_executed(executed: Path, root: Path) -> None:
    """Drop run times and absolute paths from the executed notebook, so the same sources, data and parameters
    give the same bytes (and DVC's lock file does not change on a re-run). The cell outputs stay as they are."""
    import json

    notebook = json.loads(executed.read_text(encoding="utf-8"))
    run = notebook.get("metadata", {}).get("papermill", {})
    for key in _VOLATILE:
        run.pop(key, None)
    for key in ("input_path", "output_path"):
        if run.get(key):
            path = Path(run[key])
            run[key] = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    for cell in notebook.get("cells", []):
        metadata = cell.get("metadata", {})
        metadata.pop("execution", None)
        if "injected-parameters" in metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id on every run
        for key in _VOLATILE:
            metadata.get("papermill", {}).pop(key, None)
    executed.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def render_html(executed: Path, html: Path) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        template_name=TEMPLATE_NAME,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # Cells tagged remove-cell (e.g. the injected parameters) never reach a reviewer.
    exporter.register_preprocessor(tag_remover(), enabled=True)
    notebook = nbformat.read(str(executed), as_version=4)
    body, _ = exporter.from_notebook_node(notebook)

    bad = external_urls(body)
    if bad:
        raise InputError(
            f"the report would load {bad[0]} from another host", file=str(html), fix="embed it instead"
        )
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(body, encoding="utf-8")
    return html


def stage_outputs(root: Path, notebook: Path) -> list[Path]:
    """The outputs dvc.yaml declares for the stage that runs `notebook` (quarantine excluded: it is meant to
    hold raw values for the analyst and never leaves the machine)."""
    import yaml

    try:
        stages = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8")).get("stages", {}) or {}
    except (OSError, AttributeError, yaml.YAMLError):
        return []
    rel = notebook.relative_to(root).as_posix() if notebook.is_relative_to(root) else notebook.name
    outputs: list[Path] = []
    for stage in stages.values():
        if rel not in str(stage.get("cmd", "")).split():
            continue
        for entry in [*stage.get("outs", []), *stage.get("metrics", [])]:
            path = next(iter(entry)) if isinstance(entry, dict) else entry
            if not str(path).startswith("data/quarantine"):
                outputs.append(root / path)
    return outputs


def guard_against_leaks(root: Path, params: dict[str, Any], outputs: list[Path]) -> None:
    """Stage check: no output may contain a raw citizen identifier of this run's raw data."""

    dataset = params.get("dataset") or {}
    raw_dir = root / "data" / "raw" / str(dataset.get("name", ""))
    if not dataset.get("name") or not raw_dir.is_dir():
        logging.getLogger(__name__).warning("leak guard skipped: no raw dataset folder %s", raw_dir)
        return
    guard_outputs(outputs, raw_dir, root)


def stage_metrics(root: Path, notebook: Path) -> list[Path]:
    """The metrics files dvc.yaml declares for the stage that runs `notebook`."""
    return [path for path in stage_outputs(root, notebook) if path.parent == root / "metrics"]


@contextlib.contextmanager
def _restored_on_failure(root: Path, metrics: list[Path]):
    """A failed stage leaves the metrics (and, inside `dvc exp run`, params.yaml) as they were.

    Metrics are declared `persist: true`, so DVC does not delete them before the stage runs and the runner can
    put back what was there. Inside a DVC experiment (DVC sets DVC_EXP_BASELINE_REV) DVC has already rewritten
    params.yaml and earlier stages may have written new metrics: all of them go back to the experiment's
    baseline commit, and the experiment's versions are kept in build/failed_experiment/ so nothing is lost.
    """
    saved = {path: path.read_bytes() if path.is_file() else None for path in metrics}
    try:
        yield
    except BaseException:
        for path, content in saved.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
        baseline = os.environ.get("DVC_EXP_BASELINE_REV")
        if baseline:
            restore_experiment_baseline(root, baseline)
        raise


def restore_experiment_baseline(root: Path, baseline: str) -> list[str]:
    """params.yaml and metrics/*.json back to the baseline commit; the experiment's copies to build/."""
    import subprocess

    keep = root / "build" / "failed_experiment"
    restored = []
    tracked = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", baseline, "--", "params.yaml", "metrics"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    for name in tracked.stdout.split():
        original = subprocess.run(
            ["git", "show", f"{baseline}:{name}"], cwd=root, capture_output=True, check=False
        )
        path = root / name
        if original.returncode != 0 or (path.is_file() and path.read_bytes() == original.stdout):
            continue
        if path.is_file():
            (keep / name).parent.mkdir(parents=True, exist_ok=True)
            (keep / name).write_bytes(path.read_bytes())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(original.stdout)
        restored.append(name)
    if restored:
        print(
            f"attendance: the experiment failed; {', '.join(restored)} restored to {baseline[:7]} "
            f"(the experiment's versions are in {keep.relative_to(root)}/)",
            file=sys.stderr,
        )
    return restored


def run_notebook(
    notebook: str | Path, keys: list[str], html: str | Path, executed_dir: str | Path = "build/notebooks"
) -> Path:
    root = project_root()
    notebook = (root / notebook).resolve()
    if not notebook.is_file():
        raise InputError("notebook not found", file=str(notebook))
    with _restored_on_failure(root, stage_metrics(root, notebook)):
        params = load_params(root / "params.yaml")
        parameters = select_params(keys, params)
        executed = (root / executed_dir / notebook.name).resolve()
        execute_notebook(notebook, executed, parameters, cwd=root)
        normalise_executed(executed, root)
        html_path = render_html(executed, (root / html).resolve())
        outputs = sorted({*stage_outputs(root, notebook), executed, html_path})
        guard_against_leaks(root, params, outputs)
    return html_path
