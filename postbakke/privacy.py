"""Pseudonyms and masking of CPR numbers: the only holder of the secret key.

A plain hash of a CPR number is reversible by brute force (there are only ~36
million candidates), so pseudonyms are keyed: HMAC-SHA256 with a local secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "secret.key"


def load_or_create_secret(home: Path, given: str | None = None) -> str:
    """`given` (the settings' $POSTBAKKE_SECRET), else the workspace's key, created once
    as a random key (mode 0600) the first time it is needed."""
    if given:
        return given
    path = home / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


class Pseudonymiser:
    """Turns register IDs into the contract's pseudonyms; never stores the IDs."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def __repr__(self) -> str:
        return "Pseudonymiser(<secret>)"

    def pseudonym(self, digits: str) -> str:
        return hmac.new(self._key, digits.encode(), hashlib.sha256).hexdigest()


def mask_cpr(digits: str) -> str:
    """`DDMMYY-XXXX`: the birth date stays readable for a person reviewing the letter."""
    return f"{digits[:6]}-XXXX"


def masked_id(kind: str, digits: str) -> str:
    """A CPR masked; a CVR in full (CVR numbers are public)."""
    return mask_cpr(digits) if kind == "cpr" else digits


def derived_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose (the work station's session cookies), derived from the secret
    so the secret itself never leaves this module."""
    return hmac.new(secret.encode(), f"postbakke:{purpose}".encode(), hashlib.sha256).digest()
