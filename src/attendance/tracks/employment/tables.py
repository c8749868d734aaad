"""Spor 3's report tables and texts in Danish (the notebook only shows them): the criteria funnel, the
sensitivity grids, typical hours, weekday presence, the workshop plans and the key figures.

Why a module of its own: the counts here are what a reader sees of small groups of citizens, so every table
goes through small-cell suppression (`reporting.tables.suppress_small`) and the funnel and both sensitivity
tables are protected together against differencing and recorded for the audit (`protected_tables`). The
numbers themselves come from `compute`.
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
    fmt_dkk,
    fmt_int,
    fmt_mio,
    fmt_mio_change,
    fmt_number,
    fmt_pct,
    fmt_time,
    join_da,
    suppress_small,
    weekday_name,
)
from attendance.reporting.disclosure import HIDDEN, ROUNDED
from attendance.reporting.glossary import quantile_label
from attendance.reporting.summary import employment_points, range_words, zero_rows_note

from .compute import CRITERIA, outside_opening_hours

DEFINITION_LABELS = {"strict": "Stram", "chosen": "Valgt", "loose": "Løs"}
GROUP_LABELS = {"target": "Mulig målgruppe", "other": "Øvrige borgere med fremmøde"}


CRITERION_TEXTS = {
    "days_ok": "hyppigheden (dage pr. uge)",
    "weeks_ok": "stabiliteten (andel af ugerne med fremmøde)",
    "hours_ok": "varigheden (timer pr. dag i værkstedsdagen)",
}


def limiting_criterion(funnel: pd.DataFrame) -> str:
    """The criterion fewest citizens meet on its own, over all offers (`days_ok`, `weeks_ok` or `hours_ok`):
    the one the target group's size depends on most."""
    totals = funnel[CRITERIA].sum()
    return str(totals.idxmin())


def shown_offers(funnel: pd.DataFrame, threshold: int) -> list[str]:
    """Offers whose target group is large enough to describe (≥ threshold citizens); smaller groups are only
    counted ("<5"), never described by weekday, slot or hours."""
    return funnel.loc[funnel["target"] >= int(threshold), "offer_id"].tolist()


def count_text(value, threshold: int) -> str:
    """A count of citizens for running text and key figures, by the one rule (`disclosure.count_text`); a
    marker ("<5", "×") from a suppressed table is passed on as it is, a rounded "≈10" reads "ca. 10"."""
    if isinstance(value, str):
        return f"ca. {value[len(ROUNDED) :]}" if value.startswith(ROUNDED) else value
    return dc.count_text(value, threshold)


def _attended_text(value, threshold: int) -> str:
    """ "52", "<5", or for a hidden count ("×": at least the threshold) "mindst 5" in a sentence."""
    return f"mindst {int(threshold)}" if value == "×" else count_text(value, threshold)


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


def definitions_text(plans: pd.DataFrame) -> str:
    """ "Stram: 3,0 dage pr. uge og 80 % af ugerne; Valgt: …" — what the three definitions mean."""
    rows = plans.drop_duplicates("definition")
    return "; ".join(
        f"{DEFINITION_LABELS[d]}: {fmt_threshold(days)} dage pr. uge og {fmt_pct(share, 0)} af ugerne"
        for d, days, share in zip(
            rows["definition"], rows["min_days_per_week"], rows["min_weeks_active_share"], strict=True
        )
    )


def _shown_plans(plans: pd.DataFrame, definition: str, threshold: int) -> pd.DataFrame:
    """One definition's plans for the offers whose group may be described (0 or ≥ threshold citizens)."""
    rows = plans[plans["definition"] == definition]
    return rows[(rows["citizens"] >= int(threshold)) | (rows["citizens"] == 0)]


