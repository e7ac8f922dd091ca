"""Every reason of review has a way out, recorded with who and why (the station, in-process).

GIVEN a workspace with review letters of each reason (a printed CPR the register lacks, a
namesake at another address, a letter put off)
WHEN a clerk uses the station's own key for each
THEN the verdict follows the person's statement (never a leak by one key for a namesake),
the same action twice is no error, and the queue ends with the day's count.
"""

from __future__ import annotations

import base64
import zlib

import pytest
from web_fixtures import (
    ENROLLED_CPR,
    OWN_CVR,
    UNKNOWN_CPR,
    csrf_token,
    exported,
    form_version,
    make_workspace,
    review_letter,
)
from workspace_secret import TEST_SECRET

from postbakke.config import load_settings
from postbakke.models import RecipientBlock
from postbakke.people.filing import file_letters
from postbakke.privacy import Pseudonymiser
from postbakke.store import StoredFile
from postbakke.web.app import create_app

NAMESAKE = RecipientBlock(name="Jens Hansen", street="Bøgeparken 73", postcode="8370",
                          city="Hadsten")
AT_HOME = RecipientBlock(name="Karen Lund", street="Bakken 1", postcode="8382", city="Hinnerup")


@pytest.fixture
def station(workspace, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    store = make_workspace(workspace, letters=2)
    unknown = Pseudonymiser(TEST_SECRET).pseudonym(UNKNOWN_CPR)
    file_letters(store, StoredFile("h2", "dag.pdf", "Postrum", "2026-11-18", 3, "nu"), [
        review_letter(workspace, "h2", 1, reason="cpr_not_in_register", recipient_kind="cpr",
                      recipient_pseudonym=unknown, recipient_masked="050580-XXXX"),
        review_letter(workspace, "h2", 2, recipient_block=NAMESAKE),
        review_letter(workspace, "h2", 3, recipient_block=AT_HOME),
    ])
    app = create_app(load_settings())
    app.config["TESTING"] = False
    return app, store


def post(client, letter_id: int, **form: str):
    html = client.get(f"/gennemsyn/{letter_id}").get_data(as_text=True)
    return client.post(f"/gennemsyn/{letter_id}/afgoer", data={
        "csrf_token": csrf_token(html), "version": form_version(html), **form})


def test_a_printed_cpr_not_in_the_register_is_decided_by_the_clerks_look_up(
        station, workspace) -> None:
    app, store = station
    client = app.test_client()
    html = client.get("/gennemsyn/3").get_data(as_text=True)
    assert 'id="look-up"' in html and 'id="look-up" hidden' not in html
    assert "050580-XXXX" in html and "Tilmeldt ifølge opslag" in html
    answer = post(client, 3, action="looked_up", status="tilmeldt")
    assert answer.status_code == 303
    row = exported(workspace)[3]
    assert (row["verdict"], row["reason"], row["enrolment"]) == ("leak", "enrolled", "tilmeldt")
    letter = store.letters.get(3)
    assert "tilmeldt ifølge opslag i Digital Post" in letter.evidence
    assert "(lokal)s opslag" in letter.evidence  # whose statement it is
    logged = store.decisions.last_logged(letter_id=3)
    assert logged["actor"].endswith("(lokal)") and "opslag" in logged["note"]
    # undone and decided exempt instead
    client.post("/gennemsyn/fortryd", data={"csrf_token": csrf_token(html)})
    assert post(client, 3, action="looked_up", status="fritaget").status_code == 303
    assert (exported(workspace)[3]["verdict"], exported(workspace)[3]["reason"]) == (
        "legitimate", "exempt")


def test_typing_the_printed_number_says_it_is_not_in_the_register_and_offers_t_and_f(
        station, workspace) -> None:
    app, store = station
    client = app.test_client()
    answer = post(client, 3, action="cpr", number=f"{UNKNOWN_CPR[:6]}-{UNKNOWN_CPR[6:]}")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "står ikke i tilmeldingsregistret" in html and "tryk t" in html
    assert UNKNOWN_CPR[6:] not in html  # never the number in clear
    assert exported(workspace)[3]["verdict"] == "review"
    # the same on a letter without a printed number: t then uses the number typed
    answer = post(client, 1, action="cpr", number=UNKNOWN_CPR)
    assert 'id="look-up" hidden' not in answer.get_data(as_text=True)
    assert post(client, 1, action="looked_up", status="fritaget").status_code == 303
    row = exported(workspace)[1]
    assert (row["verdict"], row["reason"], row["recipient_masked"]) == (
        "legitimate", "exempt", "050580-XXXX")


def test_x_corrects_a_misread_number_and_records_why(station, workspace) -> None:
    app, store = station
    client = app.test_client()
    answer = post(client, 3, action="cpr", number=ENROLLED_CPR, correction="1")
    assert answer.status_code == 303
    assert (exported(workspace)[3]["verdict"], exported(workspace)[3]["recipient_masked"]) == (
        "leak", "010190-XXXX")
    assert "fejllæst" in store.decisions.last_logged(letter_id=3)["note"]


def test_a_namesake_at_another_address_needs_a_second_confirmation(station, workspace) -> None:
    app, store = station
    client = app.test_client()
    html = client.get("/gennemsyn/4").get_data(as_text=True)
    assert "anden adresse" in html and 'class="diff"' in html
    candidate = Pseudonymiser(TEST_SECRET).pseudonym(ENROLLED_CPR)
    asked = post(client, 4, action="pick", candidate=candidate)
    assert asked.status_code == 200  # asked again, nothing decided
    page = asked.get_data(as_text=True)
    assert "Anden adresse: er det samme person?" in page and 'name="confirm" value="1"' in page
    assert exported(workspace)[4]["verdict"] == "review"
    assert store.decisions.last_logged(letter_id=4) is None
    # confirmed the second time: decided, with why
    assert post(client, 4, action="pick", candidate=candidate, confirm="1").status_code == 303
    assert exported(workspace)[4]["verdict"] == "leak"
    assert "bekræftede" in store.decisions.last_logged(letter_id=4)["note"]


def test_a_candidate_at_the_printed_address_is_taken_at_once(station, workspace) -> None:
    app, _ = station
    client = app.test_client()
    candidate = Pseudonymiser(TEST_SECRET).pseudonym("0202852678")
    assert post(client, 5, action="pick", candidate=candidate).status_code == 303
    assert exported(workspace)[5]["reason"] == "exempt"


def test_the_same_decision_twice_by_the_same_person_is_no_error(station, workspace) -> None:
    app, store = station
    client = app.test_client()
    html = client.get("/gennemsyn/1").get_data(as_text=True)
    form = {"csrf_token": csrf_token(html), "version": form_version(html), "action": "none"}
    first = client.post("/gennemsyn/1/afgoer", data=form)
    again = client.post("/gennemsyn/1/afgoer", data=form)  # a second Enter
    assert (first.status_code, again.status_code) == (303, 303)
    assert len(store.decisions.log_of([1])) == 1
    postpone = {**form, "action": "postpone", "note": "spørg afsender"}
    html = client.get("/gennemsyn/2").get_data(as_text=True)
    postpone.update(csrf_token=csrf_token(html), version=form_version(html))
    assert client.post("/gennemsyn/2/afgoer", data=postpone).status_code == 303
    assert client.post("/gennemsyn/2/afgoer", data=postpone).status_code == 303
    # another decision on the stale form is still refused
    other = client.post("/gennemsyn/1/afgoer", data={**form, "action": "cpr",
                                                       "number": ENROLLED_CPR})
    assert other.status_code == 409 and "netop afgjort af" in other.get_data(as_text=True)
    assert "UTC" not in other.get_data(as_text=True)


def test_postponed_letters_leave_the_queue_for_their_list_and_the_queue_ends(
        station, workspace) -> None:
    app, store = station
    client = app.test_client()
    answer = post(client, 1, action="postpone", note="Spørg Anne om modtageren")
    assert answer.headers["Location"].endswith("/gennemsyn/2")
    page = client.get("/gennemsyn/2").get_data(as_text=True)
    assert "Brev 1 er udsat" in page and "Fortryd (z)" in page  # the confirmation
    assert "1 af 4" in page and "Udsat (1)" in page
    listed = client.get("/gennemsyn/udsat").get_data(as_text=True)
    assert "Spørg Anne om modtageren" in listed and "kl." in listed
    for letter_id, form in ((2, {"action": "none"}),
                            (3, {"action": "looked_up", "status": "fritaget"}),
                            (4, {"action": "none"}), (5, {"action": "none"})):
        assert post(client, letter_id, **form).status_code == 303
    end = client.get("/gennemsyn")
    assert end.status_code == 200
    text = end.get_data(as_text=True)
    assert "Ingen flere breve" in text and "afgjort 4 breve" in text and "1 brev er" in text
    # the postponed letter is still decided from its list
    assert post(client, 1, action="none").status_code == 303
    assert store.review.queue() == []


def test_a_long_note_is_refused_and_kept(station, workspace) -> None:
    app, store = station
    client = app.test_client()
    note = "Borgeren har bedt om papir. " * 30  # 840 characters
    answer = post(client, 1, action="justified", note=note)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "højst 500 tegn" in html and note.strip()[:100] in html
    assert 'id="form-justified-error"' in html
    assert store.decisions.last_logged(letter_id=1) is None


@pytest.mark.parametrize("typed", ["20.08.97-9076", "200897 9076", "2008979076"])
def test_a_cpr_written_with_dots_or_spaces_is_read_whole(station, workspace, typed) -> None:
    app, _ = station
    answer = post(app.test_client(), 1, action="cpr", number=typed)
    assert answer.status_code == 422  # not in the register: asked to look it up
    assert "200897-XXXX står ikke i tilmeldingsregistret" in answer.get_data(as_text=True)


def test_a_cpr_typed_in_a_note_is_not_in_the_session_cookie(station, workspace) -> None:
    app, _ = station
    client = app.test_client()
    answer = post(client, 1, action="postpone", note=f"spørg om {ENROLLED_CPR}")
    cookies = " ".join(answer.headers.getlist("Set-Cookie"))
    value = cookies.split("postbakke_session=")[1].split(";")[0]
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    text = zlib.decompress(raw).decode() if value.startswith(".") else raw.decode()
    assert "Brev 1 er udsat" in text  # the confirmation is there, read right
    assert ENROLLED_CPR not in text and ENROLLED_CPR[6:] not in text
