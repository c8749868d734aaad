"""Raw files → raw rows with provenance (file, sheet, 1-based row), nothing interpreted yet.

Staff sheets differ in layout, header names, encodings and where the offer's name is written; the reading
finds all of that and hands `cleaning` one table of records (one per spreadsheet row, or one per marked cell
of a tick list) whose cell values are kept as text. Anything that cannot be read at all stops with an
`InputError` naming the file, sheet, row or column and the fix.

This module is the one place other code imports the reading from; the work is done in the sibling modules:
`offers` (dataset.yaml, offers.yaml), `registrations` (the files under registrations/, sheet by sheet),
`csv_files` and `workbooks` (opening each format), `grids` (a sheet as a text grid), `sheet_layout` (header
row, long list or tick list, the sheet's offer), `sheet_records` (a sheet → records) and `citizen_lists`
(the referral list, citizen_aliases.csv).
"""

from __future__ import annotations

from .citizen_lists import read_citizen_aliases, read_referrals
from .columns import REGISTRATION_FIELDS
from .csv_files import detect_encoding, sniff_delimiter
from .offers import Dataset, Offer, OfferMatcher, read_dataset, read_offers
from .registrations import RawRegistrations, SheetInfo, Skipped, read_registrations
from .sheet_layout import TEMPLATE_LIST_HEADER, TOTAL_WORDS
from .sheet_records import _RANGE_RE2, _TICK_RANGE, ABSENCE_MARKS, RAW_VALUE_FIELDS

__all__ = [
    "ABSENCE_MARKS",
    "RAW_VALUE_FIELDS",
    "REGISTRATION_FIELDS",
    "TEMPLATE_LIST_HEADER",
    "TOTAL_WORDS",
    "_RANGE_RE2",
    "_TICK_RANGE",
    "Dataset",
    "Offer",
    "OfferMatcher",
    "RawRegistrations",
    "SheetInfo",
    "Skipped",
    "detect_encoding",
    "read_citizen_aliases",
    "read_dataset",
    "read_offers",
    "read_referrals",
    "read_registrations",
    "sniff_delimiter",
]
