"""The weekly digest's content: figures against a hand count, the e-mail's form, --dry-run.

GIVEN the known month (month_letters.py) with 5 departments and their recipients
WHEN the digest for week 2026-W48 is built, rendered or written to the outbox
THEN each department's figures, trend and leak letters match the hand count in
digest_fixtures.py and the project leader's report, the e-mail is a proper
multipart/alternative UTF-8 message in Danish, and no CPR number is in clear.
(Sending over SMTP: test_digest_smtp.py.)
"""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from email.policy import default as default_policy
from pathlib import Path

import pytest
from chromium import dump_dom, needs_chromium, no_network_errors, screenshot
from digest_fixtures import (
    ADDRESSES,
    CONTACT,
    CPR_IN_CLEAR,
    FIGURE_FIELDS,
    LEAKS,
    SUBJECTS,
    TREND,
    W48,
    WEEK,
    prepare,
    settings_toml,
)
from html_tables import rows_of, tags

from postbakke.config import load_settings
from postbakke.outputs.digest import (
    DigestError,
    Mailing,
    build_digests,
    build_message,
    default_week,
    load_digests,
    message_bytes,
    render_html,
    render_text,
)
from postbakke.outputs.digital import IsoWeek
from postbakke.outputs.figures import Period, ReportLetter
from postbakke.outputs.report import load_report
from postbakke.outputs.sending import Delivery, write_outbox
from postbakke.people.filing import file_letters
from postbakke.store import LetterRecord, Store, StoredFile

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


@pytest.fixture
def store(workspace: Path) -> Store:
    return prepare(workspace)


@pytest.fixture
def settings(store, workspace):
    return load_settings()


@pytest.fixture
def digests(store, settings):
    return {d.department: d for d in load_digests(store, settings, IsoWeek.parse(WEEK))}


@pytest.fixture
def mailing(settings) -> Mailing:
    return Mailing.of(settings)


def test_each_department_gets_its_figures_from_the_hand_count(digests):
    assert list(digests) == sorted(ADDRESSES)
    for name, expected in W48.items():
        f = digests[name].figures
        got = tuple(getattr(f, field) for field in FIGURE_FIELDS)
        assert got == expected[:6], name
        assert (f.digital_share is None and expected[6] == "–") or (
            f"{f.digital_share * 100:.1f}".replace(".", ",") + " %" == expected[6]), name
        assert digests[name].recipients == tuple(ADDRESSES[name])


def test_the_trend_shows_the_last_four_weeks_per_department(digests):
    for name, weeks in TREND.items():
        trend = digests[name].trend
        assert [w.label for w in trend] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
        got = tuple((w.paper, w.leaks, _pct(w.digital_share)) for w in trend)
        assert got == weeks, name


def _pct(share: float | None) -> str:
    from postbakke.outputs.wording import percent_da

    return percent_da(share)


def test_digest_and_report_never_disagree(store, settings):
    """Every department's week in the digest is its row in the report for that week."""
    for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        iso = IsoWeek.parse(week)
        report = load_report(store, Period.week(iso), "Favrskov Kommune", NOW)
        rows = {r.label: r for r in report.departments}
        for digest in load_digests(store, settings, iso):
            assert replace(digest.figures, label="x") == replace(rows[digest.department],
                                                                 label="x"), (week, digest)


def test_leak_letters_grouped_by_sender_with_kind_masked_recipient_and_reason(digests):
    for name, senders in LEAKS.items():
        groups = digests[name].senders
        assert {g.sender: [x.kind for x in g.letters] for g in groups} == senders, name
        for group in groups:
            for line in group.letters:
                assert re.fullmatch(r"\d{6}-XXXX", line.recipient_masked)
                assert line.reason == "enrolled"
                assert line.scanned_on == date(2026, 11, 25)


