"""The set of reviewer reports, read from dvc.yaml: a stage that renders `reports/<stem>.html` is a reviewer
report, its `meta: {title: …}` is the short Danish title the reports link it by, and a stage that outputs
`build/published/<stem>.json` records what it published for the disclosure control. So a new track is a
notebook, a track module, a stage and its params — no list elsewhere to keep in step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from attendance.errors import InputError

from .config import project_root
from .yamlio import load_yaml_file


@dataclass(frozen=True)
class Report:
    stage: str  # the dvc.yaml stage
    stem: str  # reports/<stem>.html
    title: str  # short Danish title in the links between the reports
    recorded: bool  # writes build/published/<stem>.json (the disclosure audit reads it)
    max_pages: int | None = None  # the A4 page budget the layout tests hold it to (meta.max_pages)
    track: str | None = None  # its key under "tracks" in metrics/decision.json (meta.track), if a track


def _outs(stage: dict) -> list[str]:
    return [next(iter(o)) if isinstance(o, dict) else str(o) for o in stage.get("outs", []) or []]


def reviewer_reports(root: Path | None = None) -> list[Report]:
    """The reviewer reports in dvc.yaml's stage order (which is the reading order)."""
    path = (root or project_root()) / "dvc.yaml"
    stages = (load_yaml_file(path) or {}).get("stages", {}) or {}
    found: list[Report] = []
    for name, stage in stages.items():
        outs = _outs(stage)
        html = [o for o in outs if o.startswith("reports/") and o.count("/") == 1 and o.endswith(".html")]
        if not html:
            continue
        stem = Path(html[0]).stem
        meta = stage.get("meta") or {}
        title = str(meta.get("title") or "").strip()
        if not title:
            raise InputError(
                f"stage {name} renders {html[0]} but has no short title",
                file=str(path),
                fix=f"add `meta: {{title: …}}` to stage {name} (the name the other reports link it by)",
            )
        recorded = f"build/published/{stem}.json" in outs
        pages = meta.get("max_pages")
        found.append(Report(name, stem, title, recorded, int(pages) if pages else None, meta.get("track")))
    return found


def recorded_stages(root: Path | None = None) -> tuple[str, ...]:
    """The stems of the reports that record what they published, in pipeline order."""
    return tuple(r.stem for r in reviewer_reports(root) if r.recorded)