def key_figure_items(
    funnel: pd.DataFrame,
    bracket_table: pd.DataFrame,
    plans: pd.DataFrame,
    labels: Mapping[str, str],
    threshold: int,
    shown: pd.DataFrame | None = None,
) -> list[tuple[str, str, str]]:
    """The report's key figures: the target group per offer (with the sensitivity range), and places, staff
    hours and cost of the chosen definition, added over the offers whose group may be described. The cost
    range (strict–loose) is given only when no offer's group is hidden at either end, so a key figure never
    says more than the tables. `shown` is the suppressed funnel (`suppressed_funnel`): the counts of the
    funnel are quoted as the table shows them ("<5", "×")."""
    items = []
    ranges = bracket_table.set_index("offer_id")
    for row in funnel.itertuples(index=False):  # one row per offer
        low, high = ranges.loc[row.offer_id, "lower"], ranges.loc[row.offer_id, "upper"]
        spread = (
            f"{count_text(low, threshold)} ved alle tærskler i følsomhedsanalysen"
            if low == high
            else f"{count_text(low, threshold)}{' til ' if isinstance(high, str) else '–'}{count_text(high, threshold)} "
            "ved andre tærskler"
        )
        seen = shown.loc[row.offer_id] if shown is not None else row._asdict()
        items.append(
            (
                f"Mulig målgruppe, {labels.get(row.offer_id, row.offer_id)}",
                count_text(seen["target"], threshold),
                f"af {_attended_text(seen['attended'], threshold)} med fremmøde · {spread}",
            )
        )
    chosen = plans[plans["definition"] == "chosen"]
    shown = _shown_plans(plans, "chosen", threshold)
    hidden = [labels.get(o, o) for o in chosen.loc[~chosen.index.isin(shown.index), "offer_id"]]
    suffix = f" ({', '.join(hidden)} ikke medregnet: under {int(threshold)} borgere)" if hidden else ""
    per_offer = " · ".join(
        f"{labels.get(o, o)} {fmt_int(p)}" for o, p in zip(shown["offer_id"], shown["places"], strict=True)
    )
    items.append(("Pladser i et værksted", fmt_int(shown["places"].sum()), per_offer + suffix))
    items.append(
        (
            "Personaletimer pr. uge",
            fmt_number(shown["staff_hours_week"].sum(), 0),
            f"{fmt_number(shown['fte'].sum(), 2)} årsværk{suffix}",
        )
    )
    strict, loose = _shown_plans(plans, "strict", threshold), _shown_plans(plans, "loose", threshold)
    n_offers = chosen["offer_id"].nunique()
    if len(strict) == n_offers and len(loose) == n_offers and not hidden:
        note = f"{fmt_int(strict['cost_dkk'].sum())}–{fmt_dkk(loose['cost_dkk'].sum())} ved stram–løs afgrænsning"
    else:
        note = "spændet står i tabellen over lønudgift" + suffix
    items.append(("Lønudgift pr. år (kr.)", fmt_int(shown["cost_dkk"].sum()), note))
    return items


# --------------------------------------------------------------------------------------------------------
# The report's texts (report 13): sentences with numbers, built here so the notebook only shows them
# --------------------------------------------------------------------------------------------------------


def workshop_text(spor3: Mapping) -> str:
    """The workshop day as the report writes it: "09:00–15:00"."""
    return f"{spor3['workshop_day'][0]}–{spor3['workshop_day'][1]}"


def quantile_text(quantile: float) -> str:
    """ "90 %-fraktilen": the glossary's word for the planning quantile, definite form."""
    return quantile_label(quantile) + "en"


def key_points(
    shown: pd.DataFrame,
    bracket_table: pd.DataFrame,
    funnel: pd.DataFrame,
    spor3: Mapping,
    labels: Mapping[str, str],
    threshold: int,
) -> list[str]:
    """The report's "Det vigtigste" (`summary.employment_points`) from the suppressed funnel `shown`, the
    bracket as shown and the true funnel (only for the criterion that limits the group most)."""
    texts = threshold_texts(spor3)
    team = spor3["participants_per_supervisor"]
    return employment_points(
        shown,
        bracket_table,
        list(labels),
        labels,
        threshold,
        thresholds_text=f"{texts['days']}, {texts['weeks']} og {texts['hours']}",
        limiting_text=CRITERION_TEXTS[limiting_criterion(funnel)],
        small_group=2 * int(team),
        team_size=int(team),
    )


def cost_key_figures(
    track: Mapping,
    funnel: pd.DataFrame,
    bracket_table: pd.DataFrame,
    plans: pd.DataFrame,
    labels: Mapping[str, str],
    threshold: int,
    shown: pd.DataFrame,
) -> list[tuple[str, str, str]]:
    """The key figures of report 13: the shared-basis cost of the track first (`decision.track_cost`'s
    totals), then `key_figure_items` without the workshop leaders' wage alone (that is in the tables)."""
    return [
        (
            "Samlet udgift pr. år, hvis tilbuddene bliver § 103-værksteder, mio. kr.",
            fmt_mio(track["total_cost_dkk"], unit=False),
            f"{fmt_mio_change(track['change_dkk'])} i forhold til i dag ({fmt_mio(track['today_cost_dkk'])} på samme "
            "grundlag: vagtplan, husleje og drift) · se Beslutningsgrundlag",
        ),
        *(
            item
            for item in key_figure_items(funnel, bracket_table, plans, labels, threshold, shown)
            if not str(item[0]).startswith("Lønudgift")
        ),
    ]


def criteria_text(spor3: Mapping, period: str) -> str:
    """How the possible target group is delimited: the three thresholds in Danish, as a numbered list."""
    texts = threshold_texts(spor3)
    return (
        f"En borger regnes med i den mulige målgruppe for et tilbud, når alle tre betingelser er opfyldt i "
        f"perioden {period}:\n\n"
        f"1. **Hyppighed:** {texts['days']} i gennemsnit (åbningsdage med fremmøde delt med periodens uger).\n"
        f"2. **Stabilitet:** {texts['weeks']} (uger med mindst ét besøg).\n"
        f"3. **Varighed:** {texts['hours']} ({workshop_text(spor3)}) i gennemsnit over de dage, borgeren kom.\n\n"
        "Kun åbningsdage tæller. Dage, der kun er krydset af uden klokkeslæt, tæller i hyppighed og stabilitet, "
        "ikke i varighed."
    )


