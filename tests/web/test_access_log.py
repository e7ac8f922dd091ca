"""Every view of personal data from the station is in `postbakke audit`, as from the CLI
(issue 21 item 4).

GIVEN a station with a signed-in project leader
WHEN they open a letter, the letter list with filters, the report, a digest preview and
     a page image
THEN each is one line in the audit log with who, what and which (the filter values
     masked), written by the same function `postbakke letters` and `report` use.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from digest_fixtures import prepare
from web_fixtures import OWN_CVR, csrf_token, make_workspace

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.web.app import create_app

PASSWORD = "hemmeligt-ord-1"


@pytest.fixture
def leader(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    make_workspace(workspace)
    added = CliRunner().invoke(cli, ["web", "user", "add", "mette", "--role", "projektleder"],
                               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    app = create_app(load_settings())
    app.config["TESTING"] = False
    client = app.test_client()
    token = csrf_token(client.get("/log-ind").get_data(as_text=True))
    assert client.post("/log-ind", data={"csrf_token": token, "name": "mette",
                                         "password": PASSWORD}).status_code == 303
    return client


def audit_rows() -> list[str]:
    result = CliRunner().invoke(cli, ["audit"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_each_view_of_personal_data_from_the_station_is_audited(leader) -> None:
    views = {
        "/brev/2": ("brev vist", "brev 2"),
        "/gennemsyn/3": ("brev vist", "brev 3"),
        "/breve?afdeling=Jobcenter&afsender=010190-1234": (
            "breve vist", "afdeling=Jobcenter, afsender=010190-XXXX"),
        "/rapport?uge=2026-W10": ("rapport (web)", "Uge 10, 2026"),
        "/side/1/0": ("sidebillede vist", "brev 1 side 1"),
    }
    for url, (action, subject) in views.items():
        before = len(audit_rows())
        answer = leader.get(url)
        assert answer.status_code == 200, url
        added = audit_rows()[before:]
        assert len(added) == 1, (url, added)
        assert "mette" in added[0] and action in added[0] and subject in added[0], added
    assert not any("0101901234" in row or "010190-1234" in row for row in audit_rows())


def test_a_digest_preview_is_audited(workspace, monkeypatch) -> None:
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    prepare(workspace)  # the digests' month and [digest]
    app = create_app(load_settings())
    client = app.test_client()  # no users: the local person
    listing = client.get("/ugebrev?uge=2026-W48")
    assert listing.status_code == 200
    before = len(audit_rows())
    answer = client.get("/ugebrev?uge=2026-W48&afdeling=Social og Sundhed")
    assert answer.status_code == 200
    added = audit_rows()[before:]
    assert len(added) == 1 and "ugebrev vist" in added[0], added
    assert "2026-W48 Social og Sundhed" in added[0]


def test_the_cli_and_the_station_log_through_one_function() -> None:
    """No view writes the audit log past people.access.record_access."""
    root = Path(__file__).parents[2] / "postbakke"
    for folder in ("web", "cli"):
        for path in (root / folder).glob("*.py"):
            assert "audit.log(" not in path.read_text(encoding="utf-8"), path
