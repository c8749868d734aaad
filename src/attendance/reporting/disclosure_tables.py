"""The reports' count tables about citizens as `disclosure.Table`s with the shared coordinates.

One builder per table that counts citizens in more than one report, so every report describes the same
citizens in the same words (population `disclosure.POPULATION`: a citizen in an offer in the period) and the
audit can link them. A report suppresses its tables with `disclosure.suppress` (together with the tables of
the same population it shows, and with `known=` what earlier reports published) and records them with
`disclosure.publish_shown`. See docs/disclosure.md, "How to wire it in".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from attendance.errors import InputError
from attendance.settings.report_set import recorded_stages

from . import disclosure as dc

POP = dc.POPULATION
CAME = list(dc.CAME)
DOMAINS = {dim: list(values) for dim, values in dc.DOMAINS.items()}
CRITERIA_DOMAINS = {**DOMAINS, "days": list(dc.YES_NO), "weeks": list(dc.YES_NO), "hours": list(dc.YES_NO)}

REFERRAL_COLUMNS = {
    "Visiterede borgere": {dc.REFERRED: "ja"},
    "Heraf aktive (mindst ét besøg)": {dc.REFERRED: "ja", dc.VISITS: CAME},
    "Heraf aldrig mødt op": {dc.REFERRED: "ja", dc.VISITS: "0"},
    "Besøgende uden visitation": {dc.REFERRED: "nej", dc.VISITS: CAME},
}
"""overview.referred_vs_active's count columns; the first three are the kommissorium's public figures."""
PUBLIC_REFERRAL_COLUMNS = ["Visiterede borgere", "Heraf aktive (mindst ét besøg)", "Heraf aldrig mødt op"]

BAND_LABELS = {"0": "0 besøg (kom ikke)", "1–2": "1–2 besøg", "3–9": "3–9 besøg", "10+": "10+ besøg"}


def _offers(usage_bands: pd.DataFrame, offer_ids: Sequence[str] | None) -> list[str]:
    return list(offer_ids) if offer_ids is not None else sorted(usage_bands["offer_id"].astype(str).unique())


def referral_table(
    usage_bands: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    offer_ids: Sequence[str] | None = None,
    *,
    table_id: str = "visiterede_aktive",
    stage: str = "",
) -> dc.Table:
    """Per offer (rows, by name): referred, of whom active and never came (public), and visitors without a
    referral (a sub-group: suppressed when small). Input: the demand stage's `usage_bands`."""
    labels = dict(labels or {})
    rows, coords = [], {}
    for offer in _offers(usage_bands, offer_ids):
        own = usage_bands[usage_bands["offer_id"].astype(str) == offer]
        referred = own["referred"].astype(bool)
        came = own["visits"] > 0
        name = labels.get(offer, offer)
        rows.append(
            [
                int(referred.sum()),
                int((referred & came).sum()),
                int((referred & ~came).sum()),
                int((~referred & came).sum()),
            ]
        )
        coords[name] = {dc.OFFER: offer}
    counts = pd.DataFrame(rows, index=list(coords), columns=list(REFERRAL_COLUMNS))
    return dc.Table(
        table_id,
        counts,
        rows=coords,
        columns=REFERRAL_COLUMNS,
        public_columns=PUBLIC_REFERRAL_COLUMNS,
        population=POP,
        stage=stage,
        domains=DOMAINS,
    )


