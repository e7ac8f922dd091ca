"""Sending the weekly digests to a real SMTP server on localhost (aiosmtpd), not a mock.

GIVEN the known month with 5 departments and their recipients (digest_fixtures.py)
  and an SMTP server started by the test on a free port
WHEN `postbakke digest --week 2026-W48 --send` runs (or the library's run_digest)
THEN each department's e-mail arrives once, parsed back with the `email` package it
has both alternatives, the right headers and figures and no CPR number in clear;
temporary refusals are retried, permanent ones fail that department only, and a
crash followed by a re-run still delivers each digest exactly once.
"""

from __future__ import annotations

import email
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from email.policy import default as default_policy
from pathlib import Path

import pytest
from digest_fixtures import (
    ADDRESSES,
    CPR_IN_CLEAR,
    LEAKS,
    SUBJECTS,
    TREND,
    W48,
    WEEK,
    prepare,
    settings_toml,
)
from html_tables import rows_of
from smtp_server import Recorder, free_port, make_certificate, start_server
from workspace_secret import TEST_SECRET

from postbakke.config import load_settings
from postbakke.outputs.sending import Delivery, MailServerError, SmtpSender, run_digest
from postbakke.store import DigestStatus, Store

ALL_ADDRESSES = [
    "jobcenter@favrskov.dk", "tm@favrskov.dk", "aase.leder@favrskov.dk", "bof@favrskov.dk",
    "borgerservice@favrskov.dk", "sos@favrskov.dk",
]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(recorder):
    controller = start_server(recorder)
    yield controller
    controller.stop()


def plain_smtp(port: int) -> dict[str, object]:
    return {"host": "127.0.0.1", "port": port, "security": "none"}


@pytest.fixture
def store(workspace: Path, server) -> Store:
    return prepare(workspace, settings_toml(plain_smtp(server.port)))


def department_of(received) -> str:
    return received.message["Subject"].split(" – ")[1].split(":")[0]


def by_department(recorder: Recorder) -> Counter:
    return Counter(department_of(r) for r in recorder.received)


def lines_of(text: str) -> str:
    return text.replace("\r\n", "\n")


def test_five_departments_get_five_correct_emails(run, store, recorder, workspace):
    result = run("digest", "--week", WEEK, "--send")
    assert result.exit_code == 0, result.output
    assert len(recorder.received) == 5
    assert by_department(recorder) == Counter({name: 1 for name in ADDRESSES})
    for received in recorder.received:
        department = department_of(received)
        message = received.message
        # envelope and headers
        assert received.mail_from == "postbakke@favrskov.dk"
        assert sorted(a.lower() for a in received.rcpt_tos) == sorted(
            email.utils.parseaddr(a)[1] for a in ADDRESSES[department])
        assert message["Subject"] == SUBJECTS[department]
        assert message["From"] == "Postbakken – Favrskov Kommune <postbakke@favrskov.dk>"
        assert [a.addr_spec for a in message["To"].addresses] == [
            email.utils.parseaddr(a)[1] for a in ADDRESSES[department]]
        assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
        assert re.fullmatch(r"<[^<>@\s]+@favrskov\.dk>", message["Message-ID"])
        # encodings: 7-bit on the wire, UTF-8 quoted-printable parts, RFC 2047 subject
        assert received.data.isascii()
        assert re.search(rb"^Subject: .*=\?utf-8\?[bq]\?", received.data, re.MULTILINE)
        assert message.get_content_type() == "multipart/alternative"
        plain, html = message.get_body(("plain",)), message.get_body(("html",))
        for part in (plain, html):
            assert part.get_content_charset() == "utf-8"
            assert part["Content-Transfer-Encoding"] == "quoted-printable"
        text, markup = lines_of(plain.get_content()), html.get_content()
        # figures, in both alternatives, against the hand count
        paper, leaks, justified, legitimate, review, _window, share = W48[department]
        assert re.search(rf"Papirbreve i udbakken:\s+{paper}\n", text), department
        assert re.search(rf"Kunne være sendt digitalt:\s+{leaks}\n", text), department
        assert re.search(rf"Papir var begrundet \(aftalt\):\s+{justified}\n", text)
        assert re.search(rf"Papir var det rigtige \(fx fritaget\):\s+{legitimate}\n", text)
        assert re.search(rf"Venter på en afgørelse:\s+{review}\n", text)
        figures = {k: v for r in rows_of(markup, id="tal") for k, v in r.fields.items()}
        assert figures == {"paper": str(paper), "leaks": str(leaks),
                           "justified": str(justified), "legitimate": str(legitimate),
                           "review": str(review), "digital_share": share}, department
        trend = [(int(r.fields["paper"]), int(r.fields["leaks"]), r.fields["digital_share"])
                 for r in rows_of(markup, id="uger")]
        assert tuple(trend) == TREND[department], department
        senders = {r.table["data-sender"] for r in rows_of(markup, **{"class": "laekbreve"})}
        assert senders == set(LEAKS[department]), department
        for sender, kinds in LEAKS[department].items():
            assert f"{sender} ({len(kinds)}):" in text
        # never a CPR number in clear, anywhere
        assert not CPR_IN_CLEAR.search(received.data.decode("ascii"))
        assert not CPR_IN_CLEAR.search(text) and not CPR_IN_CLEAR.search(markup)
    lines = result.output.splitlines()
    assert lines[0] == ("Borgerservice: sendt til borgerservice@favrskov.dk: ingen læk")
    assert lines[4] == ("Teknik og Miljø: sendt til tm@favrskov.dk, Åse Leder "
                        "<aase.leder@favrskov.dk>: ingen læk, men CPR-nummer i ruden")
    sends = store.digests.sends(WEEK)
    assert len(sends) == 6 and all(s.status is DigestStatus.SENT and s.attempts == 1
                                   for s in sends)


