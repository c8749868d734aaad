"""Keyed pseudonyms for citizens: names never leave the cleaning stage, only `citizen_key` does.

HMAC-SHA256 with a secret key (not a plain hash): without the key nobody can test a guessed name against the
processed data. The same normalised identifier gives the same key in registrations and the referral list, so
visits and referrals join without names.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import yaml

from attendance.errors import InputError
from attendance.ingest.parsing import normalise_identifier  # re-used here: the key is of the normalised form
from attendance.settings.config import project_root

KEY_ENV = "ATTENDANCE_PSEUDONYM_KEY"
SECRET_FILE = Path(".secrets") / "pseudonym.key"
DEMO_KEY_FILE = "demo_pseudonym.key"
MIN_KEY_LENGTH = 16
KEY_HEX_CHARS = 16

_HOW_TO_SET = (
    f"set the environment variable {KEY_ENV} or write a long random secret to {SECRET_FILE} in the project "
    'folder (e.g. `python -c "import secrets; print(secrets.token_hex(32))" > .secrets/pseudonym.key`); '
    "never commit it"
)


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise InputError(f"cannot read the {what} ({exc.strerror})", file=str(path), fix=_HOW_TO_SET) from exc
    if len(key) < MIN_KEY_LENGTH:
        raise InputError(
            f"the {what} is shorter than {MIN_KEY_LENGTH} characters", file=str(path), fix=_HOW_TO_SET
        )
    return key


def _project_secret() -> Path | None:
    try:
        root = project_root()
    except InputError:
        return None
    path = root / SECRET_FILE
    return path if path.is_file() else None


def _is_synthetic(raw_dir: Path) -> bool:
    path = raw_dir / "dataset.yaml"
    if not path.is_file():
        return False
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and data.get("synthetic") is True


def load_key(raw_dir: Path) -> bytes:
    """The pseudonymisation key: env var, else `.secrets/pseudonym.key`, else a synthetic dataset's demo key."""
    raw_dir = Path(raw_dir)
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        if len(env) < MIN_KEY_LENGTH:
            raise InputError(f"{KEY_ENV} is shorter than {MIN_KEY_LENGTH} characters", fix=_HOW_TO_SET)
        return env.encode("utf-8")
    secret = _project_secret()
    if secret is not None:
        return _read_key_file(secret, "pseudonymisation key")
    demo = raw_dir / DEMO_KEY_FILE
    if _is_synthetic(raw_dir) and demo.is_file():
        return _read_key_file(demo, "demo pseudonymisation key")
    raise InputError(
        "no pseudonymisation key (real data need a secret key; only datasets with `synthetic: true` may use "
        "their demo key)",
        file=str(raw_dir),
        fix=_HOW_TO_SET,
    )


def citizen_key(identifier: object, key: bytes) -> str:
    """16 hex characters of HMAC-SHA256(key, normalised identifier)."""
    message = normalise_identifier(identifier).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]


class Pseudonymiser:
    """`citizen_key` with a cache, so each distinct identifier is hashed once per run."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self._cache: dict[str, str] = {}
        # the standard library's HMAC keyed once and copied per identifier (its two SHA-256 states after the
        # padded key): the same digest as hmac.new, a third less time for half a million names
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def __call__(self, identifier: object) -> str:
        return self.of_normalised(normalise_identifier(identifier))

    def of_normalised(self, normalised: str) -> str:
        """The key of an identifier that is already normalised (skips normalising again)."""
        found = self._cache.get(normalised)
        if found is None:
            digest = self._keyed.copy()
            digest.update(normalised.encode("utf-8"))
            found = digest.hexdigest()[:KEY_HEX_CHARS]
            self._cache[normalised] = found
        return found
