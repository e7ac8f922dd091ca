"""Signing in to the station, as a user and as someone guessing would (issue 21).

GIVEN a workspace with users made by `postbakke web user add`
WHEN someone signs in (right, wrong, many times, with a crafted `next`), and a project
     leader changes roles, passwords and users from the command line meanwhile
THEN the browser is only ever sent on within the site, guessing is slowed and then
     stopped, every try is in `postbakke audit`, and a change takes effect at the next
     click.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from web_fixtures import OWN_CVR, csrf_token, make_workspace

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.web import login
from postbakke.web.app import create_app

PASSWORD = "hemmeligt-ord-1"


@pytest.fixture
def station(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    store = make_workspace(workspace)
    for name, role in (("mette", "projektleder"), ("ole", "postrum")):
        added = CliRunner().invoke(cli, ["web", "user", "add", name, "--role", role],
                                   input=f"{PASSWORD}\n{PASSWORD}\n")
        assert added.exit_code == 0, added.output
    app = create_app(load_settings())
    app.config["TESTING"] = False  # CSRF stays on, as served
    return app, store


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """The login's clock, moved by the test (the back-off and the lock are minutes long)."""
    now = [time.time() - 3600]  # in the past: `web user passwd` records at the real time
    monkeypatch.setattr(login, "clock", lambda: now[0])
    return now


