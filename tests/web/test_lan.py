"""The station on a municipality's network: the names it answers to, its error pages, its
start (issue 21).

GIVEN a workspace whose postbakke.toml names the station's hosts in [web]
WHEN a colleague's browser asks by those names, an attacker by another, and someone
     starts the station on 0.0.0.0 with or without users and hosts
THEN known names are served, a foreign Host gets the Danish 400 page with the
     navigation (never a 500, no traceback in the log), every error page is Danish,
     and serving the network without users or hosts is refused with one Danish line.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from web_fixtures import OWN_CVR, csrf_token, make_workspace

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.web.app import create_app
from postbakke.web.serve import WebError, check_can_serve, plain_http_warning

PASSWORD = "hemmeligt-ord-1"
NAVIGATION = ('href="/gennemsyn"', 'href="/bakker"')
ENGLISH = re.compile(r"Internal Server Error|Not Found|Bad Request|Forbidden|Traceback|"
                     r"Method Not Allowed|Conflict|Unprocessable", re.IGNORECASE)


def set_web(home: Path, text: str) -> None:
    path = home / "postbakke.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[web]\n" + text, encoding="utf-8")


@pytest.fixture
def lan(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    set_web(workspace, 'hosts = ["postbakke.kommune.local", "10.0.0.5"]\n')
    store = make_workspace(workspace)
    added = CliRunner().invoke(cli, ["web", "user", "add", "mette", "--role", "projektleder"],
                               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    app = create_app(load_settings(), "0.0.0.0", 8000)
    app.config["TESTING"] = False
    return app, store


def signed_in(app, host: str = "postbakke.kommune.local:8000"):
    client = app.test_client()
    headers = {"Host": host}
    token = csrf_token(client.get("/log-ind", headers=headers).get_data(as_text=True))
    answer = client.post("/log-ind", headers=headers, data={
        "csrf_token": token, "name": "mette", "password": PASSWORD})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return client


@pytest.mark.parametrize("host", ["postbakke.kommune.local:8000", "POSTBAKKE.kommune.local",
                                  "10.0.0.5:8000", "127.0.0.1:8000", "localhost", "[::1]:8000"])
def test_the_names_in_web_hosts_and_loopback_are_served(lan, host) -> None:
    app, _ = lan
    client = signed_in(app, host)
    assert client.get("/bakker", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "10.0.0.6:8000",
                                  "postbakke.kommune.local.evil.example", "0.0.0.0:8000",
                                  "[::]:8000", "postbakke.kommune.local:x", "a b", ""])
def test_a_foreign_host_gets_the_danish_400_with_navigation_never_a_500(
        lan, host, caplog) -> None:
    app, _ = lan
    client = app.test_client()
    with caplog.at_level(logging.INFO):
        for method, url in (("GET", "/bakker"), ("GET", "/log-ind"), ("POST", "/log-ind"),
                            ("GET", "/static/station.js"), ("GET", "/findes-ikke")):
            answer = client.open(url, method=method, headers={"Host": host})
            html = answer.get_data(as_text=True)
            assert answer.status_code == 400, (host, url, answer.status_code)
            assert "Forkert adresse" in html and all(link in html for link in NAVIGATION)
            assert not ENGLISH.search(html)
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)


def test_every_error_page_is_danish_and_has_the_navigation(lan, workspace) -> None:
    app, store = lan
    client = signed_in(app, "localhost")
    html = client.get("/gennemsyn/1").get_data(as_text=True)
    token = csrf_token(html)
    pages = {
        400: client.post("/gennemsyn/1/afgoer", data={"version": "x", "csrf_token": token}),
        404: client.get("/brev/999"),
        405: client.get("/log-ud"),
        409: client.post("/gennemsyn/fortryd", data={"csrf_token": token}),
        413: client.post("/gennemsyn/1/afgoer", data={"note": "x" * 200_000}),
        422: client.post("/gennemsyn/1/afgoer", data={
            "csrf_token": token, "version": "0", "action": "cpr", "number": "12"}),
    }
    added = CliRunner().invoke(cli, ["web", "user", "add", "ole", "--role", "postrum"],
                               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0
    clerk = app.test_client()
    token = csrf_token(clerk.get("/log-ind").get_data(as_text=True))
    clerk.post("/log-ind", data={"csrf_token": token, "name": "ole", "password": PASSWORD})
    pages[403] = clerk.get("/rapport")

    def broken(*args, **kwargs):
        raise RuntimeError("boom 010190-1234")

    app.view_functions["overview.trays"] = broken
    pages[500] = client.get("/bakker")
    for status, answer in pages.items():
        html = answer.get_data(as_text=True)
        assert answer.status_code == status, (status, html[:300])
        assert all(link in html for link in NAVIGATION), status
        assert '<html lang="da">' in html and not ENGLISH.search(html), status
        assert "010190-1234" not in html


def test_lan_host_needs_users_and_hosts_with_one_danish_line(workspace, monkeypatch) -> None:
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    make_workspace(workspace)
    runner = CliRunner()
    no_users = runner.invoke(cli, ["web", "--host", "0.0.0.0"])
    assert no_users.exit_code != 0
    assert no_users.output.count("\n") == 1 and "når der er brugere med login" in no_users.output
    runner.invoke(cli, ["web", "user", "add", "mette", "--role", "projektleder"],
                  input=f"{PASSWORD}\n{PASSWORD}\n")
    no_hosts = runner.invoke(cli, ["web", "--host", "192.168.1.5"])
    assert no_hosts.exit_code != 0 and no_hosts.output.count("\n") == 1
    assert "[web] hosts" in no_hosts.output and 'hosts = ["postbakke.kommune.local"]' in (
        no_hosts.output)
    set_web(workspace, 'hosts = ["postbakke.kommune.local"]\n')
    check_can_serve(load_settings(), "0.0.0.0")  # users and hosts: served
    check_can_serve(load_settings(), "::")
    check_can_serve(load_settings(), "127.0.0.1")
    (workspace / "postbakke.db").unlink()  # users gone: refused again
    with pytest.raises(WebError, match="brugere med login"):
        check_can_serve(load_settings(), "10.0.0.5")


def test_serving_the_network_over_plain_http_warns_at_start() -> None:
    assert plain_http_warning("127.0.0.1") is None and plain_http_warning("::1") is None
    warning = plain_http_warning("0.0.0.0")
    assert warning and "ukrypteret" in warning and "docs/deploy.md" in warning


def test_web_hosts_and_trusted_proxies_are_checked_in_config_check(workspace) -> None:
    set_web(workspace, 'hosts = ["http://postbakke:8000"]\ntrusted_proxies = ["nginx"]\n')
    result = CliRunner().invoke(cli, ["config", "check"])
    assert result.exit_code != 0
    assert "[web] hosts: 'http://postbakke:8000' er ikke et værtsnavn" in result.output
    assert "[web] trusted_proxies: 'nginx' er ikke en IP-adresse" in result.output


def test_without_users_a_browser_on_another_machine_is_refused_never_let_in(lan) -> None:
    """The last user removed while the station serves the network (or a proxy forwards to
    it): the no-login mode is for the person at the machine only."""
    app, _ = lan
    assert CliRunner().invoke(cli, ["web", "user", "remove", "mette"]).exit_code == 0
    client = app.test_client()
    elsewhere = client.get("/afdelinger", headers={"Host": "postbakke.kommune.local"},
                           environ_base={"REMOTE_ADDR": "10.0.0.7"})
    html = elsewhere.get_data(as_text=True)
    assert elsewhere.status_code == 403 and "Arbejdsstationen har ingen brugere" in html
    assert "(lokal)" not in html
    here = client.get("/afdelinger", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert here.status_code == 200
