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
    from_env = "fra-miljøet-" + "x" * 20  # issue 14: at least 32 characters
    assert load_or_create_secret(tmp_path, from_env) == from_env


def test_derived_keys_differ_by_purpose_and_do_not_reveal_the_secret() -> None:
    session = derived_key("hemmelig", "web-session")
    assert session != derived_key("hemmelig", "andet-formål")
    assert session != derived_key("anden-hemmelighed", "web-session")
    assert b"hemmelig" not in session and len(session) == 32


# --- the key: refused when empty or short, created once by racing processes ---------------

def test_an_empty_or_short_key_file_is_refused(tmp_path: Path) -> None:
    import pytest

    from postbakke.errors import ConfigError

    for content in ("", "\n", "abc123\n", "0" * 63 + "\n", "z" * 64 + "\n"):
        (tmp_path / "secret.key").write_text(content, encoding="ascii")
        with pytest.raises(ConfigError, match="secret.key"):
            load_or_create_secret(tmp_path, None)


def test_an_empty_or_short_secret_in_the_environment_is_refused(tmp_path: Path) -> None:
    import pytest

    from postbakke.errors import ConfigError

    for given in ("", "kort", "x" * 31):
        with pytest.raises(ConfigError, match="POSTBAKKE_SECRET"):
            load_or_create_secret(tmp_path, given)
    assert not (tmp_path / "secret.key").exists()


def _create_key(home: str) -> str:
    return load_or_create_secret(Path(home), None)


def test_two_processes_creating_the_key_at_once_agree(tmp_path: Path) -> None:
    import multiprocessing

    for attempt in range(5):
        home = tmp_path / f"ws{attempt}"
        with multiprocessing.get_context("fork").Pool(6) as pool:
            keys = pool.map(_create_key, [str(home)] * 12)
        assert len(set(keys)) == 1
        assert (home / "secret.key").read_text(encoding="ascii").strip() == keys[0]
        assert [p.name for p in home.iterdir()] == ["secret.key"]  # no partial files left
