"""Leak guard: a stage refuses to keep an output that contains a raw citizen identifier.

Names, initials and CPR numbers must stop at the cleaning stage (GDPR art. 9 data). Tests prove the code does
not leak on the demo, but real data bring surprises (a name typed into a comment, an offer field, a sheet name),
so every stage checks its own outputs against the identifiers of *this run's* raw data before DVC records them.

The identifiers themselves are never written anywhere: the guard keeps keyed fingerprints (HMAC with the
pseudonymisation key, domain-separated from citizen keys) in a cache under build/, and hashes the candidate
words of each output to compare.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from attendance.cleaning.pseudonym import load_key
from attendance.errors import InputError
from attendance.ingest.readers import (
    read_citizen_aliases,
    read_dataset,
    read_offers,
    read_referrals,
    read_registrations,
)

CACHE_DIR = Path("build") / ".leakguard"
DOMAIN = b"attendance-leakguard-v1:"
MAX_NAME_WORDS = 4
# A CPR number: DDMMYY-SSSS or DDMMYYSSSS with a real day and month, not part of a longer number or word.
CPR_PATTERN = re.compile(r"(?<![\w/+=-])(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(\d{2})-?(\d{4})(?![\w/+=-])")
WORD_PATTERN = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
TOKEN_PATTERN = re.compile(r"[\w][\w.-]*", re.UNICODE)
# Base64 payloads (embedded figures) carry no text, and their letters would only produce false alarms.
BASE64_RUN = re.compile(r"[A-Za-z0-9+/=]{120,}")
TEXT_SUFFIXES = {".html", ".htm", ".ipynb", ".json", ".csv", ".txt", ".md", ".yaml", ".yml", ".tsv", ".log"}
TABLE_SUFFIXES = {".parquet"}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text))
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class Fingerprints:
    """Keyed fingerprints of one run's raw identifiers (never the identifiers themselves)."""

    key: bytes
    names: set[str] = field(default_factory=set)  # normalised names/IDs of 1..MAX_NAME_WORDS words
    initials: set[str] = field(default_factory=set)  # case-sensitive tokens such as "AH"

    def digest(self, kind: str, value: str) -> str:
        message = DOMAIN + kind.encode() + b":" + value.encode("utf-8")
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:24]

    def add_name(self, value: object) -> None:
        text = _normalise(value) if value is not None else ""
        words = WORD_PATTERN.findall(text)
        if not words or len(words) > MAX_NAME_WORDS:
            return
        if len(words) == 1 and len(words[0]) < 3:
            return  # one- or two-letter values are initials, handled case-sensitively below
        self.names.add(self.digest("name", " ".join(words)))

    def add_initials(self, value: object) -> None:
        text = str(value).strip() if value is not None else ""
        compact = re.sub(r"[\s.]", "", text)
        if 2 <= len(compact) <= 4 and compact.isalpha() and compact.isupper():
            self.initials.add(self.digest("initials", compact))

    def to_json(self) -> dict:
        return {"names": sorted(self.names), "initials": sorted(self.initials)}


@dataclass
class Leak:
    file: str
    kind: str  # name | initials | cpr
    where: str  # e.g. "column citizen_key" or "line 12"

    def describe(self) -> str:
        return f"{self.file}: a raw citizen {self.kind} ({self.where})"


def collect_fingerprints(raw_dir: Path, key: bytes) -> Fingerprints:
    """Fingerprint every citizen (and staff) identifier in the raw dataset: referral list and registrations."""
    prints = Fingerprints(key=key)
    dataset = read_dataset(raw_dir)
    offers = read_offers(raw_dir)
    referrals = read_referrals(raw_dir, offers, dataset)
    for value in referrals["name"].dropna():
        prints.add_name(value)
        prints.add_initials(value)
    for value in referrals["initials"].dropna():
        prints.add_initials(value)
    registrations = read_registrations(raw_dir, offers, dataset).records
    data_rows = registrations[registrations["kind"].astype(str) == "data"]
    for value in pd.unique(data_rows["citizen"].dropna().astype(str)):
        if CPR_PATTERN.search(value):
            continue  # CPR numbers are caught by pattern, whoever they belong to
        prints.add_name(value)
        prints.add_initials(value)
    for variant, canonical in read_citizen_aliases(raw_dir).items():
        prints.add_name(variant)
        prints.add_name(canonical)
    for offer in offers.values():
        for person in getattr(offer, "staff_and_volunteers", None) or []:
            prints.add_name(person)
    return prints