def test_rendered_parts_carry_the_figures_and_coaching(digests, mailing):
    text = render_text(digests["Social og Sundhed"], mailing)
    assert text.startswith("Kære kolleger i Social og Sundhed\n")
    assert re.search(r"Kunne være sendt digitalt:\s+2\n", text)
    assert "Digital andel: kan ikke beregnes for ugen" in text
    assert "Finn Gram (2):" in text and "Afgørelse om hjemmehjælp" in text
    assert "SÅDAN KAN DE GÅ DIGITALT NÆSTE GANG" in text
    assert CONTACT in text
    assert "Virksomheder skal altid" not in text  # no company among the week's leaks
    html = render_html(digests["Børn og Familie"], mailing)
    figures = {k: v for r in rows_of(html, id="tal") for k, v in r.fields.items()}
    assert figures == {"paper": "1", "leaks": "1", "justified": "0", "legitimate": "0",
                       "review": "0", "digital_share": "83,3 %"}
    assert "color:#b36b00" in html  # under the goal
    assert [r.cells[1] for r in rows_of(html, data_sender="Dorte Eg")] == [
        "Afgørelse om økonomisk friplads"]
    assert "Jens Hansen" not in html  # the subject's name is not the kind


def test_weeks_read_as_people_say_them_in_both_parts(digests, mailing):
    """The trend's weeks are "uge 45 2026" in the text and the HTML a department reads."""
    import re

    digest = digests["Social og Sundhed"]
    text = render_text(digest, mailing)
    visible = re.sub(r"<[^>]+>", " ", render_html(digest, mailing))
    for part in (text, visible):
        assert not re.search(r"\b\d{4}-W\d{2}\b", part)
        assert "uge 48 2026" in part and "uge 45 2026" in part


def test_positive_note_for_a_department_without_leaks(digests, mailing):
    digest = digests["Borgerservice"]
    assert digest.is_positive
    text = render_text(digest, mailing)
    assert "Tak! Ingen af de breve" in text
    assert "BREVENE, DER KUNNE VÆRE SENDT" not in text
    # a CPR number in the window is something to act on: not a positive note
    assert not digests["Teknik og Miljø"].is_positive
    assert "CPR-loven (§ 54)" in render_text(digests["Teknik og Miljø"], mailing)


def test_several_colleagues_sending_one_kind_points_at_the_template(mailing):
    def letter(n: int, sender: str) -> ReportLetter:
        return ReportLetter(n, date(2026, 11, 25), "Jobcenter", sender, "250160-XXXX",
                            f"Indkaldelse til samtale, sagsnr. 2026-{n:04d}", "leak", "enrolled")

    letters = [letter(1, "Anne Holm"), letter(2, "Anne Holm"), letter(3, "Bo Berg")]
    [digest] = build_digests(letters, [], IsoWeek.parse(WEEK), {"Jobcenter": ("jc@x.dk",)})
    assert [(t.kind, t.leaks, t.senders) for t in digest.templates] == [
        ("Indkaldelse til samtale", 3, 2)]
    assert "skabelonen i fagsystemet" in render_text(digest, mailing)
    assert [g.sender for g in digest.senders] == ["Anne Holm", "Bo Berg"]


def test_the_message_is_multipart_alternative_utf8_with_proper_headers(digests, mailing):
    message = build_message(digests["Teknik og Miljø"], mailing, NOW)
    raw = message_bytes(message)
    assert raw.isascii()  # quoted-printable bodies, RFC 2047 encoded headers
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert re.search(rb"^Subject: .*=\?utf-8\?[bq]\?", raw, re.MULTILINE)
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed["Subject"] == SUBJECTS["Teknik og Miljø"]
    assert parsed["From"] == "Postbakken – Favrskov Kommune <postbakke@favrskov.dk>"
    assert [a.addr_spec for a in parsed["To"].addresses] == [
        "tm@favrskov.dk", "aase.leder@favrskov.dk"]
    assert parsed["To"].addresses[1].display_name == "Åse Leder"
    assert email.utils.parsedate_to_datetime(parsed["Date"]) == NOW
    assert re.fullmatch(r"<[^<>@\s]+@favrskov\.dk>", parsed["Message-ID"])
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "multipart/alternative"
    parts = [p for p in parsed.iter_parts()]
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert "Kære kolleger i Teknik og Miljø" in parts[0].get_content()
    assert '<html lang="da">' in parts[1].get_content()