def unreferred_text(shown: pd.DataFrame, labels: Mapping[str, str], threshold: int) -> str:
    """Why "med fremmøde" is more than the other reports' active citizens: the unreferred visitors per offer,
    as the suppressed funnel `shown` has them."""
    unreferred = ", ".join(
        f"{count_text(shown.loc[o, 'not_referred'], threshold)} i {labels[o]}" for o in shown.index
    )
    return (
        "«Borgere med fremmøde» omfatter også borgere uden visitation "
        f"({unreferred}); derfor er tallet højere end de aktive i de øvrige rapporter."
    )


def range_text(bracket_table: pd.DataFrame, labels: Mapping[str, str], threshold: int) -> str:
    """The sensitivity grid's span per offer (strictest to loosest cell, as the table shows them)."""
    lines = [
        f"- **{labels[row.offer_id]}:** {range_words(row.lower, row.upper, threshold)} mulige deltagere"
        for row in bracket_table.itertuples(index=False)
    ]
    return "Spændet over tabellen med hyppighed og stabilitet:\n\n" + "\n".join(lines)


def workshop_method_text(spor3: Mapping, staffing: Mapping) -> str:
    """How places, workshop leaders and their wage are computed, with the parameters' values."""
    q_text = quantile_text(float(staffing["occupancy_quantile"]))
    return (
        f"Beregnet ud fra målgruppens fremmøde pr. tidsrum i værkstedsdagen ({workshop_text(spor3)}): **pladser** = det højeste "
        f"{q_text.removesuffix('en')} over ugedage og tidsrum, rundet op; **værkstedsledere** = én pr. "
        f"{fmt_int(spor3['participants_per_supervisor'])} "
        f"deltagere til stede, mindst {fmt_int(staffing['min_staff_on_duty'])}; **løn** = ledernes timer omregnet "
        f"til årsværk à {fmt_int(staffing['fte_hours_per_year'])} timer og {fmt_dkk(staffing['cost_per_fte_dkk'])} "
        "(en antagelse). Til sammenligning vises lønnen ved fast bemanding hele værkstedsdagen."
    )


def outside_hours_text(slots: pd.DataFrame, labels: Mapping[str, str], spor3: Mapping) -> str:
    """What the plan assumes where the workshop day reaches beyond today's opening hours, and its limits."""
    outside = outside_opening_hours(slots)
    parts = [f"{labels[o]} ({fmt_number(h, 1)} timer om ugen)" for o, h in outside.items() if h > 0]
    text = "Et tilbud uden borgere i målgruppen får ingen pladser og ingen ledere. "
    if parts:
        text += (
            f"Værkstedsdagen {workshop_text(spor3)} rækker ud over den nuværende åbningstid i "
            + join_da(parts)
            + "; her er "
            "værkstedet bemandet med det mindste antal ledere. "
        )
    return (
        text
        + "Med faste mødetider kan behovet blive større end her; omvendt vil ikke alle i målgruppen deltage."
    )


def caveats_text(regularity: pd.DataFrame, presence: pd.DataFrame, period: str) -> str:
    """The report's reservations: the short period (weeks, opening days per weekday behind the places), the
    citizens the data cannot see, and what the economy leaves out."""
    weeks = int(regularity["period_weeks"].max()) if len(regularity) else 0
    days = presence.groupby(["offer_id", "weekday"])["days"].first()
    return (
        f"- **Kort periode.** {period} ({fmt_int(weeks)} uger); pladsbehovet pr. ugedag bygger på "
        f"{fmt_int(days.min())}–{fmt_int(days.max())} åbningsdage. En borger, der først blev visiteret midt i "
        "perioden, ser mindre regelmæssig ud, end vedkommende er.\n"
        "- **Borgere uden for tilbuddene tæller ikke med**, fx visiterede, der ikke kommer, og borgere på kanten af "
        "arbejdsmarkedet, som jobcentret kender.\n"
        "- **Økonomien er kun løn til værkstedsledere**; lokaler, materialer, transport, ledelse og deltagernes "
        "aflønning kommer oven i."
    )


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


def no_group_text(threshold: int) -> str:
    """What the report says instead of the weekday and slot figures when no offer's group may be described."""
    return (
        f"Ingen af tilbuddene har en mulig målgruppe på mindst {fmt_int(threshold)} borgere ved de "
        "valgte tærskler, så fordelingen på ugedage og tidsrum vises ikke."
    )


def shared_figures(headline: pd.DataFrame, track: Mapping) -> dict:
    """The figures every report must quote alike (`reporting.shared_figures`): attendance from the demand
    stage's headline and the track's shared-basis cost (`decision.track_cost`)."""
    return {
        "referred": headline["referred"].sum(),
        "active": headline["active"].sum(),
        "visits": headline["visits"].sum(),
        "today_cost_dkk": track["today_cost_dkk"],
        "track.workshop_103.total_cost_dkk": track["total_cost_dkk"],
    }
