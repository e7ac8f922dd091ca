"""Users of the work station: names, roles and salted password hashes (Werkzeug's scrypt)."""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from postbakke.errors import ExitCode, PostbakkeError
from postbakke.store import Store

MIN_PASSWORD_LENGTH = 10


class Role(StrEnum):
    MAILROOM = "postrum"  # decides review letters, sees the trays
    PROJECT_LEADER = "projektleder"  # also closes follow-ups and sees reports


class UserError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS


def add_user(store: Store, name: str, role: Role, password: str) -> None:
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise UserError("brugernavnet skal være 1-64 tegn")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn")
    store.users.save(name, role.value, generate_password_hash(password))


def authenticate(store: Store, name: str, password: str) -> Role | None:
    """The user's role when name and password are right, else None."""
    user = store.users.get(name.strip())
    if user is None:
        check_password_hash(_dummy_hash(), password)  # same time whether the name exists or not
        return None
    if not check_password_hash(user["password_hash"], password):
        return None
    return Role(user["role"])


@cache
def _dummy_hash() -> str:
    return generate_password_hash("postbakke-dummy-password")
