"""The work station in-process (Flask's test client over a real SQLite workspace).

GIVEN a workspace with registers and letters waiting for review
WHEN a clerk or a project leader uses the station's pages and forms
THEN decisions go through the review functions (the CLI's path), are logged and
can be undone, and every safety rule holds: CSRF, trusted host, no caching, CSP,
login and roles, no CPR in clear in any URL or response.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from web_fixtures import (
    COMPANY_CVR,
    ENROLLED_CPR,
    OWN_CVR,
    UNKNOWN_CPR,
    cpr_in_clear,
    csrf_token,
    exported,
    form_version,
    make_workspace,
    review_letter,
)

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.outputs.wording import REASON_DA
from postbakke.people.filing import file_letters
from postbakke.store import StoredFile
from postbakke.web.app import create_app
from postbakke.web.serve import WebError, check_can_serve


@pytest.fixture
def station(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    store = make_workspace(workspace)
    app = create_app(load_settings())
    app.config["TESTING"] = False  # CSRF stays on, as served
    return app, store


def open_letter(client, letter_id: int) -> tuple[str, str, str]:
    page = client.get(f"/gennemsyn/{letter_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html, csrf_token(html), form_version(html)


def decide(client, letter_id: int, **form: str):
    html, token, version = open_letter(client, letter_id)
    return client.post(f"/gennemsyn/{letter_id}/afgoer",
                       data={"csrf_token": token, "version": version, **form})


def test_station_opens_on_the_oldest_undecided_letter_with_a_counter(station) -> None:
    app, _ = station
    client = app.test_client()
    first = client.get("/gennemsyn")
    assert first.status_code == 302 and first.headers["Location"].endswith("/gennemsyn/1")
    html = client.get("/gennemsyn/2").get_data(as_text=True)
    assert "2 af 6" in html
    assert 'id="next" href="/gennemsyn/3"' in html and 'id="prev" href="/gennemsyn/1"' in html


def test_a_typed_cpr_decides_the_letter_and_the_next_one_opens(station, workspace) -> None:
    app, store = station
    client = app.test_client()
    answer = decide(client, 1, action="cpr", number=f"{ENROLLED_CPR[:6]}-{ENROLLED_CPR[6:]}")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/gennemsyn/2")  # straight on to the next
    row = exported(workspace)[1]
    assert (row["verdict"], row["reason"], row["match"], row["recipient_masked"]) == (
        "leak", "enrolled", "manual", "010190-XXXX")
    logged = store.decisions.last_logged(letter_id=1)
    assert logged["action"] == "decide" and logged["actor"].endswith("(lokal)")
    assert logged["before"]["letter"]["verdict"] == "review"
    assert logged["after"]["letter"]["verdict"] == "leak"


def test_cvr_none_justified_and_postpone(station, workspace) -> None:
    app, store = station
    client = app.test_client()
    assert decide(client, 1, action="cvr", number=COMPANY_CVR).status_code == 303
    assert decide(client, 2, action="none").status_code == 303
    assert decide(client, 3, action="justified", note="sårbar borger").status_code == 303
    assert decide(client, 4, action="postpone", note="spørg afsender").status_code == 303
    rows = exported(workspace)
    assert (rows[1]["verdict"], rows[1]["reason"]) == ("leak", "enrolled")
    assert (rows[2]["verdict"], rows[2]["reason"]) == ("legitimate", "no_danish_id")
    assert (rows[3]["verdict"], rows[3]["reason"]) == ("legitimate", "justified_paper")
    assert rows[4]["verdict"] == "review"
    # the postponed letter waits at the end of the queue, out of the day's run
    assert store.review.queue() == [5, 6, 4]
    assert store.review.undecided() == [5, 6]
    justified = CliRunner().invoke(cli, ["summary"]).output
    assert "Jobcenter" in justified


def test_undo_restores_the_letter_and_the_queue(station, workspace) -> None:
    app, store = station
    client = app.test_client()
    decide(client, 1, action="cpr", number=ENROLLED_CPR)
    assert [f.letters for f in store.followups.find()] == [1]
    html = client.get("/gennemsyn/2").get_data(as_text=True)
    undone = client.post("/gennemsyn/fortryd", data={"csrf_token": csrf_token(html)})
    assert undone.status_code == 303 and undone.headers["Location"].endswith("/gennemsyn/1")
    assert exported(workspace)[1]["verdict"] == "review"
    assert store.review.queue()[0] == 1
    assert store.followups.find() == []


def test_a_second_browser_deciding_the_same_letter_is_told_so(station, workspace) -> None:
    app, _ = station
    first, second = app.test_client(), app.test_client()
    _, token2, version2 = open_letter(second, 1)
    assert decide(first, 1, action="none").status_code == 303
    late = second.post("/gennemsyn/1/afgoer", data={
        "csrf_token": token2, "version": version2, "action": "cpr", "number": ENROLLED_CPR})
    assert late.status_code == 409
    assert "netop afgjort af" in late.get_data(as_text=True)
    assert exported(workspace)[1]["reason"] == "no_danish_id"  # the first decision stands


@pytest.mark.parametrize(("form", "message"), [
    ({"action": "cpr", "number": "310290-1234"}, "fødselsdatoen findes ikke"),
    ({"action": "cpr", "number": "12345"}, "DDMMÅÅ-SSSS"),
    ({"action": "cvr", "number": "12345678"}, "ikke et gyldigt CVR-nummer"),
    ({"action": "cvr", "number": OWN_CVR}, "kommunens eget CVR-nummer"),
    ({"action": "justified", "note": " "}, "skriv en note"),
    ({"action": "pick", "candidate": "f" * 64}, "forslaget findes ikke"),
    ({"action": "nonsense"}, "ukendt afgørelse"),
])
def test_bad_input_is_a_danish_message_and_nothing_is_stored(station, workspace, form,
                                                             message) -> None:
    app, store = station
    answer = decide(app.test_client(), 1, **form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert message in html and "Traceback" not in html
    assert "310290" not in html  # a typed number is never repeated
    assert exported(workspace)[1]["verdict"] == "review"
    assert store.decisions.last_logged(letter_id=1) is None


def test_lookup_shows_the_register_entry_masked_never_the_number(station) -> None:
    app, _ = station
    client = app.test_client()
    _, token, _ = open_letter(client, 1)
    found = client.post("/opslag", data={"csrf_token": token, "kind": "cpr",
                                         "number": ENROLLED_CPR}).get_json()
    assert found["found"] and found["name"] == "Jens Hansen" and found["status"] == "tilmeldt"
    assert ENROLLED_CPR not in str(found) and "010190-XXXX" in found["message"]
    missing = client.post("/opslag", data={"csrf_token": token, "kind": "cpr",
                                           "number": UNKNOWN_CPR}).get_json()
    assert not missing["found"] and "står ikke i tilmeldingsregistret" in missing["message"]
    bad = client.post("/opslag", data={"csrf_token": token, "kind": "cvr",
                                       "number": "12345678"}).get_json()
    assert bad == {"valid": False,
                   "message": "det er ikke et gyldigt CVR-nummer (8 cifre, kontrolciffer)"}


def test_post_without_csrf_token_is_refused(station, workspace) -> None:
    app, _ = station
    client = app.test_client()
    answer = client.post("/gennemsyn/1/afgoer", data={"version": "0", "action": "none"})
    assert answer.status_code == 400
    assert "Sikkerhedsnøglen" in answer.get_data(as_text=True)
    assert exported(workspace)[1]["verdict"] == "review"


def test_foreign_host_header_is_refused(station) -> None:
    app, _ = station
    answer = app.test_client().get("/bakker", headers={"Host": "evil.example"})
    assert answer.status_code == 400
    assert "Forkert adresse" in answer.get_data(as_text=True)


def test_every_response_is_not_cached_not_referred_and_self_only(station) -> None:
    app, _ = station
    client = app.test_client()
    for url in ("/gennemsyn/1", "/side/1/0", "/bakker", "/afdelinger", "/breve", "/brev/1",
                "/opfoelgninger", "/static/station.js"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "no-store", url
        assert answer.headers["Referrer-Policy"] == "no-referrer", url
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"], url
    image = client.get("/side/1/0")
    assert image.mimetype == "image/png" and image.data[:4] == b"\x89PNG"


def test_missing_letter_image_and_huge_form(station) -> None:
    app, _ = station
    client = app.test_client()
    assert client.get("/gennemsyn/999").status_code == 404
    assert "findes ikke" in client.get("/brev/999").get_data(as_text=True)
    assert client.get("/side/1/7").status_code == 404
    assert client.get("/side/1/x").status_code == 404
    huge = client.post("/gennemsyn/1/afgoer", data={"note": "x" * 200_000})
    assert huge.status_code == 413


def test_no_cpr_in_clear_in_any_page_after_decisions(station) -> None:
    app, store = station
    client = app.test_client()
    decide(client, 1, action="cpr", number=ENROLLED_CPR)
    decide(client, 2, action="cpr", number=UNKNOWN_CPR)
    seen = []
    for url in ("/gennemsyn", "/gennemsyn/1", "/gennemsyn/2", "/gennemsyn/3", "/bakker",
                "/afdelinger", "/breve", "/brev/1", "/brev/2", "/opfoelgninger", "/rapport"):
        answer = client.get(url, follow_redirects=True)
        seen.append(answer.get_data(as_text=True))
    assert cpr_in_clear("\n".join(seen)) == []


def test_login_is_required_once_users_exist_and_roles_hold(station) -> None:
    app, store = station
    runner = CliRunner()
    for name, role in (("mette", "projektleder"), ("ole", "postrum")):
        result = runner.invoke(cli, ["web", "user", "add", name, "--role", role],
                               input="hemmeligt-ord-1\nhemmeligt-ord-1\n")
        assert result.exit_code == 0, result.output
    client = app.test_client()
    assert client.get("/gennemsyn/1").status_code == 302  # to the login page
    login = client.get("/log-ind").get_data(as_text=True)
    wrong = client.post("/log-ind", data={"csrf_token": csrf_token(login), "name": "ole",
                                          "password": "forkert-ord-99"})
    assert wrong.status_code == 401 and "Forkert brugernavn" in wrong.get_data(as_text=True)
    assert client.post("/log-ind", data={"csrf_token": csrf_token(login), "name": "ole",
                                         "password": "hemmeligt-ord-1"}).status_code == 303
    assert client.get("/gennemsyn/1").status_code == 200
    assert client.get("/bakker").status_code == 200
    assert client.get("/afdelinger").status_code == 403
    html = client.get("/gennemsyn/1").get_data(as_text=True)
    closing = client.post("/opfoelgninger/1/luk", data={
        "csrf_token": csrf_token(html), "outcome": "kontaktet", "note": "talt med"})
    assert closing.status_code == 403
    cookie = next(c for c in client._cookies.values() if c.key == "postbakke_session")
    assert cookie.http_only and cookie.same_site == "Strict"


def test_lan_host_without_users_is_refused(station) -> None:
    with pytest.raises(WebError, match="kun vises på 192.168.1.5"):
        check_can_serve(load_settings(), "192.168.1.5")
    check_can_serve(load_settings(), "127.0.0.1")  # loopback needs no users
    result = CliRunner().invoke(cli, ["web", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert "Fejl: arbejdsstationen kan kun vises på 0.0.0.0" in result.output


def test_trays_show_days_set_aside_files_and_the_watch_folder(station, workspace) -> None:
    app, store = station
    store.files.record_failure("krøllet.pdf", None, "PDF-filen er ødelagt")
    folder = workspace.parent / "scanner"
    (folder / "Jobcenter").mkdir(parents=True)
    (folder / "Jobcenter" / "ny.pdf").write_bytes(b"%PDF-1.4")
    (folder / "behandlet").mkdir()
    (folder / "behandlet" / "gammel.pdf").write_bytes(b"%PDF-1.4")
    (workspace / "postbakke.toml").write_text(f'[watch]\nfolder = "{folder}"\n')
    app = create_app(load_settings())
    html = app.test_client().get("/bakker").get_data(as_text=True)
    assert "2026-11-18" in html and "Postrum" in html
    assert "krøllet.pdf" in html and "PDF-filen er ødelagt" in html
    assert "Jobcenter/ny.pdf" in html and "gammel.pdf" not in html


def test_the_next_letters_page_image_is_made_ready_while_this_one_is_read(station) -> None:
    import time

    from postbakke.web import images

    app, store = station
    images.forget_all()
    client = app.test_client()
    client.get("/gennemsyn/1")
    following = store.letters.get(2).image_paths[0]
    deadline = time.monotonic() + 5
    while following not in images._cache and time.monotonic() < deadline:
        time.sleep(0.02)
    assert following in images._cache
    assert client.get("/side/2/0").data == images._cache[following]


def test_malformed_decision_forms_are_refused_whole(station, workspace) -> None:
    app, store = station
    client = app.test_client()
    _, token, _ = open_letter(client, 1)
    for form in ({"version": "nul", "action": "none"}, {"action": "none"},
                 {"version": "0", "action": "pick"}):
        answer = client.post("/gennemsyn/1/afgoer", data={"csrf_token": token, **form})
        assert answer.status_code in (400, 422), form
        assert "Traceback" not in answer.get_data(as_text=True)
    assert exported(workspace)[1]["verdict"] == "review"
    assert store.decisions.last_logged(letter_id=1) is None


def test_the_letters_of_someone_else_than_the_addressee_show_their_reason_in_danish(
    station, workspace
) -> None:
    """An estate's letter (legitimate) on the letter page and in the letter list: the
    reason in Danish, never the code."""
    app, store = station
    file_letters(
        store, StoredFile("h2", "bo.pdf", "Postrum", "2026-11-19", 1, "nu"),
        [review_letter(workspace, "h2", 1, verdict="legitimate", reason="estate",
                       evidence="adressefeltet nævner et dødsbo")],
    )
    client = app.test_client()
    letter_id = len(exported(workspace))  # the newest letter
    assert exported(workspace)[letter_id]["reason"] == "estate"
    page = client.get(f"/brev/{letter_id}").get_data(as_text=True)
    assert "dødsbo" in page and ">estate<" not in page
    listing = client.get("/breve").get_data(as_text=True)
    assert REASON_DA["estate"] in listing