def band_counts(usage_bands: pd.DataFrame, offer_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Referred citizens per usage band (rows "0", "1–2", "3–9", "10+") × offer id (columns)."""
    referred = usage_bands[usage_bands["referred"].astype(bool)]
    out = {}
    for offer in _offers(usage_bands, offer_ids):
        bands = referred.loc[referred["offer_id"].astype(str) == offer, "band"].astype(str)
        out[offer] = bands.value_counts().reindex(list(dc.USAGE_BAND_RECODINGS[0]), fill_value=0).astype(int)
    return pd.DataFrame(out)


def band_table(
    counts: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    labels: Mapping[str, str] | None = None,
    *,
    table_id: str = "brugsbaand",
    stage: str = "",
) -> dc.Table:
    """The usage bands of the referred, recoded by `groups` ({label: [bands]}), with a total row ("I alt",
    the referred: public); "never came" ("0") is public too (referred − active), and so is a band holding
    every visiting band (the active)."""
    labels = dict(labels or {})
    recoded = dc.recode(counts, groups)
    recoded.loc["I alt"] = counts.sum()
    recoded.columns = [labels.get(c, c) for c in counts.columns]
    rows: dict[Any, Mapping[str, Any]] = {
        label: {dc.VISITS: list(members)} for label, members in groups.items()
    }
    rows["I alt"] = {}
    public = ["I alt", *[label for label, members in groups.items() if set(members) in ({"0"}, set(CAME))]]
    return dc.Table(
        table_id,
        recoded.astype(int),
        rows=rows,
        columns={labels.get(c, c): {dc.OFFER: c} for c in counts.columns},
        fixed={dc.REFERRED: "ja"},
        total_row="I alt",
        public_rows=public,
        population=POP,
        stage=stage,
        domains=DOMAINS,
    )


def best_recoding(
    build: Callable[[Mapping[str, Sequence[str]]], dc.Table],
    recodings: Sequence[Mapping[str, Sequence[str]]] = dc.USAGE_BAND_RECODINGS,
    threshold: int | None = None,
    *,
    others: Sequence[dc.Table] = (),
    known: Sequence[dc.Cell] = (),
) -> tuple[Mapping[str, Sequence[str]], dict[str, pd.DataFrame]]:
    """Global recoding before suppression: of `recodings` (finest first), the one whose suppressed table shows
    the most non-public counts (ties: the finer), suppressed together with `others` and around `known`.

    A recoding that cannot be protected at all (only small bands under a public total) is skipped; the
    coarsest, 0 / 1+, is all public margins and always works. Returns the chosen groups and
    `disclosure.suppress`'s result ({table id: shown table}).
    """

    best = None
    for groups in recodings:
        table = build(groups)
        try:
            shown = dc.suppress([table, *others], threshold, known=known)
        except InputError:  # public margins alone give a small band away: this grouping cannot be published
            continue
        visible = sum(
            not isinstance(shown[table.id].at[r, c], str) and not table.is_public(r, c)
            for r in table.counts.index
            for c in table.counts.columns
        )
        if best is None or visible > best[0]:
            best = (visible, groups, shown)
    if best is None:
        raise ValueError("best_recoding needs at least one recoding")
    return best[1], best[2]


FUNNEL_COLUMNS = {
    "attended": {},
    "not_referred": {dc.REFERRED: "nej"},
    "days_ok": {"days": "ja"},
    "weeks_ok": {"weeks": "ja"},
    "hours_ok": {"hours": "ja"},
    "days_weeks_ok": {"days": "ja", "weeks": "ja"},
    "target": {"days": "ja", "weeks": "ja", "hours": "ja"},
}


def funnel_table(
    funnel: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    *,
    attended: Mapping[str, Any] | None = None,
    table_id: str = "tragt",
    stage: str = "",
    bands: CriteriaBands | None = None,
) -> dc.Table:
    """Spor 3's criteria funnel (`track_employment.criteria_funnel`) per offer, columns as in the funnel.

    `attended` are the coordinates of "med fremmøde": by default the citizens with a visit in the period
    ({visits: 1–2, 3–9, 10+}), i.e. the same citizens as "aktive" + "besøgende uden visitation" of the
    overview (the issue's 17 = 15 + 2). If the funnel counts only opening-day visits and the two can differ,
    pass e.g. {"opening_day_visitor": "ja"} instead, or the audit reports the tables as contradicting.
    With `bands` (`criteria_bands`), the criteria are threshold bands, so the funnel links with the
    sensitivity tables of the same citizens; without, each criterion is a yes/no flag.
    """
    labels = dict(labels or {})
    base = dict(attended) if attended is not None else {dc.VISITS: CAME}
    columns = [c for c in FUNNEL_COLUMNS if c in funnel.columns]
    counts = funnel.set_index(funnel["offer_id"].astype(str).map(lambda o: labels.get(o, o)))[columns]
    rows = {labels.get(o, o): {dc.OFFER: o} for o in funnel["offer_id"].astype(str)}
    spec = FUNNEL_COLUMNS if bands is None else bands.funnel_columns()
    domains = CRITERIA_DOMAINS if bands is None else {**DOMAINS, **bands.domains()}
    return dc.Table(
        table_id,
        counts.astype(int),
        rows=rows,
        columns={c: {**base, **spec[c]} for c in columns},
        population=POP,
        stage=stage,
        domains=domains,
    )


def _band(value: float) -> str:
    return f"{float(value):g}"


@dataclass(frozen=True)
class CriteriaBands:
    """Spor 3's three criteria as threshold bands: a citizen's days per week, share of weeks and hours per
    day each fall in one band between neighbouring thresholds (every threshold of the sensitivity grids and
    the chosen one). "At least x" is then the union of the bands from x up, so nested thresholds ("at least
    1,5 days" ⊃ "at least 2,0 days") are linked cells of one population and the audit sees their difference.
    """

    days: tuple[float, ...]
    weeks: tuple[float, ...]
    hours: tuple[float, ...]
    chosen: tuple[float, float, float]

    @classmethod
    def of(
        cls,
        spor3: Mapping[str, Any],
        days_grid: Sequence[float] = (),
        share_grid: Sequence[float] = (),
        hours_grid: Sequence[float] = (),
    ) -> CriteriaBands:
        chosen = (
            float(spor3["min_days_per_week"]),
            float(spor3["min_weeks_active_share"]),
            float(spor3["min_daytime_hours"]),
        )

        def cuts(grid: Sequence[float], value: float) -> tuple[float, ...]:
            return tuple(sorted({round(float(g), 9) for g in grid} | {round(value, 9)}))

        return cls(
            cuts(days_grid, chosen[0]), cuts(share_grid, chosen[1]), cuts(hours_grid, chosen[2]), chosen
        )

    def _cuts(self, dim: str) -> tuple[float, ...]:
        return {"days": self.days, "weeks": self.weeks, "hours": self.hours}[dim]

    def domains(self) -> dict[str, list[str]]:
        """Every band of each criterion: "under" (below the lowest threshold) and one per threshold."""
        return {dim: ["under", *(_band(c) for c in self._cuts(dim))] for dim in ("days", "weeks", "hours")}

    def at_least(self, dim: str, value: float) -> list[str]:
        cuts = self._cuts(dim)
        if not any(abs(c - float(value)) < 1e-9 for c in cuts):
            raise ValueError(f"{value!r} is not a threshold of the {dim} bands {cuts}")
        return [_band(c) for c in cuts if c >= float(value) - 1e-9]

    def meets(
        self, days: float | None = None, weeks: float | None = None, hours: float | None = None
    ) -> dict:
        """Coordinates of "meets these thresholds" (None: that criterion is not asked)."""
        wanted = {"days": days, "weeks": weeks, "hours": hours}
        return {dim: self.at_least(dim, v) for dim, v in wanted.items() if v is not None}

    def funnel_columns(self) -> dict[str, dict[str, Any]]:
        d, w, h = self.chosen
        return {
            "attended": {},
            "not_referred": {dc.REFERRED: "nej"},
            "days_ok": self.meets(days=d),
            "weeks_ok": self.meets(weeks=w),
            "hours_ok": self.meets(hours=h),
            "days_weeks_ok": self.meets(days=d, weeks=w),
            "target": self.meets(days=d, weeks=w, hours=h),
        }


def _grid_table(
    wide: pd.DataFrame,
    bands: CriteriaBands,
    display: pd.DataFrame,
    count_columns: Sequence[str],
    rows: Mapping[Any, Mapping[str, Any]],
    columns: Mapping[str, Mapping[str, Any]],
    fixed: Mapping[str, Any],
    **table: Any,
) -> dc.Table:
    """A threshold grid (pivoted long table, in the display's row order) as a `disclosure.Table`."""
    counts = pd.DataFrame(wide.to_numpy(dtype="int64"), index=display.index, columns=list(count_columns))
    return dc.Table(
        counts=counts,
        rows=rows,
        columns=columns,
        fixed=fixed,
        population=POP,
        domains={**DOMAINS, **bands.domains()},
        display=display,
        **table,
    )


def sensitivity_table(
    sensitivity: pd.DataFrame,
    bands: CriteriaBands,
    attended: Mapping[str, Any],
    display: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    table_id: str = "foelsomhed",
    stage: str = "",
    rounding: int = 0,
) -> dc.Table:
    """Spor 3's grid (`track_employment.sensitivity_table`, long form) as the display shows it: a row per
    offer × days threshold (display's row order), a column per share-of-weeks threshold (`count_columns`, in
    the grid's order), all at the chosen hours threshold."""
    wide = sensitivity.pivot_table(
        index=["offer_id", "min_days_per_week"],
        columns="min_weeks_active_share",
        values="citizens",
        sort=False,
    )
    rows = {
        i: {dc.OFFER: str(offer), **bands.meets(days=days)}
        for i, (offer, days) in zip(display.index, wide.index, strict=True)
    }
    columns = {c: bands.meets(weeks=s) for c, s in zip(count_columns, wide.columns, strict=True)}
    fixed = {**attended, **bands.meets(hours=bands.chosen[2])}
    return _grid_table(
        wide, bands, display, count_columns, rows, columns, fixed, id=table_id, stage=stage, rounding=rounding
    )


def hours_table(
    hours: pd.DataFrame,
    bands: CriteriaBands,
    attended: Mapping[str, Any],
    display: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    table_id: str = "foelsomhed_timer",
    stage: str = "",
    rounding: int = 0,
) -> dc.Table:
    """Spor 3's hours sensitivity (`track_employment.hours_sensitivity`, long form): a row per offer, a
    column per hours threshold, at the chosen days and weeks thresholds."""
    wide = hours.pivot_table(index="offer_id", columns="min_daytime_hours", values="citizens", sort=False)
    rows = {i: {dc.OFFER: str(offer)} for i, offer in zip(display.index, wide.index, strict=True)}
    columns = {c: bands.meets(hours=h) for c, h in zip(count_columns, wide.columns, strict=True)}
    fixed = {**attended, **bands.meets(days=bands.chosen[0], weeks=bands.chosen[1])}
    return _grid_table(
        wide, bands, display, count_columns, rows, columns, fixed, id=table_id, stage=stage, rounding=rounding
    )


# --------------------------------------------------------------------------------------------------------
# What the report stages call: one grouping of the bands for every report, suppression around what the
# earlier stages published, and the record of what was shown
# --------------------------------------------------------------------------------------------------------


def usage_band_groups(
    usage_bands: pd.DataFrame, offer_ids: Sequence[str] | None = None, threshold: int | None = None
) -> Mapping[str, Sequence[str]]:
    """The usage-band grouping every report shows (`best_recoding` of the band table suppressed with the
    referral table). It depends on the data and the threshold only, never on which stage asks, so the
    overview and spor 1 show the same bands."""
    referral = referral_table(usage_bands, offer_ids=offer_ids)
    counts = band_counts(usage_bands, offer_ids)
    groups, _shown = best_recoding(lambda g: band_table(counts, g), threshold=threshold, others=[referral])
    return groups


def earlier_stages(stage: str, root: Any = None) -> tuple[str, ...]:
    """The report stages before `stage` (whose records `stage` suppresses around), in dvc.yaml's order of the
    stages that output a `build/published/<stem>.json` record (`settings.report_set`). A stage that suppresses
    around the records of the ones before it lists them in its `deps`. Analyst reports are not recorded."""
    # records may be written elsewhere (a test's folder); the set of stages is the project's
    has_pipeline = root is not None and (Path(root) / "dvc.yaml").is_file()
    stages = recorded_stages(Path(root) if has_pipeline else None)
    if stage not in stages:
        raise ValueError(
            f"unknown report stage {stage!r}: no dvc.yaml stage outputs build/published/{stage}.json"
        )
    return stages[: stages.index(stage)]


def known_cells(stage: str, population: str = POP, root: Any = None) -> list[dc.Cell]:
    """What the earlier report stages published about `population` (only those: a stage reads no record it
    does not declare as a dependency, so the result does not depend on which stages ran last)."""
    before = set(earlier_stages(stage, root))
    directory = dc.published_dir(root)
    return [c for c in dc.published_cells(population, directory, exclude_stage=stage) if c.stage in before]


def suppress_and_publish(
    stage: str, tables: Sequence[dc.Table], threshold: int | None = None, *, root: Any = None, **kwargs: Any
) -> dict[str, pd.DataFrame]:
    """Suppress the tables of one population a report shows in one call, around what the earlier stages
    published, and record them in build/published/<stage>.json. Returns {table id: shown table}."""
    population = tables[0].population if tables else POP
    shown = dc.suppress(tables, threshold, known=known_cells(stage, population, root), **kwargs)
    for table in tables:
        dc.publish_shown(stage, shown[table.id], root=root)
    return shown


def with_display(
    table: dc.Table, display: pd.DataFrame, derived: Mapping[str, Any] | None = None
) -> dc.Table:
    """The table with the report's display frame (same index, the count columns plus shares …)."""
    from dataclasses import replace

    return replace(table, display=display, derived=dict(derived or {}))


def publish_public_counts(
    stage: str,
    table_id: str,
    counts: Mapping[str, int],
    coords: Mapping[str, Any],
    column: str,
    labels: Mapping[str, str] | None = None,
    *,
    root: Any = None,
) -> None:
    """Record public figures per offer that a report quotes (in the text, a key figure), e.g. the referred
    citizens per offer ({referred: ja}): a number in a sentence is published too."""
    labels = dict(labels or {})
    cells = [
        {
            "row": labels.get(offer, offer),
            "column": column,
            "coords": {dc.OFFER: offer, **coords},
            "value": int(n),
            "public": True,
        }
        for offer, n in counts.items()
    ]
    dc.publish(stage, table_id, cells, population=POP, domains=DOMAINS, root=root)
