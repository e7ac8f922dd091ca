"""What every route needs, in one place the app and its blueprints import (never each other).

The settings, the pseudonymiser and this thread's store (`context`, `store`); who
is signed in (`visitor`, `require_project_leader`); a letter or a 404
(`letter_or_404`); the Danish error page (`error_page`); a self-contained
document with its own Content-Security-Policy (`document_response`).
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Response, abort, current_app, g, render_template

from postbakke.config import Settings
from postbakke.deciding.match import normalise
from postbakke.deciding.registers import EnrolmentEntry
from postbakke.privacy import Pseudonymiser
from postbakke.store import LetterRecord, Store
from postbakke.web.users import Role

# The report and the digest preview are self-contained documents with their own inline
# CSS and SVG charts (they are also sent as files and e-mails): no script at all.
DOCUMENT_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


# The audit names the local person of a station without users "<login> (lokal)".
LOCAL_SUFFIX = " (lokal)"


@dataclass(frozen=True)
class Visitor:
    name: str
    role: Role
    signed_in: bool = False  # False: the local person of a station without users

    @property
    def is_project_leader(self) -> bool:
        return self.role is Role.PROJECT_LEADER

    @property
    def label(self) -> str:
        """Who is at the station, as the header says it: "lise · postrum"."""
        if self.signed_in:
            return f"{self.name} · {self.role.value}"
        local = self.name.removesuffix(LOCAL_SUFFIX)
        return f"{local} på denne maskine · {self.role.value}"


class _Stores(threading.local):
    """One store (SQLite connection) per server thread, opened on first use."""

    store: Store | None = None


class WebContext:
    """What every request needs: the settings, the pseudonymiser, this thread's store."""

    def __init__(self, settings: Settings, pseudonymiser: Pseudonymiser) -> None:
        self.settings = settings
        self.pseudonymiser = pseudonymiser
        self._stores = _Stores()

        self._register: tuple[int, list[EnrolmentEntry], list[str]] | None = None
        self._register_lock = threading.Lock()

    def store(self) -> Store:
        if self._stores.store is None:
            self._stores.store = Store(self.settings.db_path)
        return self._stores.store

    def register(self) -> tuple[list[EnrolmentEntry], list[str]]:
        """The enrolment register and its normalised names, read again only after an import."""
        version = self.store().registers.version()
        with self._register_lock:
            if self._register is None or self._register[0] != version:
                entries = self.store().registers.enrolment_entries()
                self._register = (version, entries, [normalise(e.name) for e in entries])
            return self._register[1], self._register[2]


def is_loopback(host: str) -> bool:
    """Whether an address (or "localhost") is this machine's own."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def context() -> WebContext:
    found: WebContext = current_app.extensions["postbakke"]
    return found


def store() -> Store:
    return context().store()


def visitor() -> Visitor:
    found: Visitor = g.visitor
    return found


def letter_or_404(letter_id: int) -> LetterRecord:
    """The stored letter, or the "findes ikke" page."""
    record = store().letters.get(letter_id)
    if record is None:
        abort(404)
    return record


def error_page(title: str, message: str, status: int, back: str | None = None) -> Any:
    """The Danish error page with its status; `back` links to the letter it is about."""
    return render_template("web/error.html.j2", title=title, message=message, back=back), status


def document_response(html: str) -> Response:
    """A self-contained document (the report, a digest) under DOCUMENT_POLICY."""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    return response


def require_project_leader(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not visitor().is_project_leader:
            return error_page("Ikke tilladt",
                              "Kun projektledere kan dette. Spørg din projektleder.", 403)
        return view(*args, **kwargs)

    return wrapper
