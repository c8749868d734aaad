"""The registration sheets of each offer: which files, sheets, headers and defects the demo's raw data have.

Why a module of its own: the demo's two offers each have their own hand-made layout (weekly sheets, a CSV
export, a tick list, initials, offer variants), which sets the defect floor of the tests; any further offer
gets a plain monthly layout.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .defects import (
    _alias_citizen,
    _case_variants,
    _exact_duplicates,
    _Injector,
    _insert_blank,
    _outside_hours,
    _split_overlapping,
    _staff_rows,
    _swap,
)
from .population import ALL_PLANS, FAKE_CPR, MONTHS_DA, TICK_TIMED, TICK_WEEK, TRIP_COMMENT, OfferPlan
from .sheets import Entry, Sheet, _data_entries


def _by_week(visits: pd.DataFrame) -> dict[int, pd.DataFrame]:
    weeks = visits["date"].dt.isocalendar().week
    return {int(w): visits[weeks == w] for w in sorted(weeks.unique())}


def _layout(rng, truth: pd.DataFrame, offers: dict) -> tuple[list[Sheet], list[tuple[str, str]]]:
    """Every registration sheet, with the defects of docs/design.md § 3 placed where cleaning undoes them.

    The demo's two offers each have their own hand-made layout (the defect floor of the tests); any other offer
    gets the plain monthly layout of `_layout_monthly`.
    """
    plans = {p.offer_id: p for p in ALL_PLANS}
    inj = _Injector(rng)
    sheets: list[Sheet] = []
    writers = {"auc": _layout_auc, "no17": _layout_no17}
    for offer_id, offer in offers.items():
        own = truth[truth["offer_id"] == offer_id]
        writer = writers.get(offer_id, _layout_monthly)
        sheets += writer(rng, inj, own, offer, plans[offer_id], truth.attrs.get("referrals"))
    return sheets, inj.aliases


def _layout_auc(
    rng, inj: _Injector, auc: pd.DataFrame, offer: dict, plan: OfferPlan, referrals
) -> list[Sheet]:
    """AUC: weekly sheets with titles and totals, a serial-date sheet, and a cp1252 CSV export with a trip."""
    sheets: list[Sheet] = []
    auc_month = auc["date"].dt.month
    staff_auc = offer["staff_and_volunteers"]
    plans = {"auc": plan}

    # File names are ASCII ("fremmoede"), as staff often write them; `git ls-files` quotes non-ASCII paths.
    # AUC, March: one sheet per week, real Excel dates and times, title and total rows
    long_a = [
        ("date", "Dato"),
        ("citizen", "Navn"),
        ("time_in", "Ind"),
        ("time_out", "Ud"),
        ("comment", "Bemærkning"),
    ]
    march = _data_entries(rng, auc[auc_month == 3])
    _outside_hours(inj, march, plans["auc"], n_early=2, n_late=1)
    _split_overlapping(inj, march, 2)
    _alias_citizen(inj, march, exclude=set())
    _case_variants(inj, march, 3)
    _staff_rows(rng, march, staff_auc[:2], 3, plans["auc"])
    for week in sorted({e.day.isocalendar()[1] for e in march}):
        rows = [e for e in march if e.day.isocalendar()[1] == week]
        sheet = Sheet(
            "AUC fremmoede marts 2026.xlsx",
            f"Uge {week}",
            long_a,
            {"excel_date": 0.85, "dmy_dash": 0.1, "dot": 0.05},
            {"excel_time": 0.7, "dot": 0.15, "fraction": 0.15},
        )
        n_visits = sum(
            1 for e in rows if e.kind == "data" and not any(k == "staff_or_volunteer" for k, _ in e.defects)
        )
        sheet.entries = [
            Entry(
                "title",
                text=f"AUC Grenaa - fremmøde uge {week}",
                defects=[("title_row", "title above header")],
            ),
            Entry("blank", defects=[("blank_row", "empty row under the title")]),
            Entry("header"),
            *rows,
            Entry("blank", defects=[("blank_row", "empty row before the total")]),
            Entry("total", text="I alt", comment=f"{n_visits} besøg", defects=[("total_row", "I alt")]),
        ]
        sheets.append(sheet)

    # AUC, April: one sheet, serial numbers and typed dates, compact times; duplicates, a CPR, a missing time-out
    april = _data_entries(rng, auc[auc_month == 4])
    counts = pd.Series([(e.day, e.citizen) for e in april]).value_counts()
    missing = [e for e in april if e.time_in == 870 and e.time_out == 900 and counts[(e.day, e.citizen)] == 2]
    missing[0].time_out = None
    missing[0].defects.append(
        ("missing_time_out", "late return without time out; any imputation ends at 15:00")
    )
    inj.used.add(id(missing[0]))
    _exact_duplicates(inj, april, 2)
    cpr_pos = int(rng.integers(5, len(april) - 5))
    april.insert(
        cpr_pos,
        Entry(
            "data",
            day=april[cpr_pos].day,
            citizen=FAKE_CPR,
            time_in=600,
            time_out=720,
            defects=[("cpr_in_citizen", "CPR number typed into the name field")],
        ),
    )
    _case_variants(inj, april, 2)
    _insert_blank(rng, april, 2)
    sheets.append(
        Sheet(
            "AUC fremmoede april 2026.xlsx",
            "April",
            [
                ("date", "Dag"),
                ("citizen", "Borger"),
                ("time_in", "Kom"),
                ("time_out", "Gik"),
                ("comment", "Kommentar"),
            ],
            {"serial": 0.35, "slash_yy": 0.2, "dmy_dash_short": 0.15, "long_da": 0.15, "wd_short": 0.15},
            {"compact": 0.25, "compact0": 0.15, "colon_short": 0.2, "kl": 0.2, "bare": 0.1, "colon": 0.1},
            [
                Entry(
                    "title", text="Fremmøde A.U.C. april 2026", defects=[("title_row", "title above header")]
                ),
                Entry("header"),
                *april,
            ],
        )
    )

    # AUC, May: a cp1252 CSV export with a Tilbud column, decimal comma, swapped times and the Saturday trip
    may = _data_entries(rng, auc[auc_month == 5])
    _swap(inj, may, 2)
    _case_variants(inj, may, 1)
    aliases = ["AUC", "AUC", "AUC", "auc grenaa", "A.U.C."]
    for e in may:
        e.offer = aliases[int(rng.integers(len(aliases)))]
        if e.comment == TRIP_COMMENT:
            e.defects.append(("closed_day", "trip on a Saturday"))
    for e in may:
        if e.offer != "AUC":
            e.defects.append(("offer_variant", f"offer written {e.offer!r}"))
            break
    sheets.append(
        Sheet(
            "AUC fremmoede maj 2026.csv",
            None,
            [
                ("offer", "Tilbud"),
                ("date", "Dato"),
                ("citizen", "Navn"),
                ("time_in", "Mødt ind"),
                ("time_out", "Tid ud"),
                ("hours", "Timer"),
                ("comment", "Bemærkning"),
            ],
            {"dot": 0.5, "iso": 0.2, "dmy_dash": 0.3},
            {"dot": 0.6, "colon": 0.4},
            [Entry("header"), *may],
        )
    )

    return sheets


def _layout_no17(
    rng, inj: _Injector, no17: pd.DataFrame, offer: dict, plan: OfferPlan, referrals
) -> list[Sheet]:
    """No. 17: a long sheet plus a tick list, weekly sheets with initials, and a sheet with offer variants."""
    sheets: list[Sheet] = []
    no17_month = no17["date"].dt.month
    staff_no17 = offer["staff_and_volunteers"]
    plans = {"no17": plan}

    # No. 17, March: a long sheet and week 12 as a tick list
    no17_march = no17[no17_month == 3]
    in_tick_week = no17_march["date"].dt.date.isin(TICK_WEEK)
    timed_tick = no17_march[in_tick_week & (no17_march["granularity"] == "timed")]
    ranged = timed_tick[
        (timed_tick["date"].dt.date == TICK_WEEK[2])
        & (timed_tick["start"].dt.hour * 60 + timed_tick["start"].dt.minute == TICK_TIMED[0])
        & (timed_tick["end"].dt.hour * 60 + timed_tick["end"].dt.minute == TICK_TIMED[1])
    ].iloc[:1]
    long_march = no17_march[(no17_march["granularity"] == "timed") & ~no17_march.index.isin(ranged.index)]
    nm = _data_entries(rng, long_march)
    _swap(inj, nm, 1)
    _outside_hours(inj, nm, plans["no17"], n_early=1, n_late=0)
    sheets.append(
        Sheet(
            "No 17 fremmoede marts 2026.xlsx",
            "Marts",
            [
                ("date", "Dato"),
                ("citizen", "Navn"),
                ("time_in", "Tid ind"),
                ("time_out", "Tid ud"),
                ("comment", "Note"),
            ],
            {"excel_date": 0.7, "slash_yy": 0.3},
            {"excel_time": 0.6, "dot": 0.2, "kl": 0.2},
            [
                Entry(
                    "title",
                    text="Fremmøde No 17 - marts 2026",
                    defects=[("title_row", "title above header"), ("offer_variant", "No 17 in title")],
                ),
                Entry("header"),
                *nm,
            ],
        )
    )
    sheets.append(_tick_sheet(rng, no17_march[in_tick_week], ranged))

    # No. 17, April: nr17_2026-04.xlsx, one sheet per week, no title (offer from the file name); week 16 initials
    initials = _referral_initials(referrals, "no17")
    for week, visits in _by_week(no17[no17_month == 4]).items():
        rows = _data_entries(rng, visits)
        label = "Navn"
        if week == 16:
            label = "Initialer"
            for e in rows:
                if e.citizen in initials:
                    e.citizen = initials[e.citizen]
                    if not any(k == "initials" for r in rows for k, _ in r.defects):
                        e.defects.append(("initials", "initials instead of name"))
        if week == 15:
            _split_overlapping(inj, rows, 1)
        sheets.append(
            Sheet(
                "nr17_2026-04.xlsx",
                f"Uge {week}",
                [("date", "Dato"), ("citizen", label), ("time_in", "Fra"), ("time_out", "Til")],
                {"dmy_dash": 0.6, "excel_date": 0.4},
                {"colon": 0.6, "dot": 0.4},
                [Entry("header", defects=[("offer_variant", "offer only in the file name nr17_…")]), *rows],
            )
        )

    # No. 17, May: a Tilbud column with spelling variants, repeated header, blank rows, total, a volunteer
    nmay = _data_entries(rng, no17[no17_month == 5])
    variants = ["Nr. 17", "No 17", "no17", "No. 17"]
    for i, e in enumerate(nmay):
        e.offer = variants[i % len(variants)] if rng.random() < 0.5 else "No. 17"
    nmay[0].offer = "Nr. 17"
    nmay[0].defects.append(("offer_variant", "offer written 'Nr. 17'"))
    _exact_duplicates(inj, nmay, 1)
    _case_variants(inj, nmay, 2)
    _alias_citizen(inj, nmay, exclude={v for _, v in inj.aliases})
    _staff_rows(rng, nmay, staff_no17[1:], 1, plans["no17"], comment="frivillig")
    for e in nmay:
        if e.kind == "data" and any(k == "staff_or_volunteer" for k, _ in e.defects):
            e.offer = "No. 17"
    mid = next(i for i, e in enumerate(nmay) if e.day >= dt.date(2026, 5, 15))
    nmay.insert(mid, Entry("header", defects=[("header_row", "header repeated mid-sheet")]))
    nmay.insert(mid, Entry("blank", defects=[("blank_row", "empty row")]))
    _insert_blank(rng, nmay, 1)
    n_visits = sum(1 for e in nmay if e.kind == "data")
    sheets.append(
        Sheet(
            "No. 17 maj 2026.xlsx",
            "Maj",
            [
                ("offer", "Tilbud"),
                ("date", "Dato"),
                ("citizen", "Navn"),
                ("time_in", "Ind"),
                ("time_out", "Ud"),
                ("comment", "Bemærkninger"),
            ],
            {"long_da": 0.3, "dmy_dash": 0.4, "excel_date": 0.3},
            {"dot": 0.5, "colon": 0.3, "kl": 0.2},
            [
                Entry("header"),
                *nmay,
                Entry("blank", defects=[("blank_row", "empty row")]),
                Entry(
                    "total",
                    text="I alt",
                    comment=f"{n_visits} registreringer",
                    defects=[("total_row", "I alt")],
                ),
            ],
        )
    )
    return sheets


def _layout_monthly(
    rng, inj: _Injector, own: pd.DataFrame, offer: dict, plan: OfferPlan, referrals
) -> list[Sheet]:
    """Any further offer: one workbook per month named after the offer, a title row and a few common defects.

    The offer is read from the title row (its name is an alias); the defects are ones every sheet may have:
    an exact duplicate, swapped times, stray case, a staff row and blank rows.
    """
    sheets: list[Sheet] = []
    months = own["date"].dt.month
    header = [
        ("date", "Dato"),
        ("citizen", "Navn"),
        ("time_in", "Ind"),
        ("time_out", "Ud"),
        ("comment", "Note"),
    ]
    for month in sorted(set(months[~own["on_closed_day"]])):
        rows = _data_entries(rng, own[months == month])
        _exact_duplicates(inj, rows, 1)
        _swap(inj, rows, 1)
        _case_variants(inj, rows, 1)
        _staff_rows(rng, rows, offer["staff_and_volunteers"], 1, plan)
        _insert_blank(rng, rows, 1)
        month_name = MONTHS_DA[month - 1]
        sheets.append(
            Sheet(
                f"{offer['name']} fremmoede {month_name} 2026.xlsx",
                month_name.capitalize(),
                header,
                {"excel_date": 0.6, "dmy_dash": 0.4},
                {"excel_time": 0.5, "dot": 0.3, "colon": 0.2},
                [
                    Entry(
                        "title",
                        text=f"Fremmøde {offer['name']} {month_name} 2026",
                        defects=[("title_row", "title above header")],
                    ),
                    Entry("header"),
                    *rows,
                ],
            )
        )
    return sheets


def _referral_initials(referrals: pd.DataFrame, offer_id: str) -> dict[str, str]:
    own = referrals[referrals["offer_id"] == offer_id]
    return dict(zip(own["citizen"], own["initials"], strict=True))


def _tick_sheet(rng, week_visits: pd.DataFrame, ranged: pd.DataFrame) -> Sheet:
    """Week 12 at No. 17 as a tick list: X for every citizen present, one `10-14`; some were only ticked."""
    names = sorted(week_visits["citizen"].unique())
    ranged_key = (ranged["date"].iloc[0].date(), ranged["citizen"].iloc[0])
    marks = ["X", "X", "X", "x", "1"]
    entries = [
        Entry(
            "tick_header",
            cells=["Navn", *[dt.datetime(d.year, d.month, d.day) for d in TICK_WEEK]],
            defects=[("tick_list", "week 12 as a tick list")],
        )
    ]
    present = {
        (d.date(), c): g
        for d, c, g in week_visits[["date", "citizen", "granularity"]].itertuples(index=False)
    }
    for name in names:
        cells: list[Any] = [name]
        defects = []
        for day in TICK_WEEK:
            if (day, name) == ranged_key:
                cells.append(f"{TICK_TIMED[0] // 60}-{TICK_TIMED[1] // 60}")
                defects.append(("tick_list", "time range 10-14 in a tick list"))
            elif (day, name) in present:
                cells.append(marks[int(rng.integers(len(marks)))])
                if present[(day, name)] == "day":
                    defects.append(("tick_list", "day-level X only"))
            else:
                cells.append(None)
        entries.append(Entry("tick", cells=cells, defects=defects))
    return Sheet("No 17 fremmoede marts 2026.xlsx", "No17 uge 12", [], {}, {}, entries)
