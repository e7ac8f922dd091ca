"""Project leaders' pages lead somewhere, and speak Danish (issue 22, item 5).

GIVEN the station's workspace (six letters of week 47 2026, sender Anne Holm)
WHEN a project leader filters the letters, opens the report and the digests
THEN a sender is found by any part of the name, a week as typed, the report links to the
station's pages instead of naming commands, and a missing digest set-up is told in plain
Danish without a file or a section name.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from web_fixtures import OWN_CVR, make_workspace

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.outputs.digital import IsoWeek
from postbakke.outputs.wording import FIELD_DA, week_da
from postbakke.web.app import create_app


@pytest.fixture
def client(workspace, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    make_workspace(workspace)
    app = create_app(load_settings())
    app.config["TESTING"] = False
    return app.test_client()


def letter_ids(html: str) -> list[str]:
    return re.findall(r'<td><a href="/brev/(\d+)">', html)


@pytest.mark.parametrize("typed", ["anne", "HOLM", "Anne Holm", "nne h"])
def test_a_sender_is_found_by_any_part_of_the_name_in_any_case(client, typed) -> None:
    html = client.get("/breve", query_string={"afsender": typed}).get_data(as_text=True)
    assert len(letter_ids(html)) == 6, typed


def test_a_sender_that_matches_nobody_finds_nothing(client) -> None:
    html = client.get("/breve", query_string={"afsender": "dorthe"}).get_data(as_text=True)
    assert letter_ids(html) == [] and "Ingen breve passer" in html


@pytest.mark.parametrize("typed", ["47", "uge 47", "Uge 47 2026", "2026-W47", "2026-w47"])
def test_a_week_is_understood_as_people_type_it(client, typed) -> None:
    answer = client.get("/breve", query_string={"uge": typed})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert len(letter_ids(html)) == 6 and "Viser uge 47 2026" in html, typed
    other = client.get("/breve", query_string={"uge": "48"}).get_data(as_text=True)
    assert letter_ids(other) == []


def test_a_week_that_is_no_week_is_told_on_the_page(client) -> None:
    answer = client.get("/breve", query_string={"uge": "uge 54"})
    assert answer.status_code == 200
    assert "uge 54 findes ikke i 2026" in answer.get_data(as_text=True)


@pytest.mark.parametrize(("typed", "week"), [
    ("48", (2026, 48)), ("uge 1 2027", (2027, 1)), ("2025-W52", (2025, 52)),
    ("48/2025", (2025, 48)), ("2026 uge 3", (2026, 3)),
])
def test_typed_week_forms(typed, week) -> None:
    assert IsoWeek.typed(typed, 2026) == week


@pytest.mark.parametrize("typed", ["", "uge", "2026-W54", "4 8", "W48x"])
def test_typed_week_refuses_what_is_no_week(typed) -> None:
    with pytest.raises(ValueError):
        IsoWeek.typed(typed, 2026)


def test_weeks_are_named_as_people_say_them() -> None:
    assert week_da("2026-W47") == "uge 47 2026" and week_da("2027-W01") == "uge 1 2027"


def test_the_report_has_the_navigation_and_links_instead_of_commands(client) -> None:
    html = client.get("/rapport", query_string={"uge": "2026-W47"}).get_data(as_text=True)
    assert 'class="station-nav"' in html
    assert 'href="/opfoelgninger"' in html and 'href="/gennemsyn" id="link-review"' in html
    assert "postbakke followup close" not in html and "postbakke review list" not in html
    assert "2026-W47</td>" not in html and "uge 47 2026" in html


def test_a_digest_not_set_up_is_told_in_plain_danish(client) -> None:
    answer = client.get("/ugebrev", query_string={"uge": "47"})
    html = answer.get_data(as_text=True)
    assert "Ugebrevene er ikke sat op endnu" in html
    assert "postbakke.toml" not in html and "[digest" not in html and "/tmp" not in html
    assert 'href="/rapport?uge=2026-W47"' in html  # and the way on


def test_outline_tooltips_name_the_fields_in_danish(workspace, monkeypatch) -> None:
    from web_fixtures import review_letter

    from postbakke.people.filing import file_letters
    from postbakke.store import StoredFile

    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    store = make_workspace(workspace, letters=1)
    boxes = {name: [{"page": 0, "x0": 20, "y0": 50, "x1": 60, "y1": 55}] for name in FIELD_DA}
    file_letters(store, StoredFile("h9", "b.pdf", "Postrum", "2026-11-18", 1, "nu"),
                 [review_letter(workspace, "h9", 1, field_boxes=boxes)])
    app = create_app(load_settings())
    html = app.test_client().get("/gennemsyn/2").get_data(as_text=True)
    titles = re.findall(r"<title>([^<]*)</title>", html)
    assert sorted(titles[1:]) == sorted(FIELD_DA.values())  # [0] is the page's own
    assert 'id="legend"' in html and "afsender" in html
    for raw in ("recipient_name", "caseworker", "sender_email"):
        assert f">{raw}<" not in html


def test_the_password_prompts_are_danish(workspace) -> None:
    result = CliRunner().invoke(cli, ["web", "user", "add", "lise", "--role", "postrum"],
                                input="hemmelig-kode-1\nhemmelig-kode-2\nhemmelig-kode-1\nhemmelig-kode-1\n")
    assert result.exit_code == 0, result.output
    assert "Gentag adgangskoden" in result.output
    assert "de to adgangskoder er ikke ens" in result.output
    assert "Repeat" not in result.output and "Error" not in result.output


def test_closing_a_follow_up_is_confirmed_and_a_second_click_is_no_error(workspace,
                                                                          monkeypatch) -> None:
    from web_fixtures import csrf_token

    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    store = make_workspace(workspace)
    app = create_app(load_settings())
    app.config["TESTING"] = False
    client = app.test_client()
    html = client.get("/gennemsyn/1").get_data(as_text=True)
    client.post("/gennemsyn/1/afgoer", data={
        "csrf_token": csrf_token(html), "version": "0", "action": "cpr",
        "number": "0101901234"})
    followup = store.followups.find()[0]
    form = {"csrf_token": csrf_token(html), "outcome": "kontaktet", "note": "Talt med Anne"}
    for _ in range(2):
        answer = client.post(f"/opfoelgninger/{followup.id}/luk", data=form)
        assert answer.status_code == 303
        page = client.get("/opfoelgninger").get_data(as_text=True)
        assert f"Opfølgning nr. {followup.id} (Anne Holm) er lukket" in page
    too_long = client.post(f"/opfoelgninger/{followup.id + 1}/luk",
                           data={**form, "note": "x" * 501})
    assert too_long.status_code == 303
    assert "højst 500" in client.get("/opfoelgninger").get_data(as_text=True)


def test_the_header_says_who_is_at_the_station_in_danish(client) -> None:
    """GIVEN a station without users WHEN any page is opened THEN the header names the
    person on this machine and the role once, not the audit's "(lokal)" beside the role."""
    import getpass

    html = client.get("/breve").get_data(as_text=True)
    who = re.search(r'<span class="who">(.*?)</span>', html, re.S)
    assert who is not None
    text = " ".join(re.sub(r"<[^>]+>", " ", who.group(1)).split())
    assert text == f"{getpass.getuser()} på denne maskine · projektleder", text
