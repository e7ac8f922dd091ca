"""Signing in to the work station: Flask-Login, a back-off on wrong passwords, a lock, audit.

Who is signed in is Flask-Login's `current_user`, loaded from the database on every
request (users.User.load): a role change or a removal takes effect at once, and a new
password ends every other session (its id carries the user's session version).

Guessing is slowed per name typed and per address, and stopped per name: the tries
are kept in the database (store.users, table login_attempts), not in the server's
memory, so they hold across a restart and across waitress's threads (and across two
`postbakke web` on one workspace) -- which Flask-Limiter's memory store would not,
and its other stores need a Redis or Memcached the municipality would have to run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from postbakke.people.access import record_access
from postbakke.store import Store
from postbakke.web.context import store
from postbakke.web.users import authenticate

blueprint = Blueprint("login", __name__)

# The back-off: this many wrong passwords (per name typed, per address) within
# BACKOFF_WINDOW_S are free; then each next try waits 1, 2, 4 ... seconds after the last
# wrong one, at most MAX_WAIT_S. A clerk who mistypes a few times never waits; a guesser
# gets about 20 tries in the first 10 minutes instead of thousands.
FREE_TRIES = 5
BACKOFF_WINDOW_S = 15 * 60
MAX_WAIT_S = 60
# The lock: this many wrong passwords for one name (since its last right one, within
# LOCK_MEMORY_S) lock it for LOCK_S after the last, whatever the password and address.
# 20 is far above what a person mistypes and far below what guessing needs.
LOCK_AFTER = 20
LOCK_S = 15 * 60
LOCK_MEMORY_S = 24 * 3600
UNKNOWN_ACTOR = "(ukendt bruger)"

clock: Callable[[], float] = time.time  # tests move time forward


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path of this site (to send the browser on to), else None.

    Refused: anything with a scheme or a host (`http:`, `javascript:`, `//host`), a
    backslash (`/\\host`, which browsers read as `//host`), control characters or
    spaces (a browser drops tab and newline, so `/\\t/host` is `//host`), non-ASCII,
    and any path no page of the station answers.
    """
    if not target or len(target) > 2000:
        return None
    if any(c == "\\" or not 0x21 <= ord(c) <= 0x7E for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(parts.path, method="GET")
    except RequestRedirect:
        return None
    except HTTPException:
        return None
    if endpoint in ("static", "login.login"):
        return None
    return target


def _wait_left(failures: list[float], now: float) -> float:
    """Seconds still to wait before the next try, after these wrong ones."""
    recent = [at for at in failures if at >= now - BACKOFF_WINDOW_S]
    if len(recent) < FREE_TRIES:
        return 0.0
    wait = min(2.0 ** (len(recent) - FREE_TRIES), MAX_WAIT_S)
    return max(0.0, recent[-1] + wait - now)


def _lock_left(failures: list[float], now: float) -> float:
    if len(failures) < LOCK_AFTER:
        return 0.0
    return max(0.0, failures[-1] + LOCK_S - now)


def _refusal(the_store: Store, name: str, address: str, now: float) -> str | None:
    """Why this try is not even checked (Danish), or None."""
    by_name = the_store.users.failures_since_success("account", name, now - LOCK_MEMORY_S)
    locked = _lock_left(by_name, now)
    if locked:
        minutes = max(1, round(locked / 60))
        return (f"Brugeren er låst i {minutes} minut{'ter' if minutes != 1 else ''} efter for "
                "mange forkerte adgangskoder. Vent, eller bed en projektleder om en ny "
                "adgangskode.")
    by_address = the_store.users.failures_since_success("address", address,
                                                        now - BACKOFF_WINDOW_S)
    wait = max(_wait_left(by_name, now), _wait_left(by_address, now))
    if wait:
        seconds = max(1, round(wait + 0.49))
        return (f"For mange forkerte forsøg. Vent {seconds} sekund"
                f"{'er' if seconds != 1 else ''}, og prøv igen.")
    return None


@blueprint.route("/log-ind", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("web/login.html.j2", message=None)
    the_store = store()
    name = request.form.get("name", "").strip()[:64]
    address = request.remote_addr or "ukendt"
    now = clock()
    refusal = _refusal(the_store, name, address, now)
    if refusal:
        return render_template("web/login.html.j2", message=refusal), 429
    user = authenticate(the_store, name, request.form.get("password", ""))
    the_store.users.record_attempt(now, name, address, ok=user is not None)
    if user is None:
        actor = name if the_store.users.get(name) is not None else UNKNOWN_ACTOR
        record_access(the_store, actor, "log ind mislykket", f"fra {address}")
        by_name = the_store.users.failures_since_success("account", name, now - LOCK_MEMORY_S)
        if len(by_name) == LOCK_AFTER:
            record_access(the_store, actor, "bruger låst",
                          f"{LOCK_AFTER} forkerte adgangskoder; låst i {LOCK_S // 60} minutter")
        return render_template("web/login.html.j2",
                               message="Forkert brugernavn eller adgangskode."), 401
    record_access(the_store, user.name, "logget ind", f"fra {address}")
    session.clear()  # nothing of the session before signing in is kept
    login_user(user)
    session["seen"] = now
    target = safe_next(request.args.get("next")) or url_for("station.next_letter")
    return redirect(target, code=303)


@blueprint.post("/log-ud")
def logout() -> Any:
    logout_user()
    session.clear()
    return redirect(url_for("login.login"), code=303)
