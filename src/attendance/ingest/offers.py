"""dataset.yaml and offers.yaml → `Dataset` (name, period) and one `Offer` per offer (names, opening hours,
closed dates, roster, budget), every mistake stopped with a fix; and `OfferMatcher`, which finds an offer's
name or alias in a Tilbud cell, a title row, a sheet name or a file name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from attendance.errors import InputError
from attendance.settings.yamlio import load_yaml_file

from .columns import normalise_header
from .parsing import parse_date, parse_time

WEEKDAYS = {
    "mandag": 0, "man": 0, "monday": 0, "tirsdag": 1, "tir": 1, "tuesday": 1, "onsdag": 2, "ons": 2,
    "wednesday": 2, "torsdag": 3, "tor": 3, "thursday": 3, "fredag": 4, "fre": 4, "friday": 4,
    "lørdag": 5, "lør": 5, "saturday": 5, "søndag": 6, "søn": 6, "sunday": 6,
}  # fmt: skip


@dataclass
class Offer:
    offer_id: str
    name: str
    aliases: list[str]
    town: str | None
    approved_places: int | None
    opening_hours: dict[int, list[tuple[str, str]]]
    closed_dates: list[dt.date]
    roster: list[dict[str, Any]]
    fte: float | None
    annual_budget_dkk: float | None
    staff_and_volunteers: list[str]
    assumptions_note: str | None
    premises_dkk_per_year: float | None = (
        None  # rent etc.; optional (the economy model costs a missing one as 0)
    )
    running_costs_dkk_per_year: float | None = None  # activities, materials, transport; optional

    def public_dict(self) -> dict[str, Any]:
        """What goes to offers.json: everything but the staff names (personal data too)."""
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "town": self.town,
            "approved_places": self.approved_places,
            "opening_hours": {
                str(day): [list(pair) for pair in self.opening_hours.get(day, [])] for day in range(7)
            },
            "closed_dates": [d.isoformat() for d in self.closed_dates],
            "roster": self.roster,
            "fte": self.fte,
            "annual_budget_dkk": self.annual_budget_dkk,
            "premises_dkk_per_year": self.premises_dkk_per_year,
            "running_costs_dkk_per_year": self.running_costs_dkk_per_year,
            "assumptions_note": self.assumptions_note,
        }


@dataclass
class Dataset:
    name: str
    synthetic: bool
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    description: str | None

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.period_start.year, self.period_end.year + 1))


def _load_yaml(path: Path, what: str) -> Any:
    try:
        return load_yaml_file(path)
    except FileNotFoundError as exc:
        raise InputError(
            f"{what} not found", file=path.name, fix=f"add {path.name} to the dataset folder"
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"{what} is not valid YAML ({exc.__class__.__name__})",
            file=path.name,
            row=mark.line + 1 if mark else None,
            fix="check indentation, colons and quoting (save as UTF-8)",
        ) from exc


def _as_timestamp(value: Any, file: str, column: str) -> pd.Timestamp:
    parsed = parse_date(value)
    if parsed is None:
        raise InputError(f"{column} is not a date", file=file, column=column, fix="write it as YYYY-MM-DD")
    return parsed


def read_dataset(raw_dir: Path) -> Dataset:
    data = _load_yaml(Path(raw_dir) / "dataset.yaml", "dataset.yaml")
    if not isinstance(data, dict):
        raise InputError("dataset.yaml must be a mapping", file="dataset.yaml", fix="see docs/raw_format.md")
    for key in ("period_start", "period_end"):
        if data.get(key) is None:
            raise InputError(
                f"dataset.yaml has no {key}",
                file="dataset.yaml",
                fix=f"add `{key}: YYYY-MM-DD` (see docs/raw_format.md)",
            )
    start = _as_timestamp(data["period_start"], "dataset.yaml", "period_start")
    end = _as_timestamp(data["period_end"], "dataset.yaml", "period_end")
    if end < start:
        raise InputError("period_end is before period_start", file="dataset.yaml", fix="swap the two dates")
    return Dataset(
        name=str(data.get("name") or Path(raw_dir).name),
        synthetic=data.get("synthetic") is True,
        period_start=start,
        period_end=end,
        description=data.get("description"),
    )


def _weekday(value: Any, file: str, where: str) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    key = str(value).strip().casefold().rstrip(".")
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    if key in WEEKDAYS:
        return WEEKDAYS[key]
    raise InputError(
        f"unknown weekday {value!r} in {where}", file=file, fix="use mandag..søndag or 0..6 (0 = mandag)"
    )


def _hhmm(value: Any, file: str, where: str) -> str:
    parsed = parse_time(value)
    if parsed is None:
        raise InputError(f"{value!r} in {where} is not a time", file=file, fix='write times as "09:00"')
    return f"{parsed.hour:02d}:{parsed.minute:02d}"


def _opening_hours(spec: Any, file: str, offer_id: str) -> dict[int, list[tuple[str, str]]]:
    where = f"{offer_id}.opening_hours"
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise InputError(
            f"{where} must map weekdays to [[open, close]]", file=file, fix="see docs/raw_format.md"
        )
    hours: dict[int, list[tuple[str, str]]] = {}
    for day, intervals in spec.items():
        weekday = _weekday(day, file, where)
        if intervals in (None, []):
            continue
        if isinstance(intervals, list) and len(intervals) == 2 and not isinstance(intervals[0], list):
            intervals = [intervals]
        pairs = []
        for pair in intervals:
            if not isinstance(pair, list) or len(pair) != 2:
                raise InputError(
                    f"{where}.{day} must be a list of [open, close]",
                    file=file,
                    fix='write [["09:00", "15:00"]]',
                )
            start, end = _hhmm(pair[0], file, f"{where}.{day}"), _hhmm(pair[1], file, f"{where}.{day}")
            if end <= start:
                raise InputError(
                    f"{where}.{day}: closing {end} is not after opening {start}",
                    file=file,
                    fix="correct the hours",
                )
            pairs.append((start, end))
        hours[weekday] = sorted(hours.get(weekday, []) + pairs)
    return dict(sorted(hours.items()))


def read_offers(raw_dir: Path) -> dict[str, Offer]:
    """offers.yaml → Offer per offer_id (weekdays as 0..6, times as HH:MM)."""
    file = "offers.yaml"
    data = _load_yaml(Path(raw_dir) / file, file)
    if not isinstance(data, dict) or not isinstance(data.get("offers"), dict) or not data["offers"]:
        raise InputError(
            "offers.yaml must have an `offers:` mapping with at least one offer",
            file=file,
            fix="see docs/raw_format.md",
        )
    offers: dict[str, Offer] = {}
    for offer_id, spec in data["offers"].items():
        offer_id = str(offer_id)
        if not isinstance(spec, dict):
            raise InputError(f"offer {offer_id!r} must be a mapping", file=file, fix="see docs/raw_format.md")
        roster = []
        for entry in spec.get("roster") or []:
            if not isinstance(entry, dict) or not {"weekday", "start", "end", "staff"} <= set(entry):
                raise InputError(
                    f"{offer_id}.roster entries need weekday, start, end, staff",
                    file=file,
                    fix="see docs/raw_format.md",
                )
            roster.append(
                {
                    "weekday": _weekday(entry["weekday"], file, f"{offer_id}.roster"),
                    "start": _hhmm(entry["start"], file, f"{offer_id}.roster"),
                    "end": _hhmm(entry["end"], file, f"{offer_id}.roster"),
                    "staff": entry["staff"],
                }
            )
        closed = []
        for value in spec.get("closed_dates") or []:
            parsed = parse_date(value)
            if parsed is None:
                raise InputError(
                    f"{offer_id}.closed_dates: {value!r} is not a date", file=file, fix="write YYYY-MM-DD"
                )
            closed.append(parsed.date())
        aliases = spec.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        staff = spec.get("staff_and_volunteers") or []
        if isinstance(staff, str):
            staff = [staff]
        offers[offer_id] = Offer(
            offer_id=offer_id,
            name=str(spec.get("name") or offer_id),
            aliases=[str(a) for a in aliases],
            town=spec.get("town"),
            approved_places=spec.get("approved_places"),
            opening_hours=_opening_hours(spec.get("opening_hours"), file, offer_id),
            closed_dates=sorted(set(closed)),
            roster=roster,
            fte=spec.get("fte"),
            annual_budget_dkk=spec.get("annual_budget_dkk"),
            staff_and_volunteers=[str(s) for s in staff],
            assumptions_note=spec.get("assumptions_note"),
            premises_dkk_per_year=_optional_amount(spec, "premises_dkk_per_year", file, offer_id),
            running_costs_dkk_per_year=_optional_amount(spec, "running_costs_dkk_per_year", file, offer_id),
        )
    return offers


def _optional_amount(spec: dict, key: str, file: str, offer_id: str) -> float | None:
    """An optional amount in kroner per year (premises, running costs): a number ≥ 0, or absent."""
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InputError(
            f"{offer_id}.{key} = {value!r} is not an amount in kroner",
            file=file,
            fix=f"write {key} as a number without thousands separators, e.g. 250000, or leave it out",
        )
    return float(value)


class OfferMatcher:
    """Offer names and aliases, matched case/space/punctuation-insensitively."""

    def __init__(self, offers: dict[str, Offer]) -> None:
        self.exact: dict[str, str] = {}
        for offer_id, offer in offers.items():
            for name in (offer_id, offer.name, *offer.aliases):
                key = normalise_header(name)
                if key:
                    self.exact.setdefault(key, offer_id)
        # longest first, so a long alias (`nordhuset`) wins over a short one (`nord`)
        self.by_length = sorted(self.exact.items(), key=lambda item: (-len(item[0]), item[0]))

    def match(self, text: Any) -> str | None:
        return self.exact.get(normalise_header(text))

    def find_all(self, text: Any) -> set[str]:
        """Every offer with an alias in `text`; an alias inside a longer found alias does not count
        (`nord` inside `nordhuset`)."""
        haystack = normalise_header(text)
        found = [alias for alias, _ in self.by_length if len(alias) >= 2 and alias in haystack]
        kept = [a for a in found if not any(a != b and a in b for b in found)]
        return {self.exact[a] for a in kept}

    def find_in(self, text: Any) -> str | None:
        """The offer whose longest alias occurs in `text` (title rows, sheet and file names)."""
        haystack = normalise_header(text)
        if not haystack:
            return None
        for alias, offer_id in self.by_length:
            if len(alias) >= 2 and alias in haystack:
                return offer_id
        return None