def sign_in(client, name: str, password: str, next_: str | None = None, address="10.0.0.7"):
    token = csrf_token(client.get("/log-ind").get_data(as_text=True))
    url = "/log-ind" if next_ is None else "/log-ind?" + f"next={next_}"
    return client.post(url, data={"csrf_token": token, "name": name, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def audit_lines(*args: str) -> str:
    result = CliRunner().invoke(cli, ["audit", *args])
    assert result.exit_code == 0, result.output
    return result.output


# The known ways round a "path only" check (percent-encoded as a browser's link would
# carry them in the query): scheme-relative, backslash, tab and newline (dropped by
# browsers), encoded slashes and backslashes, schemes.
BYPASSES = [
    "//evil.example", "/\\evil.example", "/%09/evil.example", "/%0a/evil.example",
    "/%0d/evil.example", "%2F%2Fevil.example", "/%2F/evil.example", "/%5Cevil.example",
    "%5C%5Cevil.example", "/%5C/evil.example", "http://evil.example",
    "https://evil.example/gennemsyn", "http:evil.example", "javascript:alert(1)",
    "JavaScript%3Aalert(1)", "%20//evil.example", "/%20/evil.example",
    "///evil.example", "////evil.example", "https:/evil.example", "/%E2%80%A8/evil.example",
    "%2509/evil.example", "/.//evil.example", "evil.example", "/log-ind?next=//evil.example",
    "/static/station.js", "/findes-ikke",
]


@pytest.mark.parametrize("target", BYPASSES)
def test_next_outside_this_site_is_refused_and_never_a_500(station, target) -> None:
    app, _ = station
    answer = sign_in(app.test_client(), "ole", PASSWORD, next_=target)
    assert answer.status_code == 303, (target, answer.status_code)
    assert answer.headers["Location"] == "/gennemsyn", target


@pytest.mark.parametrize("target", ["/bakker", "/gennemsyn/2", "/breve?afdeling=Jobcenter",
                                    "/brev/1"])
def test_next_on_this_site_is_followed(station, target) -> None:
    app, _ = station
    answer = sign_in(app.test_client(), "mette", PASSWORD, next_=target.replace("?", "%3F")
                     .replace("=", "%3D"))
    assert answer.headers["Location"] == target


def test_a_page_asked_for_before_signing_in_opens_after_it(station) -> None:
    app, _ = station
    client = app.test_client()
    first = client.get("/breve?afdeling=Jobcenter")
    assert first.status_code == 302
    login_url = first.headers["Location"]
    token = csrf_token(client.get(login_url).get_data(as_text=True))
    answer = client.post(login_url, data={"csrf_token": token, "name": "mette",
                                          "password": PASSWORD})
    assert answer.headers["Location"] == "/breve?afdeling=Jobcenter"


def test_wrong_passwords_slow_down_then_lock_the_user_and_are_audited(station, clock) -> None:
    app, _ = station
    client = app.test_client()
    refused_early = 0
    for attempt in range(login.LOCK_AFTER):
        answer = sign_in(client, "ole", f"forkert-{attempt:04d}")
        if answer.status_code == 429:  # asked to wait: waits, then tries again
            refused_early += 1
            assert "Vent" in answer.get_data(as_text=True)
            clock[0] += login.MAX_WAIT_S
            answer = sign_in(client, "ole", f"forkert-{attempt:04d}")
        assert answer.status_code == 401, attempt
        clock[0] += 0.5
    assert refused_early >= login.LOCK_AFTER - login.FREE_TRIES - 1
    clock[0] += login.MAX_WAIT_S
    locked = sign_in(client, "ole", PASSWORD)  # the right password: still locked
    assert locked.status_code == 429
    assert "låst i 14 minutter" in locked.get_data(as_text=True)
    assert client.get("/gennemsyn/1").status_code == 302
    clock[0] += login.LOCK_S
    assert sign_in(client, "ole", PASSWORD).status_code == 303  # the lock ends by itself
    log = audit_lines()
    assert log.count("log ind mislykket") == login.LOCK_AFTER
    assert "bruger låst" in log and "logget ind" in log
    assert "fra 10.0.0.7" in log


def test_the_back_off_holds_per_address_across_names_and_across_a_restart(
        station, clock) -> None:
    app, _ = station
    client = app.test_client()
    for attempt in range(login.FREE_TRIES):
        assert sign_in(client, f"navn{attempt}", "forkert-ord-00").status_code == 401
    again = create_app(load_settings()).test_client()  # a restarted station
    answer = sign_in(again, "mette", PASSWORD)
    assert answer.status_code == 429 and "Vent 1 sekund," in answer.get_data(as_text=True)
    other_desk = sign_in(again, "mette", PASSWORD, address="10.0.0.8")
    assert other_desk.status_code == 303
    clock[0] += 2
    assert sign_in(client, "ole", PASSWORD).status_code == 303
    assert "(ukendt bruger)" in audit_lines()  # names that are no user are not logged


def test_a_new_password_from_the_command_line_lifts_the_lock(station, clock) -> None:
    app, _ = station
    client = app.test_client()
    for attempt in range(login.LOCK_AFTER):
        clock[0] += login.MAX_WAIT_S
        assert sign_in(client, "ole", f"forkert-{attempt:04d}").status_code == 401
    assert sign_in(client, "ole", PASSWORD).status_code == 429
    changed = CliRunner().invoke(cli, ["web", "user", "passwd", "ole"],
                                 input="nyt-hemmeligt-2\nnyt-hemmeligt-2\n")
    assert changed.exit_code == 0, changed.output
    clock[0] += login.MAX_WAIT_S  # the address's own back-off still holds
    assert sign_in(client, "ole", "nyt-hemmeligt-2").status_code == 303


def test_role_change_and_removal_take_effect_at_the_next_click(station) -> None:
    app, _ = station
    client = app.test_client()
    assert sign_in(client, "mette", PASSWORD).status_code == 303
    assert client.get("/afdelinger").status_code == 200
    runner = CliRunner()
    assert runner.invoke(cli, ["web", "user", "role", "mette", "postrum"]).exit_code == 0
    assert client.get("/afdelinger").status_code == 403
    assert "mette · postrum" in client.get("/bakker").get_data(as_text=True)
    assert runner.invoke(cli, ["web", "user", "remove", "mette"]).exit_code == 0
    gone = client.get("/bakker")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/log-ind")


def test_a_new_password_ends_the_other_sessions(station) -> None:
    app, _ = station
    desk, laptop = app.test_client(), app.test_client()
    assert sign_in(desk, "ole", PASSWORD).status_code == 303
    assert sign_in(laptop, "ole", PASSWORD).status_code == 303
    assert desk.get("/bakker").status_code == 200
    changed = CliRunner().invoke(cli, ["web", "user", "passwd", "ole"],
                                 input="nyt-hemmeligt-2\nnyt-hemmeligt-2\n")
    assert changed.exit_code == 0, changed.output
    for client in (desk, laptop):
        assert client.get("/bakker").status_code == 302
    assert sign_in(desk, "ole", "nyt-hemmeligt-2").status_code == 303
    assert desk.get("/bakker").status_code == 200


def test_the_cookie_holds_no_role_and_logging_out_ends_the_session(station) -> None:
    app, _ = station
    client = app.test_client()
    assert sign_in(client, "ole", PASSWORD).status_code == 303
    cookie = next(c for c in client._cookies.values() if c.key == "postbakke_session")
    from flask.sessions import SecureCookieSessionInterface
    from itsdangerous import URLSafeTimedSerializer

    interface = SecureCookieSessionInterface()
    signer: URLSafeTimedSerializer = interface.get_signing_serializer(app)  # type: ignore[assignment]
    data = signer.loads(cookie.value)
    assert "postrum" not in str(data) and "role" not in data
    html = client.get("/bakker").get_data(as_text=True)
    answer = client.post("/log-ud", data={"csrf_token": csrf_token(html)})
    assert answer.status_code == 303
    assert client.get("/bakker").status_code == 302


def test_web_user_list_remove_passwd_role_in_danish(station) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["web", "user", "list"])
    assert listed.exit_code == 0
    assert "mette" in listed.output and "projektleder" in listed.output
    assert "scrypt" not in listed.output
    assert runner.invoke(cli, ["web", "user", "role", "ole", "projektleder"]).output == (
        "Bruger ole er nu projektleder.\n")
    missing = runner.invoke(cli, ["web", "user", "remove", "ingen"])
    assert missing.exit_code != 0 and "brugeren ingen findes ikke" in missing.output
    short = runner.invoke(cli, ["web", "user", "passwd", "ole"], input="kort\nkort\n")
    assert short.exit_code != 0 and "mindst 10 tegn" in short.output
    log = audit_lines()
    assert "rolle skiftet" in log and "bruger gemt" in log


def test_no_request_reads_the_users_table_whole(station, workspace) -> None:
    """Whether users exist is one EXISTS; the signed-in user is one row by name."""
    app, _ = station
    client = app.test_client()
    assert sign_in(client, "ole", PASSWORD).status_code == 303
    seen: list[str] = []
    from postbakke.web.context import store

    with app.test_request_context():
        connection = store().db.conn
        assert isinstance(connection, sqlite3.Connection)
        connection.set_trace_callback(seen.append)
    try:
        assert client.get("/bakker").status_code == 200
    finally:
        connection.set_trace_callback(None)
    users = [s for s in seen if "web_users" in s]
    assert users, "the trace saw no query of web_users"
    assert all("EXISTS" in s or "name = " in s for s in users), users