def test_a_second_send_sends_nothing_and_resend_forces(run, store, recorder):
    assert run("digest", "--week", WEEK, "--send").exit_code == 0
    again = run("digest", "--week", WEEK, "--send")
    assert again.exit_code == 0
    assert len(recorder.received) == 5
    assert all("allerede sendt" in line and "--resend" in line
               for line in again.output.splitlines()), again.output
    forced = run("digest", "--week", WEEK, "--send", "--resend", "--department", "Jobcenter")
    assert forced.exit_code == 0, forced.output
    assert by_department(recorder)["Jobcenter"] == 2 and len(recorder.received) == 6


def test_dry_run_eml_files_hold_what_is_sent(run, store, recorder, tmp_path):
    outbox = tmp_path / "udbakke"
    assert run("digest", "--week", WEEK, "--outbox", str(outbox)).exit_code == 0
    assert run("digest", "--week", WEEK, "--send").exit_code == 0
    sent = {department_of(r): r.message for r in recorder.received}
    assert len(list(outbox.iterdir())) == len(sent) == 5
    for path in outbox.iterdir():
        draft = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        message = sent[draft["Subject"].split(" – ")[1].split(":")[0]]
        for header in ("Subject", "From", "To", "Auto-Submitted", "Content-Language"):
            assert draft[header] == message[header], header
        for kind in ("plain", "html"):
            assert draft.get_body((kind,)).get_content() == message.get_body(
                (kind,)).get_content()


def test_a_temporary_refusal_is_retried_after_a_backoff(store, recorder, workspace):
    recorder.rcpt_answers["jobcenter@favrskov.dk"] = ["451 4.7.1 Greylisted, try again later"]
    waits: list[float] = []
    outcomes = list(run_digest(store, load_settings(), week=WEEK, send=True,
                               sleep=waits.append, delays=(0.5, 1.0)))
    assert waits == [0.5]
    jobcenter = next(o for o in outcomes if o.department == "Jobcenter")
    assert jobcenter.delivery is Delivery.SENT and jobcenter.attempts == 2
    assert jobcenter.line.endswith("(efter 2 forsøg)")
    assert len(recorder.to("jobcenter@favrskov.dk")) == 1
    assert len(recorder.received) == 5
    [log] = store.digests.sends(WEEK, "Jobcenter")
    assert (log.status, log.attempts) == (DigestStatus.SENT, 2)


def test_temporary_refusals_that_last_fail_the_department_only(store, recorder):
    recorder.rcpt_answers["sos@favrskov.dk"] = ["452 4.3.1 Insufficient system storage"] * 3
    waits: list[float] = []
    outcomes = {o.department: o for o in run_digest(
        store, load_settings(), week=WEEK, send=True, sleep=waits.append, delays=(0.1, 0.2))}
    assert waits == [0.1, 0.2]
    sos = outcomes["Social og Sundhed"]
    assert sos.failed and "Prøv igen senere" in sos.line and "452 4.3.1" in sos.line
    assert sum(o.failed for o in outcomes.values()) == 1
    assert len(recorder.received) == 4


