"""Header names staff use for each field, so a new sheet is adapted by configuration, not code.

The built-in table covers the names seen in practice; a `columns.yaml` in the dataset folder adds more
(it never removes built-in names). Matching ignores case, spaces and punctuation: `Mødt ind`, `MØDT-IND` and
`mødt ind:` are the same header.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from attendance.errors import InputError

# Registrations (long layout and tick lists). Field order matters when one header could mean two fields.
COLUMN_ALIASES: dict[str, list[str]] = {
    "date": ["Dato", "Date", "Dag"],
    "citizen": ["Navn", "Borger", "Initialer", "ID", "Borger-ID", "Name"],
    "time_in": ["Ind", "Kom", "Mødt", "Mødt ind", "Tid ind", "Fra", "Start"],
    "time_out": ["Ud", "Gik", "Gået", "Tid ud", "Til", "Slut"],
    # one column holding both times as a range (`9.30-14`, `kl 9 - 13`): split into time in and time out
    "time_range": ["Tid", "Tidsrum", "Tidspunkt", "Klokken", "Kl", "Fremmødt kl"],
    "comment": ["Bemærkning", "Kommentar", "Aktivitet", "Note", "Bemærkninger"],
    "offer": ["Tilbud", "Sted"],
}

# The referral list (visitationsliste) has its own table: `Fra`/`Til` there are referral dates, not times.
REFERRAL_ALIASES: dict[str, list[str]] = {
    "offer": ["Tilbud", "Sted"],
    "name": ["Navn", "Borger", "Name", "Borger-ID", "ID"],
    "initials": ["Initialer"],
    "cpr": ["CPR", "CPR-nr", "CPR-nummer", "Personnummer"],
    "referral_start": ["Visiteret fra", "Fra", "Start", "Startdato", "Visitationsdato"],
    "referral_end": ["Visiteret til", "Til", "Slut", "Slutdato"],
    "age_band": ["Aldersgruppe", "Alder", "Age band"],
}

REGISTRATION_FIELDS = tuple(COLUMN_ALIASES)
REFERRAL_FIELDS = tuple(REFERRAL_ALIASES)


_NOT_HEADER_CHAR = re.compile(r"[^0-9a-zæøåäöü]")  # compiled once: called for every distinct cell value


def normalise_header(text: object) -> str:
    """Header text reduced to lower-case letters and digits (Danish letters kept)."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFC", str(text)).casefold()
    return _NOT_HEADER_CHAR.sub("", value)


def _extend(table: dict[str, list[str]], extra: object, source: Path, section: str) -> dict[str, list[str]]:
    merged = {field: list(names) for field, names in table.items()}
    if extra is None:
        return merged
    if not isinstance(extra, dict):
        raise InputError(
            f"section {section!r} must map field names to lists of header names",
            file=str(source),
            fix="write e.g. `time_in: [Ankomst]`",
        )
    for field, names in extra.items():
        if field not in merged:
            raise InputError(
                f"unknown field {field!r} in section {section!r}",
                file=str(source),
                fix=f"use one of {', '.join(merged)}",
            )
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str | int) for n in names):
            raise InputError(
                f"field {field!r} must list header names", file=str(source), fix="write a YAML list of names"
            )
        merged[field].extend(str(n) for n in names)
    return merged


def load_column_aliases(raw_dir: Path | None) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Built-in tables merged with the dataset's optional `columns.yaml`.

    `columns.yaml` lists extra registration header names at the top level (`time_in: [Ankomst]`) and extra
    referral-list names under `referrals:`.
    """
    registrations = {field: list(names) for field, names in COLUMN_ALIASES.items()}
    referrals = {field: list(names) for field, names in REFERRAL_ALIASES.items()}
    if raw_dir is None:
        return registrations, referrals
    path = Path(raw_dir) / "columns.yaml"
    if not path.is_file():
        return registrations, referrals
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(
            f"columns.yaml is not valid YAML ({exc.__class__.__name__})",
            file="columns.yaml",
            fix="check indentation and quoting",
        ) from exc
    if not isinstance(data, dict):
        raise InputError("columns.yaml must be a mapping", file="columns.yaml", fix="write `field: [names]`")
    extra_referrals = data.pop("referrals", None)
    registrations = _extend(registrations, data, Path("columns.yaml"), "registrations")
    referrals = _extend(referrals, extra_referrals, Path("columns.yaml"), "referrals")
    return registrations, referrals


def header_lookup(table: dict[str, list[str]]) -> dict[str, str]:
    """Normalised header name → field (first field wins when a name is listed twice)."""
    lookup: dict[str, str] = {}
    for field, names in table.items():
        for name in names:
            lookup.setdefault(normalise_header(name), field)
    return lookup
