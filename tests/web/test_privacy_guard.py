"""CPR numbers masked where they are rendered; the station's last guard refuses, never
rewrites (issue 21 item 5).

GIVEN letters whose free-text fields (sender, file name, tray, a typed note, a filter)
      hold a CPR number, the report of a month, and random tokens
WHEN the station renders its pages, the report and its forms
THEN the number is masked at the source, the report's chart is byte for byte the CLI's
     file's, no token or pseudonym is altered, and a page that still holds a CPR is
     refused with the Danish 500 page and a log line -- never sent, never rewritten.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from digest_fixtures import prepare
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup
from web_fixtures import OWN_CVR, cpr_in_clear, csrf_token, make_workspace, review_letter

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.people.filing import file_letters
from postbakke.privacy import clear_cpr_count, mask_cpr_in_text, mask_rendered
from postbakke.store import StoredFile
from postbakke.web.app import create_app

SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
TOKENS = 100_000


def test_the_reports_chart_in_the_station_is_byte_identical_to_the_clis_file(
        workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    prepare(workspace)
    out = tmp_path / "rapporter"
    written = CliRunner().invoke(cli, ["report", "--week", "2026-W48", "--out", str(out)])
    assert written.exit_code == 0, written.output
    cli_file = (out / "rapport-2026-W48.html").read_text(encoding="utf-8")
    served = create_app(load_settings()).test_client().get("/rapport?uge=2026-W48")
    assert served.status_code == 200
    charts_cli, charts_web = SVG.findall(cli_file), SVG.findall(served.get_data(as_text=True))
    assert len(charts_cli) == 2 and charts_web == charts_cli
    assert "rotate(-90" in charts_web[1] or "rotate(-90" in charts_web[0]


def random_tokens(count: int) -> list[str]:
    """CSRF tokens as Flask-WTF makes them, URL-safe and hex tokens, and digit-heavy ones."""
    rng = random.Random(2026)
    signer = URLSafeTimedSerializer("k" * 32, salt="wtf-csrf-token")
    tokens = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            tokens.append(signer.dumps(secrets.token_hex(20)))
        elif kind == 1:
            tokens.append(secrets.token_urlsafe(rng.randint(16, 48)))
        elif kind == 2:
            tokens.append(secrets.token_hex(32))  # a pseudonym
        else:
            alphabet = string.digits * 6 + "-_." + string.ascii_letters
            tokens.append("".join(rng.choice(alphabet) for _ in range(rng.randint(20, 90))))
    return tokens


def test_a_hundred_thousand_random_tokens_pass_the_guard_unchanged() -> None:
    tokens = random_tokens(TOKENS)
    # rendered `|safe` (Markup), as the templates render tokens and pseudonyms: untouched
    assert all(mask_rendered(Markup(token)) == token for token in tokens)
    flagged = [t for t in tokens
               if clear_cpr_count(f'<input type="hidden" name="csrf_token" value="{t}">')]
    assert flagged == []
    # the old guard rewrote pages with the broad OCR mask: it altered such tokens
    assert sum(mask_cpr_in_text(t) != t for t in tokens[:10_000]) > 0
    # what the old rewriting guard broke: a chart's rotate() and a long decimal
    assert clear_cpr_count('<g transform="rotate(-90 14.038594 111.308)">') == 0
    assert clear_cpr_count("M 0101901234.5 12") == 0



@pytest.mark.parametrize("page", [
    "<td>010203-1234</td>", "010203-1234<br>", "Modtager: 010203 1234.", "0102031234</p>",
    "(010203-1234)", "010203\u20111234;", "CPR 010203-1234, Skovvej 4",
])
def test_the_guard_finds_a_cpr_in_clear_wherever_markup_ends_it(page: str) -> None:
    """A CPR a template forgot to mask is found whatever follows it (a tag, punctuation)."""
    assert clear_cpr_count(page) == 1


@pytest.fixture
def station(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", OWN_CVR)
    store = make_workspace(workspace)
    careless = review_letter(workspace, "h9", 1, source="0101901234 scannet.pdf",
                             sender="Sagsbehandler 010190-1234", tray="Bakke 0101901234",
                             ocr_text="Kære 010190 1234")
    file_letters(store, StoredFile("h9", "0101901234 scannet.pdf", "Bakke 0101901234",
                                   "2026-11-18", 1, "nu"), [careless])
    store.review.set_postponement(careless.key, "ring til 0101901234", "ole")
    app = create_app(load_settings())
    app.config["TESTING"] = False
    return app, store


def test_values_holding_a_cpr_are_masked_where_rendered_never_refused(station) -> None:
    app, _ = station
    client = app.test_client()
    pages = []
    for url in ("/gennemsyn/7", "/brev/7", "/breve", "/breve?afsender=010190-1234",
                "/bakker", "/afdelinger", "/opfoelgninger", "/rapport?uge=2026-W47"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        pages.append(answer.get_data(as_text=True))
    text = "\n".join(pages)
    assert cpr_in_clear(text, ["0101901234"]) == []
    assert "Sagsbehandler 010190-XXXX" in text and "010190-XXXX" in text


def test_the_forms_tokens_and_pseudonyms_are_never_altered(station) -> None:
    app, _ = station
    client = app.test_client()
    for _ in range(50):
        html = client.get("/gennemsyn/1").get_data(as_text=True)
        token = csrf_token(html)
        assert "XXXX" not in token
        answer = client.post("/opslag", data={"csrf_token": token, "kind": "cvr",
                                              "number": "12345678"})
        assert answer.status_code == 200  # the token worked as sent


def test_a_page_still_holding_a_cpr_is_refused_with_the_danish_500_and_logged(
        station, caplog) -> None:
    app, _ = station

    def forgetful() -> str:
        return "<!doctype html><p>Borgerens nummer er 010190-1234.</p>"

    app.view_functions["overview.trays"] = forgetful
    with caplog.at_level(logging.ERROR):
        answer = app.test_client().get("/bakker")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 500
    assert "Der skete en fejl" in html and 'href="/gennemsyn"' in html
    assert "010190" not in html and "XXXX" not in html
    assert "siden overview.trays blev ikke vist: 1 CPR-nummer i klar tekst" in caplog.text
    assert "010190" not in caplog.text
