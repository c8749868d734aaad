"""Spor 3's report tables in Danish (the notebook only shows them): the criteria funnel, the sensitivity
grids, typical hours, weekday presence and the workshop plans.

Why a module of its own: the counts here are what a reader sees of small groups of citizens, so every table
goes through small-cell suppression (`reporting.tables.suppress_small`) and the funnel and both sensitivity
tables are protected together against differencing and recorded for the audit (`protected_tables`). The
numbers themselves come from `compute`; the sentences and key figures that quote them are in `texts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attendance.reporting import disclosure as dc
from attendance.reporting import disclosure_tables as dt
from attendance.reporting import (
    drop_zero_rows,
    fmt_number,
    fmt_pct,
    fmt_time,
    suppress_small,
    weekday_name,
)
from attendance.reporting.disclosure import HIDDEN, ROUNDED
from attendance.reporting.summary import zero_rows_note

DEFINITION_LABELS = {"strict": "Stram", "chosen": "Valgt", "loose": "Løs"}
GROUP_LABELS = {"target": "Mulig målgruppe", "other": "Øvrige borgere med fremmøde"}


def shown_offers(funnel: pd.DataFrame, threshold: int) -> list[str]:
    """Offers whose target group is large enough to describe (≥ threshold citizens); smaller groups are only
    counted ("<5"), never described by weekday, slot or hours."""
    return funnel.loc[funnel["target"] >= int(threshold), "offer_id"].tolist()


def threshold_texts(spor3: Mapping) -> dict[str, str]:
    return {
        "days": f"mindst {fmt_threshold(spor3['min_days_per_week'])} dage pr. uge",
        "weeks": f"fremmøde i mindst {fmt_pct(spor3['min_weeks_active_share'], 0)} af ugerne",
        "hours": f"mindst {fmt_threshold(spor3['min_daytime_hours'])} timer pr. dag i værkstedsdagen",
    }


FUNNEL_STAGE_TABLE = "tragt"
OPENING_DAY = (
    "opening_day"  # disclosure coordinate: "ja" = at least one visit on an opening day in the period
)


def suppressed_funnel(
    funnel: pd.DataFrame, labels: Mapping[str, str], threshold: int, stage: str, *, root=None
) -> pd.DataFrame:
    """The funnel (`criteria_funnel`, rows: offers) as the reader sees it: counts or "<5"/"×". "Med fremmøde"
    are the same citizens as the other reports' active + visitors without a referral, so the funnel is
    suppressed around what they published (the issue's 17 = 15 + "<5") and recorded for the audit. Index: the
    offer ids; columns as in `funnel` (`not_referred` is published in the text)."""
    from dataclasses import replace

    # "med fremmøde" counts visitors on opening days; the other reports' active citizens count every visit in
    # the period (closed-day trips too). So the funnel's citizens are the ones who came *and* came on an
    # opening day: a subset of active + unreferred, equal in the demo, never contradicting it on real data.
    attended = {dc.VISITS: list(dc.CAME), OPENING_DAY: "ja"}
    table = dt.funnel_table(funnel, labels, stage=stage, table_id=FUNNEL_STAGE_TABLE, attended=attended)
    table = replace(table, domains={**table.domains, OPENING_DAY: list(dc.YES_NO)})
    shown = dt.suppress_and_publish(stage, [table], threshold, root=root)[table.id]
    out = shown.set_axis(list(funnel["offer_id"].astype(str)))
    out.attrs = dict(shown.attrs)
    return out


def funnel_table(shown: pd.DataFrame, spor3: Mapping, labels: Mapping[str, str]) -> pd.DataFrame:
    """The suppressed funnel (`suppressed_funnel`) with Danish headers naming the thresholds."""

    texts = threshold_texts(spor3)
    columns = {
        "attended": "Borgere med fremmøde",
        "days_ok": texts["days"].capitalize(),
        "weeks_ok": texts["weeks"].capitalize(),
        "hours_ok": f"Mindst {fmt_threshold(spor3['min_daytime_hours'])} timer pr. dag",
        "days_weeks_ok": "Både dage og uger",
        "target": "Alle tre: mulig målgruppe",
    }
    table = shown.drop(columns=["not_referred"], errors="ignore").rename(columns=columns)
    table.insert(0, "Tilbud", [labels.get(o, o) for o in shown.index])
    table = table.reset_index(drop=True)
    table.attrs = dict(shown.attrs)
    return table


def _decimals(threshold: float) -> int:
    """1,5 but 1,75: a threshold is shown with the decimals it has (one at least)."""
    return 1 if round(float(threshold), 1) == float(threshold) else 2


def fmt_threshold(value: float) -> str:
    """A spor 3 threshold in Danish with the decimals it has: "2,0", "1,75"."""
    return fmt_number(value, _decimals(value))


def _sensitivity_frame(
    sensitivity: pd.DataFrame, labels: Mapping[str, str]
) -> tuple[pd.DataFrame, list[str]]:
    """The grid as the report lays it out (a row per offer × days threshold, a column per weeks threshold),
    true counts; with the names of the count columns."""
    wide = sensitivity.pivot_table(
        index=["offer_id", "min_days_per_week"],
        columns="min_weeks_active_share",
        values="citizens",
        sort=False,
    )
    share_columns = [f"{fmt_pct(s, 0)} af ugerne" for s in wide.columns]
    wide.columns = share_columns
    wide = wide.reset_index()
    wide.insert(0, "Tilbud", wide.pop("offer_id").map(lambda o: labels.get(o, o)))
    wide["min_days_per_week"] = wide["min_days_per_week"].map(lambda d: fmt_number(d, _decimals(d)))
    wide = wide.rename(columns={"min_days_per_week": "Dage pr. uge (mindst)"})
    wide[share_columns] = wide[share_columns].astype("int64")
    return wide, share_columns


def _hours_frame(hours: pd.DataFrame, labels: Mapping[str, str]) -> tuple[pd.DataFrame, list[str]]:
    wide = hours.pivot_table(index="offer_id", columns="min_daytime_hours", values="citizens", sort=False)
    columns = [f"Mindst {fmt_number(h, _decimals(h))} timer" for h in wide.columns]
    wide.columns = columns
    wide = wide.astype("int64").reset_index()
    wide.insert(0, "Tilbud", wide.pop("offer_id").map(lambda o: labels.get(o, o)))
    return wide, columns


def sensitivity_display(sensitivity: pd.DataFrame, labels: Mapping[str, str], threshold: int) -> pd.DataFrame:
    """The sensitivity grid as one table, small counts suppressed within the table only (see
    `protected_tables` for the report's version, protected against differencing)."""
    wide, share_columns = _sensitivity_frame(sensitivity, labels)
    return suppress_small(wide, share_columns, threshold)


def hours_sensitivity_display(hours: pd.DataFrame, labels: Mapping[str, str], threshold: int) -> pd.DataFrame:
    """Target-group size per offer (rows) for each hours threshold (columns), small counts suppressed
    within the table only (see `protected_tables`)."""
    wide, columns = _hours_frame(hours, labels)
    return suppress_small(wide, columns, threshold)


SENSITIVITY_TABLE = "foelsomhed"
HOURS_TABLE = "foelsomhed_timer"


@dataclass
class ProtectedTables:
    """Spor 3's count tables as the reader sees them, protected together (`protected_tables`)."""

    funnel: pd.DataFrame  # as `suppressed_funnel` returns it (index: offer ids)
    sensitivity: pd.DataFrame  # display table: counts, "≈r" (rounded), "<t" or "×"
    hours: pd.DataFrame  # display table, likewise
    bracket: pd.DataFrame  # offer_id, lower, upper: the grid's strictest and loosest cell as shown
    rounding: int


def protected_tables(
    funnel: pd.DataFrame,
    sensitivity: pd.DataFrame,
    hours: pd.DataFrame,
    spor3: Mapping,
    labels: Mapping[str, str],
    threshold: int,
    stage: str,
    *,
    root=None,
) -> ProtectedTables:
    """The funnel and the two sensitivity tables suppressed in one call, around what the earlier reports
    published, and recorded for the audit.

    Why together: the three count the same citizens at nested thresholds ("at least 1,5 days" contains "at
    least 2,0 days"), so the difference of two neighbouring cells is a group of its own — often one or two
    citizens. The sensitivity tables are planning ranges, so their counts are rounded to the threshold's
    base ("≈10": round half up to a multiple of t; counts below t stay "<t", zeros stay 0) and no difference
    of two of them pins a small group; the funnel keeps exact counts (the decision needs the chosen target
    group) and gets secondary suppression where a difference would give a small group away. The audit
    (`disclosure.audit`) re-checks every such difference over all reports.
    """
    from dataclasses import replace

    t = int(threshold)
    bands = dt.CriteriaBands.of(
        spor3,
        sensitivity["min_days_per_week"].unique(),
        sensitivity["min_weeks_active_share"].unique(),
        hours["min_daytime_hours"].unique(),
    )
    attended = {dc.VISITS: list(dc.CAME), OPENING_DAY: "ja"}
    funnel_spec = dt.funnel_table(
        funnel, labels, stage=stage, table_id=FUNNEL_STAGE_TABLE, attended=attended, bands=bands
    )
    funnel_spec = replace(funnel_spec, domains={**funnel_spec.domains, OPENING_DAY: list(dc.YES_NO)})
    sens_frame, sens_columns = _sensitivity_frame(sensitivity, labels)
    hours_frame, hours_columns = _hours_frame(hours, labels)
    sens_spec = dt.sensitivity_table(
        sensitivity,
        bands,
        attended,
        sens_frame,
        sens_columns,
        table_id=SENSITIVITY_TABLE,
        stage=stage,
        rounding=t,
    )
    hours_spec = dt.hours_table(
        hours, bands, attended, hours_frame, hours_columns, table_id=HOURS_TABLE, stage=stage, rounding=t
    )
    for spec in (sens_spec, hours_spec):
        spec.domains = {**spec.domains, OPENING_DAY: list(dc.YES_NO)}
    shown = dt.suppress_and_publish(stage, [funnel_spec, sens_spec, hours_spec], t, root=root)
    funnel_shown = shown[FUNNEL_STAGE_TABLE].set_axis(list(funnel["offer_id"].astype(str)))
    funnel_shown.attrs = dict(shown[FUNNEL_STAGE_TABLE].attrs)
    sens_shown = shown[SENSITIVITY_TABLE]
    # the bracket: per offer, the grid's strictest cell (highest days, last weeks column) and loosest
    sens_key = sensitivity.drop_duplicates(["offer_id", "min_days_per_week"])[
        ["offer_id", "min_days_per_week"]
    ]
    rows = []
    for offer in dict.fromkeys(sens_key["offer_id"]):
        positions = np.flatnonzero((sens_key["offer_id"] == offer).to_numpy())
        days = sens_key["min_days_per_week"].to_numpy()[positions]
        loose, strict = positions[int(np.argmin(days))], positions[int(np.argmax(days))]
        rows.append(
            {
                "offer_id": offer,
                "lower": sens_shown.iloc[strict][sens_columns[-1]],
                "upper": sens_shown.iloc[loose][sens_columns[0]],
            }
        )
    return ProtectedTables(funnel_shown, sens_shown, shown[HOURS_TABLE], pd.DataFrame(rows), t)


def typical_hours_display(
    hours: pd.DataFrame, labels: Mapping[str, str], threshold: int, shown_funnel: pd.DataFrame | None = None
) -> pd.DataFrame:
    """When each group is there, in Danish. Suppressed per offer with the offer's total known (the two
    groups add up to the citizens with attendance shown elsewhere), so a hidden group can't be had by
    subtraction. With `shown_funnel` (`suppressed_funnel`): where the funnel hides "med fremmøde", the
    other citizens' count is hidden too (it is "med fremmøde" minus the target group)."""
    if hours.empty:
        return pd.DataFrame(columns=["Tilbud", "Gruppe", "Borgere", "Besøg"])
    table = pd.DataFrame(
        {
            "Tilbud": hours["offer_id"].map(lambda o: labels.get(o, o)),
            "Gruppe": hours["group"].map(GROUP_LABELS),
            "Borgere": hours["citizens"].astype("int64"),
            "Besøg": hours["visits"].astype("int64"),
            "Typisk ankomst": [
                f"{fmt_time(m)} ({fmt_time(lo)}–{fmt_time(hi)})"
                for m, lo, hi in zip(
                    hours["arrival_median"], hours["arrival_p25"], hours["arrival_p75"], strict=True
                )
            ],
            "Typisk afgang": hours["departure_median"].map(fmt_time),
            "Gns. ophold (timer)": hours["stay_hours_mean"].map(lambda h: fmt_number(h, 1)),
        }
    )
    derived = ["Besøg", "Typisk ankomst", "Typisk afgang", "Gns. ophold (timer)"]
    parts = [
        suppress_small(part, ["Borgere"], threshold, column_totals_known=True, derived={"Borgere": derived})
        for _, part in table.groupby("Tilbud", sort=False)
    ]
    out = pd.concat(parts)
    extra = 0
    if shown_funnel is not None:
        for index in out.index:
            offer_id, group, value = (
                hours.at[index, "offer_id"],
                hours.at[index, "group"],
                out.at[index, "Borgere"],
            )
            hidden = offer_id in shown_funnel.index and isinstance(shown_funnel.at[offer_id, "attended"], str)
            if hidden and group != "target" and not isinstance(value, str):
                out.at[index, "Borgere"] = "×" if int(value) >= int(threshold) else f"<{int(threshold)}"
                extra += 1
    out.attrs["suppression"] = {
        "threshold": int(threshold),
        "primary": sum(p.attrs["suppression"]["primary"] for p in parts),
        "secondary": sum(p.attrs["suppression"]["secondary"] for p in parts) + extra,
    }
    return out.reset_index(drop=True)


def weekday_display(
    presence: pd.DataFrame, offers_shown: Sequence[str], labels: Mapping[str, str]
) -> pd.DataFrame:
    """Mean number of the target group attending per opening day, a row per weekday, a column per offer."""
    rows = presence[presence["offer_id"].isin(offers_shown)]
    wide = rows.pivot_table(index="weekday", columns="offer_id", values="members_mean", sort=True)
    wide = wide.reindex(columns=list(offers_shown))
    wide.columns = [labels.get(o, o) for o in wide.columns]
    wide.index = [weekday_name(d).capitalize() for d in wide.index]
    wide.index.name = "Ugedag"
    return wide.reset_index()


PLAN_PARTS = {
    "capacity": ["Borgere i målgruppen", "Pladser", "Ledere (højst)", "Timer pr. uge"],
    "economy": [
        "Timer pr. uge",
        "Årsværk",
        "Løn pr. år",
        "Timer ved fast bemanding",
        "Løn ved fast bemanding",
    ],
}


def plans_display(
    plans: pd.DataFrame,
    labels: Mapping[str, str],
    threshold: int,
    part: str,
    protected: ProtectedTables | None = None,
) -> pd.DataFrame:
    """The strict/chosen/loose workshop plans in Danish, as two narrower tables (`part` = "capacity": size,
    places, supervisors, hours; "economy": hours, årsværk and cost, following the slots and fixed).

    Everything about a group below the threshold is hidden with its size (places and staff would reveal
    how few they are); the economy part leaves the size column out but keeps the hiding. With `protected`
    (`protected_tables`), the sizes are shown exactly as the sensitivity grid and the funnel show the same
    groups (strict and loose are the grid's corners, rounded there; chosen is the funnel's target group), so
    this table adds no number a reader could difference against them."""
    if part not in PLAN_PARTS:
        raise ValueError(f"part must be one of {sorted(PLAN_PARTS)}")
    table = pd.DataFrame(
        {
            "Tilbud": plans["offer_id"].map(lambda o: labels.get(o, o)),
            "Afgrænsning": plans["definition"].map(DEFINITION_LABELS),
            "Borgere i målgruppen": plans["citizens"].astype("int64"),
            "Pladser": plans["places"].astype("int64"),
            "Ledere (højst)": plans["supervisors_max"].astype("int64"),
            "Timer pr. uge": plans["staff_hours_week"].astype(float),
            "Årsværk": plans["fte"].astype(float),
            "Løn pr. år": plans["cost_dkk"].astype(float),
            "Timer ved fast bemanding": plans["staff_hours_week_fixed"].astype(float),
            "Løn ved fast bemanding": plans["cost_dkk_fixed"].astype(float),
        }
    )
    derived = list(table.columns[3:])
    shown = suppress_small(
        table, ["Borgere i målgruppen"], threshold, derived={"Borgere i målgruppen": derived}
    )
    if protected is not None:
        shown = shown.astype({c: object for c in ["Borgere i målgruppen", *derived]})
        corners = protected.bracket.set_index("offer_id")
        for index, offer, definition in zip(plans.index, plans["offer_id"], plans["definition"], strict=True):
            seen = {
                "strict": corners.at[offer, "lower"],
                "loose": corners.at[offer, "upper"],
                "chosen": protected.funnel.at[offer, "target"],
            }[definition]
            position = shown.index[list(plans.index).index(index)]
            shown.at[position, "Borgere i målgruppen"] = seen
            if isinstance(seen, str) and not seen.startswith(ROUNDED):
                shown.loc[position, derived] = HIDDEN
    out = shown[["Tilbud", "Afgrænsning", *PLAN_PARTS[part]]].copy()
    out.attrs = dict(shown.attrs)
    return out


def without_zero_rows(
    table: pd.DataFrame, label_columns: Sequence[str], unit: str | None = None
) -> tuple[pd.DataFrame, str | None]:
    """A report table (two label columns, then counts) without its rows of zeros (`reporting.drop_zero_rows`),
    and the note that says which rows were left out (None when none were)."""
    kept, zero = drop_zero_rows(table, table.columns[2:], list(label_columns))
    return kept, zero_rows_note(zero, table, *label_columns, unit) or None


def plans_table(
    plans: pd.DataFrame, labels: Mapping[str, str], threshold: int, part: str, protected: ProtectedTables
) -> tuple[pd.DataFrame, str | None]:
    """`plans_display` of one `part` as the report shows it: rows of zeros left out, with the note."""
    return without_zero_rows(
        plans_display(plans, labels, threshold, part, protected), ["Tilbud", "Afgrænsning"]
    )