def test_the_html_part_has_no_external_resource(digests, mailing):
    html = render_html(digests["Jobcenter"], mailing)
    for tag, attrs in tags(html):
        assert tag not in ("link", "script", "img", "iframe", "style"), tag
        assert "src" not in attrs and "href" not in attrs
    assert not re.search(r"https?://", html)


def test_no_cpr_in_clear_even_if_a_stored_subject_had_one(store, settings, mailing):
    """Defence in depth: a subject is shown as its kind, never as written."""
    file_letters(
        store,
        StoredFile("x", "x.pdf", "Jobcenter", "2026-11-26", 1, "2026-11-26T08:00:00+00:00"),
        [LetterRecord(
            file_hash="x", source="x.pdf", pages=[1], tray="Jobcenter", scanned_on="2026-11-26",
            recipient_kind="cpr", recipient_pseudonym="ab" * 32, recipient_masked="010203-XXXX",
            match="id", enrolment="tilmeldt", department="Jobcenter", sender="Bo Berg",
            verdict="leak", reason="enrolled", window_cpr=False,
            subject="Partshøring vedr. cpr.nr. 010203-1234 og 0102031234")])
    digests = load_digests(store, settings, IsoWeek.parse(WEEK))
    for digest in digests:
        raw = message_bytes(build_message(digest, mailing, NOW))
        parsed = email.message_from_bytes(raw, policy=default_policy)
        for text in (raw.decode("ascii"), parsed["Subject"],
                     *(p.get_content() for p in parsed.iter_parts())):
            assert not CPR_IN_CLEAR.search(text), digest.department
    jobcenter = next(d for d in digests if d.department == "Jobcenter")
    assert "Partshøring" in render_text(jobcenter, mailing)


def test_a_cpr_in_a_value_is_masked_where_rendered_and_the_last_check_refuses_the_rest(
        digests, mailing):
    careless = replace(mailing, contact="Mette Skov (010203-1234)")
    build_message(digests["Jobcenter"], careless, NOW)  # the templates mask it (issue 21)
    assert "Mette Skov (010203-XXXX)" in render_text(digests["Jobcenter"], careless)
    # the subject is no template's: the last check still refuses it
    odd = replace(digests["Jobcenter"], department="Jobcenter 010203-1234")
    with pytest.raises(DigestError, match="CPR-nummer i klar tekst"):
        build_message(odd, mailing, NOW)


def test_default_week_is_the_last_whole_week():
    assert default_week(date(2026, 11, 30)) == IsoWeek(2026, 48)  # a Monday
    assert default_week(date(2027, 1, 4)) == IsoWeek(2026, 53)


# --------------------------------------------------------------------------- --dry-run


def test_dry_run_writes_one_eml_per_department_and_sends_nothing(run, store, tmp_path):
    outbox = tmp_path / "udbakke"
    result = run("digest", "--week", WEEK, "--dry-run", "--outbox", str(outbox))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in outbox.iterdir())
    assert files == [
        "2026-W48-boern-og-familie.eml", "2026-W48-borgerservice.eml", "2026-W48-jobcenter.eml",
        "2026-W48-social-og-sundhed.eml", "2026-W48-teknik-og-miljoe.eml"]
    lines = result.output.splitlines()
    assert len(lines) == 5
    assert lines[2] == (f"Jobcenter: ugebrev skrevet til {outbox / '2026-W48-jobcenter.eml'}: "
                        "1 brev kunne være sendt digitalt, til jobcenter@favrskov.dk")
    for path in outbox.iterdir():
        parsed = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        department = parsed["Subject"].split(" – ")[1].split(":")[0]
        assert parsed["Subject"] == SUBJECTS[department]
        # CRLF line ends on the wire and in the file; a mail client shows lines
        assert parsed.get_body(("plain",)).get_content().startswith(
            f"Kære kolleger i {department}\r\n\r\n")
        assert parsed.get_body(("html",)) is not None
    assert store.digests.sends(WEEK) == []