def raw_data_hash(raw_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(raw_dir).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(raw_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_fingerprints(raw_dir: Path, root: Path) -> Fingerprints:
    """Fingerprints for this raw dataset, cached by its content hash (reading raw data once per change)."""
    key = load_key(raw_dir)
    key_id = hashlib.sha256(DOMAIN + key).hexdigest()[:16]
    cache = root / CACHE_DIR / f"{raw_data_hash(raw_dir)[:32]}-{key_id}.json"
    if cache.is_file():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        return Fingerprints(key=key, names=set(stored["names"]), initials=set(stored["initials"]))
    prints = collect_fingerprints(raw_dir, key)
    cache.parent.mkdir(parents=True, exist_ok=True)
    for old in cache.parent.glob("*.json"):
        old.unlink()
    cache.write_text(json.dumps(prints.to_json()), encoding="utf-8")
    return prints


def project_vocabulary(root: Path) -> set[str]:
    """Words the project's own code, notebooks and templates write: their presence is not a leak.

    Initials like "NB" or an offer name in capitals also occur in what the project itself prints (model names, offer names); a
    token the project wrote cannot have come from raw data, so it is not evidence of a leak.
    """
    words: set[str] = set()
    sources = [
        *(root / "src").rglob("*.py"),
        *(root / "src").rglob("*.j2"),
        *(root / "notebooks").glob("*.ipynb"),
    ]
    for path in sources:
        words.update(TOKEN_PATTERN.findall(path.read_text(encoding="utf-8", errors="replace")))
    return words


def _candidates(text: str) -> Iterable[tuple[str, int]]:
    """Word n-grams (1..MAX_NAME_WORDS) of normalised text with the line they start on."""
    for line_no, line in enumerate(text.splitlines(), start=1):
        words = WORD_PATTERN.findall(_normalise(line))
        for size in range(1, MAX_NAME_WORDS + 1):
            for start in range(len(words) - size + 1):
                gram = words[start : start + size]
                if size == 1 and len(gram[0]) < 3:
                    continue
                yield " ".join(gram), line_no


def scan_text(
    text: str, prints: Fingerprints, vocabulary: set[str], file: str, where: str = "line"
) -> list[Leak]:
    text = BASE64_RUN.sub(" ", text)
    leaks: list[Leak] = []
    for match in CPR_PATTERN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        leaks.append(Leak(file, "CPR number", f"{where} {line}"))
    seen: set[str] = set()
    for gram, line in _candidates(text):
        if gram in seen:
            continue
        seen.add(gram)
        if prints.digest("name", gram) in prints.names and not _project_words(gram, vocabulary):
            leaks.append(Leak(file, "name", f"{where} {line}"))
    for line_no, line in enumerate(text.splitlines(), start=1):
        for token in set(re.findall(r"\b[A-ZÆØÅ]{2,4}\b", line)):
            if token in vocabulary:
                continue
            if prints.digest("initials", token) in prints.initials:
                leaks.append(Leak(file, "initials", f"{where} {line_no}"))
    return leaks


def _project_words(gram: str, vocabulary: set[str]) -> bool:
    """A single word the project itself writes (e.g. a month name equal to a first name) is not a leak."""
    return " " not in gram and (gram in vocabulary or gram.capitalize() in vocabulary)


def scan_file(path: Path, prints: Fingerprints, vocabulary: set[str], root: Path) -> list[Leak]:
    rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    if path.suffix in TABLE_SUFFIXES:
        table = pd.read_parquet(path)
        leaks = []
        for column in table.columns:
            series = table[column]
            if not (series.dtype == object or isinstance(series.dtype, pd.CategoricalDtype | pd.StringDtype)):
                continue
            values = "\n".join(pd.unique(series.dropna().astype(str)))
            leaks += scan_text(
                f"{column}\n{values}", prints, vocabulary, rel, where=f"column {column!r}, value"
            )
        return leaks
    if path.suffix in TEXT_SUFFIXES:
        return scan_text(path.read_text(encoding="utf-8", errors="replace"), prints, vocabulary, rel)
    return []


def files_of(outputs: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for out in outputs:
        if out.is_dir():
            found += sorted(p for p in out.rglob("*") if p.is_file())
        elif out.is_file():
            found.append(out)
    return found


def guard_outputs(outputs: Iterable[Path], raw_dir: Path, root: Path) -> None:
    """Remove every output holding a raw identifier and stop the stage (exit 2), naming file and place only."""
    files = files_of(outputs)
    if not files:
        return
    prints = load_fingerprints(raw_dir, root)
    vocabulary = project_vocabulary(root)
    leaks = [leak for path in files for leak in scan_file(path, prints, vocabulary, root)]
    if not leaks:
        return
    for path in {root / leak.file for leak in leaks}:
        path.unlink(missing_ok=True)
    # Name a data file first: its column says where the identifier came from (e.g. source_sheet).
    leaks.sort(key=lambda leak: leak.file.endswith((".ipynb", ".html")))
    first = leaks[0]
    more = f" and {len(leaks) - 1} more" if len(leaks) > 1 else ""
    raise InputError(
        f"refused to keep output: {first.describe()}{more}; the leaking files were removed",
        fix="find where raw names/CPR numbers reach this output (a sheet or file named after a person, an offer "
        "field, a comment) and remove them at the source or in the cleaning rules",
    )