def test_a_permanent_refusal_fails_that_department_and_the_others_are_sent(
        run, store, recorder, workspace):
    recorder.rcpt_answers["aase.leder@favrskov.dk"] = ["550 5.1.1 User unknown"]
    result = run("digest", "--week", WEEK, "--send")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Teknik og Miljø: IKKE sendt: aase.leder@favrskov.dk: 550 5.1.1 User unknown. Sendt til "
        "tm@favrskov.dk. Tjek adressen i postbakke.toml, og kør 'postbakke digest --send' igen: "
        "kun det manglende sendes.",
        "1 ugebrev blev ikke sendt.",
    ]
    assert len(result.stdout.splitlines()) == 4
    assert len(recorder.received) == 5  # Teknik og Miljø's went to tm@ alone
    assert recorder.to("tm@favrskov.dk")[0].rcpt_tos == ["tm@favrskov.dk"]
    # the address fixed: the re-run sends to it alone, nothing else twice
    fixed = settings_toml(plain_smtp(load_settings().smtp.port)).replace(
        "aase.leder@favrskov.dk", "aase@favrskov.dk")
    (workspace / "postbakke.toml").write_text(fixed, encoding="utf-8")
    again = run("digest", "--week", WEEK, "--send")
    assert again.exit_code == 0, again.output
    assert len(recorder.received) == 6
    assert recorder.received[-1].rcpt_tos == ["aase@favrskov.dk"]
    assert by_department(recorder)["Teknik og Miljø"] == 2  # one message per recipient
    assert Counter(a for r in recorder.received for a in r.rcpt_tos)["tm@favrskov.dk"] == 1


class CrashOnSecond:
    """A transport that dies (like Ctrl-C) before handing over the second department's."""

    def __init__(self, real: SmtpSender) -> None:
        self.real, self.calls = real, 0

    def send(self, message, from_addr, to_addrs):
        self.calls += 1
        if self.calls == 2:
            raise KeyboardInterrupt
        return self.real.send(message, from_addr, to_addrs)

    def close(self) -> None:
        self.real.close()


def test_a_crash_between_departments_then_a_rerun_sends_each_exactly_once(store, recorder):
    settings = load_settings()
    transport = CrashOnSecond(SmtpSender(settings.smtp, None))
    seen = []
    with pytest.raises(KeyboardInterrupt):
        for outcome in run_digest(store, settings, week=WEEK, send=True, transport=transport):
            seen.append(outcome.department)
    transport.close()
    assert seen == ["Borgerservice"] and len(recorder.received) == 1
    outcomes = list(run_digest(store, settings, week=WEEK, send=True))
    assert [o.delivery for o in outcomes] == [Delivery.ALREADY_SENT] + [Delivery.SENT] * 4
    assert by_department(recorder) == Counter({name: 1 for name in ADDRESSES})
    assert Counter(a for r in recorder.received for a in r.rcpt_tos) == Counter(
        {a: 1 for a in ALL_ADDRESSES})


