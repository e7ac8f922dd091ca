"""Users of the work station: names, roles and salted password hashes (Werkzeug's scrypt)."""

from __future__ import annotations

import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class User:
    """A signed-in user as Flask-Login sees them, read from the database on each request.

    The id Flask-Login keeps in the session carries the user's session version: a new
    password raises it in the database, and every session holding the old one ends.
    """

    name: str
    role: Role
    session_version: int

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.session_version}:{self.name}"

    @staticmethod
    def load(store: Store, session_id: str) -> User | None:
        version, _, name = session_id.partition(":")
        row = store.users.get(name)
        if row is None or str(row.get("session_version") or 0) != version:
            return None
        return User(row["name"], Role(row["role"]), int(row.get("session_version") or 0))


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable() or ":" in name:
        raise UserError("brugernavnet skal være 1-64 tegn (uden kolon)")
    return name


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn")
    return password


def add_user(store: Store, name: str, role: Role, password: str) -> None:
    store.users.save(_checked_name(name), role.value,
                     generate_password_hash(_checked_password(password)))


def change_password(store: Store, name: str, password: str) -> None:
    """A new password; the user's other sessions end at their next request, and a lock
    after wrong passwords is lifted (counted as a right try, web/login.py)."""
    name = name.strip()
    if not store.users.set_password(name, generate_password_hash(_checked_password(password))):
        raise UserError(f"brugeren {name} findes ikke")
    store.users.record_attempt(time.time(), name, "adgangskode skiftet", ok=True)


def change_role(store: Store, name: str, role: Role) -> None:
    """Takes effect at the user's next request (the role is read from the database)."""
    if not store.users.set_role(name.strip(), role.value):
        raise UserError(f"brugeren {name.strip()} findes ikke")


def remove_user(store: Store, name: str) -> None:
    """Removed users are signed out at their next request."""
    if not store.users.remove(name.strip()):
        raise UserError(f"brugeren {name.strip()} findes ikke")


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user when name and password are right, else None (in the same time either way)."""
    row = store.users.get(name.strip())
    if row is None:
        check_password_hash(_dummy_hash(), password)  # same time whether the name exists or not
        return None
    if not check_password_hash(row["password_hash"], password):
        return None
    return User(row["name"], Role(row["role"]), int(row.get("session_version") or 0))


@cache
def _dummy_hash() -> str:
    return generate_password_hash("postbakke-dummy-password")
