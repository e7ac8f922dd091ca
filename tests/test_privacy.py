"""Pseudonyms and masking: the contract's formula, the masked form, the local secret."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

from postbakke.privacy import (
    Pseudonymiser,
    derived_key,
    load_or_create_secret,
    mask_cpr,
    masked_id,
)


def test_pseudonym_is_the_contracts_hmac_of_the_digits() -> None:
    secret = "kommunens-hemmelighed"
    expected = hmac.new(secret.encode(), b"0101901234", hashlib.sha256).hexdigest()
    assert Pseudonymiser(secret).pseudonym("0101901234") == expected
    assert Pseudonymiser("en-anden").pseudonym("0101901234") != expected
    assert "kommunens" not in repr(Pseudonymiser(secret))


def test_cpr_is_masked_after_the_birth_date_and_cvr_stays_public() -> None:
    assert mask_cpr("0101901234") == "010190-XXXX"
    assert masked_id("cpr", "0101901234") == "010190-XXXX"
    assert masked_id("cvr", "29189714") == "29189714"


def test_a_secret_is_created_once_only_the_owner_can_read_it(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path, None)
    assert len(first) >= 64
    mode = stat.S_IMODE((tmp_path / "secret.key").stat().st_mode)
    assert mode == 0o600
    assert load_or_create_secret(tmp_path, None) == first
    assert load_or_create_secret(tmp_path, "fra-miljøet") == "fra-miljøet"


def test_derived_keys_differ_by_purpose_and_do_not_reveal_the_secret() -> None:
    session = derived_key("hemmelig", "web-session")
    assert session != derived_key("hemmelig", "andet-formål")
    assert session != derived_key("anden-hemmelighed", "web-session")
    assert b"hemmelig" not in session and len(session) == 32
