"""The staff-style messiness injected into sheets: duplicates, swapped times, stray case, aliases, staff rows.

Why a module of its own: each defect kind of docs/design.md § 3 is placed on visits that no other defect uses
(`_Injector`), so that the cleaning rules in docs/raw_format.md resolve every one of them back to the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .population import STEP, OfferPlan
from .sheets import Entry


def _case_spacing(rng: np.random.Generator, name: str) -> str:
    """The same name with stray case and spacing, as typed in a hurry."""
    parts = name.split()
    style = int(rng.integers(3))
    if style == 0:
        return "  " + "  ".join(p.lower() for p in parts[:-1]) + "  " + parts[-1].upper()
    if style == 1:
        return name.lower() + " "
    return " " + "   ".join(parts).upper()


def _alias_variant(name: str) -> str:
    return name[:-3] + "ssen"


class _Injector:
    """Picks visits for each defect without using one visit twice, and records the aliases it creates."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[int] = set()
        self.aliases: list[tuple[str, str]] = []

    def pick(self, entries: list[Entry], n: int, where=lambda e: True) -> list[Entry]:
        pool = [
            e for e in entries if e.kind == "data" and id(e) not in self.used and not e.defects and where(e)
        ]
        if len(pool) < n:
            raise RuntimeError("not enough visits to place a defect")  # pragma: no cover - fixed demo sizes
        chosen = [pool[i] for i in sorted(self.rng.choice(len(pool), size=n, replace=False))]
        self.used.update(id(e) for e in chosen)
        return chosen


def _split_overlapping(inj: _Injector, entries: list[Entry], n: int) -> None:
    """One visit written as two overlapping rows (staff wrote the citizen in again after lunch)."""
    for e in inj.pick(entries, n, lambda e: e.time_out - e.time_in >= 120):
        mid = (e.time_in + e.time_out) // 2 // STEP * STEP
        second = Entry(
            "data",
            day=e.day,
            citizen=e.citizen,
            time_in=mid - 15,
            time_out=e.time_out,
            defects=[("overlapping_duplicate", "second half of a split visit, overlaps 30 min")],
        )
        e.time_out = mid + 15
        e.defects.append(("overlapping_duplicate", "first half of a split visit"))
        entries.insert(entries.index(e) + 1, second)


def _exact_duplicates(inj: _Injector, entries: list[Entry], n: int) -> None:
    for e in inj.pick(entries, n):
        copy = Entry(
            "data",
            day=e.day,
            citizen=e.citizen,
            time_in=e.time_in,
            time_out=e.time_out,
            comment=e.comment,
            offer=e.offer,
            defects=[("exact_duplicate", "row typed twice")],
        )
        e.defects.append(("exact_duplicate", "original of a row typed twice"))
        entries.insert(entries.index(e) + 1, copy)


def _swap(inj: _Injector, entries: list[Entry], n: int) -> None:
    for e in inj.pick(entries, n, lambda e: e.time_out is not None):
        e.time_in, e.time_out = e.time_out, e.time_in
        e.defects.append(("time_out_before_time_in", "time in and out swapped"))


def _case_variants(inj: _Injector, entries: list[Entry], n: int) -> None:
    for e in inj.pick(entries, n):
        e.citizen = _case_spacing(inj.rng, e.citizen)
        e.defects.append(("name_case_spacing", "stray case and spacing in the name"))


def _alias_citizen(inj: _Injector, entries: list[Entry], exclude: set[str]) -> None:
    """A citizen whose name is spelled differently in some rows; the variant goes into citizen_aliases.csv."""
    counts = pd.Series([e.citizen for e in entries if e.kind == "data"]).value_counts()
    names = sorted(n for n, c in counts.items() if c >= 4 and n.endswith("sen") and n not in exclude)
    name = names[int(inj.rng.integers(len(names)))]
    variant = _alias_variant(name)
    inj.aliases.append((variant, name))
    rows = [e for e in entries if e.kind == "data" and e.citizen == name and not e.defects]
    for e in rows[1::2]:
        e.citizen = variant
        e.defects.append(("name_alias", "spelling variant listed in citizen_aliases.csv"))
        inj.used.add(id(e))


def _outside_hours(inj: _Injector, entries: list[Entry], plan: OfferPlan, n_early: int, n_late: int) -> None:
    """Arrivals typed before opening (8.45) and departures after closing; the truth holds the clipped times."""
    for e in inj.pick(entries, n_early, lambda e: e.time_in == plan.hours[e.day.weekday()][0]):
        e.time_in -= 15
        e.time_format = "dot"
        e.defects.append(
            ("outside_opening_hours", f"time in {e.time_in // 60}.{e.time_in % 60:02d} before opening")
        )
    for e in inj.pick(entries, n_late, lambda e: e.time_out == plan.hours[e.day.weekday()][1]):
        e.time_out += 20
        e.time_format = "dot"
        e.defects.append(("outside_opening_hours", "time out after closing"))


def _staff_rows(
    rng, entries: list[Entry], names: list[str], n: int, plan: OfferPlan, comment: str = ""
) -> None:
    data = [i for i, e in enumerate(entries) if e.kind == "data"]
    for k, pos in enumerate(sorted(rng.choice(data, size=n, replace=False), reverse=True)):
        day = entries[pos].day
        open_, close = plan.hours[day.weekday()]
        entries.insert(
            pos,
            Entry(
                "data",
                day=day,
                citizen=names[k % len(names)],
                time_in=open_ - 30,
                time_out=close + 30,
                comment=comment,
                defects=[("staff_or_volunteer", "staff or volunteer registered")],
            ),
        )


def _insert_blank(rng, entries: list[Entry], n: int) -> None:
    for pos in sorted(rng.choice(np.arange(1, len(entries)), size=n, replace=False), reverse=True):
        entries.insert(int(pos), Entry("blank", defects=[("blank_row", "empty row")]))