def test_a_killed_process_then_a_rerun_sends_each_exactly_once(store, recorder, workspace):
    """SIGKILL while the server holds the third department's message: the log says
    'sending' for it; the re-run sends it (with the same Message-ID) and the rest."""
    victim: dict[str, subprocess.Popen] = {}
    data_calls = []

    def kill_on_third(envelope):
        data_calls.append(envelope)
        if len(data_calls) == 3:
            os.kill(victim["process"].pid, signal.SIGKILL)
            victim["process"].wait(timeout=30)
            return "451 4.3.0 Connection lost"  # never recorded as received
        return None

    recorder.on_data = kill_on_third
    env = {**os.environ, "POSTBAKKE_HOME": str(workspace), "POSTBAKKE_SECRET": TEST_SECRET}
    victim["process"] = subprocess.Popen(
        [sys.executable, "-m", "postbakke", "digest", "--week", WEEK, "--send"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = victim["process"].communicate(timeout=120)
    assert victim["process"].returncode == -signal.SIGKILL, err
    assert len(recorder.received) == 2
    pending = [s for s in store.digests.sends(WEEK) if s.status is DigestStatus.SENDING]
    assert [s.department for s in pending] == ["Jobcenter"]
    message_id = pending[0].message_id
    recorder.on_data = None
    rerun = subprocess.run(
        [sys.executable, "-m", "postbakke", "digest", "--week", WEEK, "--send"], env=env,
        capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert [line.split(":")[0] for line in rerun.stdout.splitlines()
            if "allerede sendt" in line] == ["Borgerservice", "Børn og Familie"]
    assert by_department(recorder) == Counter({name: 1 for name in ADDRESSES})
    assert recorder.to("jobcenter@favrskov.dk")[0].message["Message-ID"] == message_id
    assert all(s.status is DigestStatus.SENT for s in store.digests.sends(WEEK))


def test_an_unreachable_server_stops_the_run_with_one_line(store, workspace):
    port = free_port()  # nothing listens there
    (workspace / "postbakke.toml").write_text(settings_toml(plain_smtp(port)), encoding="utf-8")
    outcomes = []
    with pytest.raises(MailServerError, match=rf"127\.0\.0\.1:{port} kunne ikke nås efter 3 "
                                              "forsøg; de øvrige afdelinger er ikke forsøgt"):
        for outcome in run_digest(store, load_settings(), week=WEEK, send=True,
                                  sleep=lambda s: None, delays=(0, 0)):
            outcomes.append(outcome)
    assert [o.department for o in outcomes] == ["Borgerservice"] and outcomes[0].failed
    assert all(s.status is DigestStatus.FAILED for s in store.digests.sends(WEEK))


# --------------------------------------------------------------------------- STARTTLS


@pytest.fixture
def certificate(tmp_path):
    return make_certificate(tmp_path / "tls")


@pytest.fixture
def tls_server(recorder, certificate):
    controller = start_server(recorder, tls=certificate, login=("postbakke", "hemmelig-kode"))
    yield controller
    controller.stop()


def tls_settings(port: int, ca_file: Path | None) -> dict[str, object]:
    smtp: dict[str, object] = {"host": "localhost", "port": port, "security": "starttls",
                               "user": "postbakke"}
    if ca_file is not None:
        smtp["ca_file"] = str(ca_file)
    return smtp


def test_starttls_against_a_self_signed_certificate_trusted_by_ca_file(
        run, workspace, recorder, tls_server, certificate, monkeypatch):
    prepare(workspace, settings_toml(tls_settings(tls_server.port, certificate[0])))
    monkeypatch.setenv("POSTBAKKE_SMTP_PASSWORD", "hemmelig-kode")
    result = run("digest", "--week", WEEK, "--send")
    assert result.exit_code == 0, result.output
    assert len(recorder.received) == 5
    assert all(r.tls for r in recorder.received)  # every message went over STARTTLS
    assert by_department(recorder) == Counter({name: 1 for name in ADDRESSES})


def test_starttls_without_the_ca_file_refuses_the_certificate(
        run, workspace, recorder, tls_server, monkeypatch):
    prepare(workspace, settings_toml(tls_settings(tls_server.port, None)))
    monkeypatch.setenv("POSTBAKKE_SMTP_PASSWORD", "hemmelig-kode")
    result = run("digest", "--week", WEEK, "--send")
    assert result.exit_code == 15
    assert result.output.count("\n") == 1
    assert "serverens certifikat kunne ikke godkendes" in result.output
    assert "[smtp] ca_file" in result.output
    assert recorder.received == []


def test_a_wrong_password_is_one_line_and_nothing_is_sent(
        run, workspace, recorder, tls_server, certificate, monkeypatch):
    prepare(workspace, settings_toml(tls_settings(tls_server.port, certificate[0])))
    monkeypatch.setenv("POSTBAKKE_SMTP_PASSWORD", "forkert")
    result = run("digest", "--week", WEEK, "--send")
    assert result.exit_code == 15
    assert "afviste login (535" in result.output
    assert "POSTBAKKE_SMTP_PASSWORD" in result.output
    assert recorder.received == []


def test_a_user_without_the_password_variable_is_refused_before_connecting(
        run, workspace, recorder, tls_server, certificate, monkeypatch):
    prepare(workspace, settings_toml(tls_settings(tls_server.port, certificate[0])))
    monkeypatch.delenv("POSTBAKKE_SMTP_PASSWORD", raising=False)
    result = run("digest", "--week", WEEK, "--send")
    assert result.exit_code == 5
    assert "POSTBAKKE_SMTP_PASSWORD er ikke sat" in result.output
    # a dry run needs no password
    assert run("digest", "--week", WEEK, "--outbox", str(workspace / "ud")).exit_code == 0