def test_dry_run_is_the_default_and_writes_under_the_workspaces_reports_outbox(
        run, store, workspace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # never the folder the command runs in (issue 21)
    result = run("digest", "--week", WEEK, "--department", "teknik og miljø")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (workspace / "reports" / "outbox").iterdir()] == [
        "2026-W48-teknik-og-miljoe.eml"]
    assert not (tmp_path / "reports").exists()
    assert result.output.startswith(
        f"Teknik og Miljø: ugebrev skrevet til {workspace}/reports/outbox/")


def test_positive_notes_can_be_switched_off(store, workspace, tmp_path):
    (workspace / "postbakke.toml").write_text(settings_toml(send_when_no_leaks=False),
                                              encoding="utf-8")
    settings = load_settings()
    outcomes = list(write_outbox(load_digests(store, settings, IsoWeek.parse(WEEK)),
                                 Mailing.of(settings), tmp_path / "ud"))
    skipped = [o.department for o in outcomes if o.delivery is Delivery.SKIPPED]
    assert skipped == ["Borgerservice"]  # Teknik og Miljø still hears of the CPR in the window
    assert len(list((tmp_path / "ud").iterdir())) == 4


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--week", WEEK, "--resend"), 2, "--resend virker kun sammen med --send"),
        (("--week", WEEK, "--send", "--dry-run"), 2, "vælg enten --dry-run eller --send"),
        (("--week", "2026-48"), 2, "ugyldig uge '2026-48'"),
        (("--week", WEEK, "--department", "Kultur"), 2,
         "afdelingen 'Kultur' har ingen modtagere i [digest.departments]"),
        (("--week", "2026-W40"), 2, "der er ikke scannet nogen breve i uge 40 2026"),
    ],
)
def test_bad_digest_arguments_are_one_danish_line(run, store, args, code, message):
    result = run("digest", *args)
    assert result.exit_code == code, result.output
    assert result.output.startswith("Fejl: ") and result.output.count("\n") == 1
    assert message in result.output


def test_digest_without_digest_settings_says_how_to_set_it_up(run, workspace):
    workspace.mkdir(parents=True, exist_ok=True)
    result = run("digest", "--week", WEEK)
    assert result.exit_code == 5
    assert "ugebrevene er ikke sat op: tilføj [digest] og [smtp]" in result.output


def test_digest_with_a_bad_address_points_at_config_check(run, store, workspace):
    text = settings_toml().replace("sos@favrskov.dk", "sos@favrskov")
    (workspace / "postbakke.toml").write_text(text, encoding="utf-8")
    result = run("digest", "--week", WEEK)
    assert result.exit_code == 5
    assert re.fullmatch(
        r"Fejl: .*postbakke\.toml:14: afdelingen 'Social og Sundhed': 'sos@favrskov' er ikke en "
        r"gyldig e-mailadresse; kør 'postbakke config check'\n", result.output)


# --------------------------------------------------------------------------- real browser


@needs_chromium
def test_the_html_part_renders_in_headless_chromium(digests, mailing, tmp_path):
    from PIL import Image

    parsed = email.message_from_bytes(
        message_bytes(build_message(digests["Social og Sundhed"], mailing, NOW)),
        policy=default_policy)
    page = tmp_path / "ugebrev.html"
    page.write_text(parsed.get_body(("html",)).get_content(), encoding="utf-8")
    png = tmp_path / "ugebrev.png"
    shot = screenshot(page, png, tmp_path / "profil", size=(800, 1400))
    assert png.exists(), shot.stderr[-2000:]
    image = Image.open(png).convert("L")
    histogram = image.histogram()
    assert sum(histogram[:128]) > 2000, "the screenshot is blank"
    assert max(histogram) < image.size[0] * image.size[1] * 0.98
    dom = dump_dom(page, tmp_path / "profil")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-department="Social og Sundhed"' in dom.stdout
    assert 'data-sender="Finn Gram"' in dom.stdout
    no_network_errors(shot.stderr, dom.stderr)
