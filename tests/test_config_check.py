"""The digest's settings in postbakke.toml and `postbakke config check`.

GIVEN a postbakke.toml with [digest] and [smtp] (and a staff directory)
WHEN the settings are loaded or checked
THEN good settings come through as typed values, and every problem is one Danish
line with the file and line at fault: errors stop digests, warnings do not, and
nothing in [digest] ever stops a scan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from postbakke.config import ConfigProblem, Severity, address_of, load_settings
from postbakke.models import StaffMember
from postbakke.settings.file import DEFAULT_SMTP_TIMEOUT_S
from postbakke.store import Store

GOOD = """\
[municipality]
name = "Favrskov Kommune"
cvr = ["29189714"]
[digest]
sender = "Postbakken – Favrskov Kommune <postbakke@favrskov.dk>"
contact = "Mette Skov, projektleder, tlf. 89 64 12 34, mesk@favrskov.dk"
send_when_no_leaks = false

[digest.departments]
Jobcenter = "jobcenter@favrskov.dk"
"Teknik og Miljø" = ["tm@favrskov.dk", "Åse Leder <aase.leder@favrskov.dk>"]

[digest.departments."Børn og Familie"]
to = ["bof@favrskov.dk"]

[smtp]
host = "smtp.favrskov.dk"
security = "ssl"
user = "postbakke"
"""


def write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "postbakke.toml"
    path.write_text(text, encoding="utf-8")
    return path


def settings_of(home: Path, text: str, **env: str):
    write(home, text)
    return load_settings({"POSTBAKKE_HOME": str(home), **env})


def test_good_digest_settings_come_through_typed(tmp_path):
    settings = settings_of(tmp_path, GOOD, POSTBAKKE_SMTP_PASSWORD="hemmelig")
    digest = settings.digest
    assert settings.problems == ()
    assert digest.sender == "Postbakken – Favrskov Kommune <postbakke@favrskov.dk>"
    assert digest.contact.startswith("Mette Skov")
    assert digest.send_when_no_leaks is False
    assert dict(digest.departments) == {
        "Jobcenter": ("jobcenter@favrskov.dk",),
        "Teknik og Miljø": ("tm@favrskov.dk", "Åse Leder <aase.leder@favrskov.dk>"),
        "Børn og Familie": ("bof@favrskov.dk",),
    }
    assert digest.recipients("teknik og miljø") == digest.departments["Teknik og Miljø"]
    smtp = settings.smtp
    assert (smtp.host, smtp.port, smtp.security, smtp.user) == (
        "smtp.favrskov.dk", 465, "ssl", "postbakke")  # port follows security
    assert smtp.timeout_s == DEFAULT_SMTP_TIMEOUT_S
    assert settings.smtp_password == "hemmelig"
    assert "hemmelig" not in repr(settings)


def test_no_digest_section_means_no_problems_and_defaults(tmp_path):
    settings = settings_of(tmp_path, '[municipality]\nname = "Favrskov Kommune"\n')
    assert settings.problems == ()
    assert settings.digest.sender is None and not settings.digest.departments


# (what to change in GOOD, severity, the line it points at, words in the message)
PROBLEMS = [
    ('sender = "Postbakken – Favrskov Kommune <postbakke@favrskov.dk>"\n', "",
     Severity.ERROR, 4, "[digest] mangler sender"),
    ('Jobcenter = "jobcenter@favrskov.dk"', 'Jobcenter = "jobcenter@favrskov"',
     Severity.ERROR, 10, "'jobcenter@favrskov' er ikke en gyldig e-mailadresse"),
    ('"tm@favrskov.dk", ', '"tm@favrskov.dk bof@favrskov.dk", ',
     Severity.ERROR, 11, "'tm@favrskov.dk bof@favrskov.dk' er ikke en gyldig"),
    ('to = ["bof@favrskov.dk"]', "to = []", Severity.ERROR, 13,
     "'Børn og Familie' skal have mindst én modtageradresse"),
    ('to = ["bof@favrskov.dk"]', 'to = ["bof@favrskov.dk"]\ncc = ["x@favrskov.dk"]',
     Severity.WARNING, 15, "ukendt nøgle 'cc' for afdelingen 'Børn og Familie'"),
    ("send_when_no_leaks = false", 'send_when_no_leaks = "nej"', Severity.ERROR, 7,
     "send_when_no_leaks skal være true eller false"),
    ("send_when_no_leaks = false", "send_when_no_leak = false", Severity.WARNING, 7,
     "ukendt nøgle 'send_when_no_leak' i [digest] bruges ikke (mente du "
     "'send_when_no_leaks'?)"),
    ('security = "ssl"', 'security = "tls"', Severity.ERROR, 18,
     "security skal være starttls, ssl eller none, ikke 'tls'"),
    ('security = "ssl"', 'security = "ssl"\nport = 70000', Severity.ERROR, 19,
     "port skal være et helt tal fra 1 til 65535"),
    ('user = "postbakke"', 'user = "postbakke"\npassword = "hemmelig"', Severity.WARNING, 20,
     "adgangskoden læses kun fra POSTBAKKE_SMTP_PASSWORD"),
    ('host = "smtp.favrskov.dk"\n', "", Severity.ERROR, 16, "[smtp] mangler host"),
    ('user = "postbakke"', 'user = "postbakke"\nca_file = "kommune-ca.pem"', Severity.ERROR, 20,
     "kommune-ca.pem findes ikke"),
    ('Jobcenter = "jobcenter@favrskov.dk"',
     'Jobcenter = "jobcenter@favrskov.dk"\njobcenter = "jc@favrskov.dk"', Severity.ERROR, 11,
     "afdelingen 'jobcenter' står to gange"),
    ('contact = "Mette Skov, projektleder, tlf. 89 64 12 34, mesk@favrskov.dk"\n', "",
     Severity.WARNING, 4, "[digest] mangler contact"),
]


@pytest.mark.parametrize(("old", "new", "severity", "line", "words"), PROBLEMS,
                         ids=[p[4][:40] for p in PROBLEMS])
def test_each_problem_is_one_danish_line_with_file_and_line(tmp_path, old, new, severity, line,
                                                           words):
    assert old in GOOD
    settings = settings_of(tmp_path, GOOD.replace(old, new, 1))
    problems = [p for p in settings.problems if words in p.message]
    assert problems, [str(p) for p in settings.problems]
    problem = problems[0]
    assert problem.severity is severity
    assert problem.where == f"{tmp_path / 'postbakke.toml'}:{line}", str(problem)
    assert "\n" not in str(problem)


def test_a_bad_digest_section_never_stops_a_scan(tmp_path):
    """load_settings still works (scan, report): the problems wait for digest/config check."""
    settings = settings_of(tmp_path, GOOD.replace("jobcenter@favrskov.dk", "jobcenter"))
    assert settings.municipality_name == "Favrskov Kommune"
    assert settings.digest_errors(sending=False)
    assert "Jobcenter" not in settings.digest.departments


def test_smtp_problems_stop_sending_but_not_a_dry_run(tmp_path):
    settings = settings_of(tmp_path, GOOD.replace('security = "ssl"', 'security = "tls"'))
    assert settings.digest_errors(sending=False) == []
    assert [p.area for p in settings.digest_errors(sending=True)] == ["smtp"]


def test_a_readable_ca_file_is_accepted_relative_to_the_settings_file(tmp_path):
    from smtp_server import make_certificate

    cert, _key = make_certificate(tmp_path / "tls")
    (tmp_path / "kommune-ca.pem").write_bytes(cert.read_bytes())
    settings = settings_of(tmp_path, GOOD + 'ca_file = "kommune-ca.pem"\n')
    assert settings.problems == ()
    assert settings.smtp.ca_file == tmp_path / "kommune-ca.pem"
    (tmp_path / "kommune-ca.pem").write_text("ikke et certifikat\n", encoding="utf-8")
    settings = settings_of(tmp_path, GOOD + 'ca_file = "kommune-ca.pem"\n')
    assert "er ikke et læsbart PEM-certifikat" in settings.problems[0].message


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("tm@favrskov.dk", "tm@favrskov.dk"),
        ("Teknik og Miljø <tm@favrskov.dk>", "tm@favrskov.dk"),
        ('"Leder, TM" <leder.tm@favrskov.dk>', "leder.tm@favrskov.dk"),
        ("tm@favrskov", None),
        ("tm favrskov.dk", None),
        ("tm@favrskov.dk, jc@favrskov.dk", None),
        ("tm@favrskov.dk jc@favrskov.dk", None),
        ("tm@favrskov.dk\nBcc: x@y.dk", None),
        ("søren@favrskov.dk", None),  # non-ASCII local part: relays need SMTPUTF8
        ("", None),
    ],
)
def test_address_of(text, address):
    assert address_of(text) == address, text


# --------------------------------------------------------------------------- the command


def staff(store: Store, departments: list[str]) -> None:
    store.registers.replace_staff(
        [StaffMember(f"Medarbejder {i}", f"M{i}", f"m{i}@favrskov.dk", "89640000", d)
         for i, d in enumerate(departments)], "staff.csv")


def test_config_check_of_a_good_file(run, workspace, monkeypatch):
    write(workspace, GOOD)
    monkeypatch.setenv("POSTBAKKE_SMTP_PASSWORD", "hemmelig")
    staff(Store(workspace / "postbakke.db"), ["Jobcenter", "Teknik og Miljø", "Børn og Familie"])
    result = run("config", "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # issue 14: config check also says what is kept how long, before its closing line
    assert lines[-1] == f"{workspace / 'postbakke.toml'} er i orden."
    assert all(line.startswith("Opbevaring: ") for line in lines[:-1]), lines


def test_config_check_holds_departments_against_the_staff_directory(run, workspace,
                                                                     monkeypatch):
    write(workspace, GOOD.replace('"Teknik og Miljø" =', '"Teknik og Miljo" ='))
    monkeypatch.delenv("POSTBAKKE_SMTP_PASSWORD", raising=False)
    staff(Store(workspace / "postbakke.db"),
          ["Jobcenter", "Teknik og Miljø", "Børn og Familie", "Borgerservice"])
    result = run("config", "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(re.fullmatch(
        r"Advarsel: .*postbakke\.toml:11: afdelingen 'Teknik og Miljo' står ikke i "
        r"medarbejderkartoteket .*\(mente du 'Teknik og Miljø'\?\)", line) for line in lines), lines
    assert any("afdelingen 'Borgerservice' har ingen modtagere" in line for line in lines)
    assert any("POSTBAKKE_SMTP_PASSWORD er ikke sat" in line for line in lines)
    assert lines[-1].endswith("er i orden (4 advarsler).")


def test_config_check_with_errors_exits_5_and_lists_errors_first(run, workspace, monkeypatch):
    monkeypatch.delenv("POSTBAKKE_SMTP_PASSWORD", raising=False)
    write(workspace, GOOD.replace("jobcenter@favrskov.dk", "jobcenter").replace(
        'security = "ssl"', 'security = "ssl"\ntimeout = 10'))
    result = run("config", "check")
    assert result.exit_code == 5
    lines = result.output.splitlines()
    assert lines[0].startswith("Fejl: ") and "'jobcenter' er ikke en gyldig" in lines[0]
    assert lines[1].startswith("Advarsel: ") and "'timeout'" in lines[1]
    # the warnings: the unknown key, the empty staff directory, the password not set
    assert lines[-1] == f"{workspace / 'postbakke.toml'}: 1 fejl, 3 advarsler."


def test_config_check_of_invalid_toml_is_one_error_line(run, workspace):
    write(workspace, "[digest\n")
    result = run("config", "check")
    assert result.exit_code == 5
    assert result.output.splitlines()[0].startswith("Fejl: ")
    assert ":1: ugyldig TOML" in result.output


def test_config_check_without_a_file(run, workspace):
    (workspace / "postbakke.toml").unlink()  # the fixture names the municipality
    result = run("config", "check")
    assert result.exit_code == 0
    assert "findes ikke; standardindstillingerne bruges (2 advarsler)" in result.output
    assert "ingen [digest]" in result.output
    assert "kommunens navn (name) og CVR-nummer (cvr) mangler" in result.output


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "kommunens navn (name) og CVR-nummer (cvr) mangler, så 'postbakke scan' nægter at "
             'scanne: tilføj [municipality] med name = "<Navn> Kommune" og '
             'cvr = ["<kommunens CVR-nummer>"]'),
        ('[municipality]\nname = "Favrskov Kommune"\n',
         "kommunens CVR-nummer (cvr) mangler, så 'postbakke scan' nægter at scanne: "
         'tilføj cvr = ["<kommunens CVR-nummer>"] under [municipality]'),
        ('[municipality]\ncvr = ["29189714"]\n',
         "kommunens navn (name) mangler, så 'postbakke scan' nægter at scanne: "
         'tilføj name = "<Navn> Kommune" under [municipality]'),
    ],
)
def test_config_check_warns_first_that_scan_needs_the_municipality(run, workspace, tmp_path,
                                                                   text, says):
    """GIVEN a postbakke.toml without the municipality's name or own CVR
    WHEN `config check` runs THEN its first warning is one line saying that `scan` refuses
    the workspace and what to add, and it exits as with any warning (0);
    and `scan` does refuse it."""
    path = write(workspace, text)
    result = run("config", "check")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("Advarsel: ")]
    where = f"{path}:1" if text else str(path)
    assert warnings[0] == f"Advarsel: {where}: {says}", warnings
    assert sum("postbakke scan" in line for line in result.output.splitlines()) == 1
    (tmp_path / "bakke").mkdir()
    scan = run("scan", "--tray", "Postrum", "--date", "2026-11-25", str(tmp_path / "bakke"))
    assert scan.exit_code != 0 and "mangler" in scan.output, scan.output


def test_config_check_says_nothing_of_the_municipality_when_it_is_named(run, workspace,
                                                                        monkeypatch):
    write(workspace, '[municipality]\nname = "Favrskov Kommune"\n')
    monkeypatch.setenv("POSTBAKKE_OWN_CVR", "29189714")  # the CVR may come from the environment
    result = run("config", "check")
    assert result.exit_code == 0 and "postbakke scan" not in result.output, result.output


def test_problem_str_without_a_place():
    assert str(ConfigProblem(Severity.ERROR, "", "noget er galt")) == "noget er galt"


def test_check_summary_counts_errors_and_warnings(tmp_path):
    from postbakke.config import ConfigProblem, Settings, Severity
    from postbakke.config_check import summarise_check

    error = ConfigProblem(Severity.ERROR, "postbakke.toml:2", "forkert")
    warning = ConfigProblem(Severity.WARNING, "postbakke.toml:3", "tvivlsom")
    settings = Settings(home=tmp_path)
    where = tmp_path / "postbakke.toml"
    failed = summarise_check(settings, [error, warning, warning])
    assert (failed.errors, failed.warnings, failed.ok) == (1, 2, False)
    assert failed.line == f"{where}: 1 fejl, 2 advarsler."
    assert summarise_check(None, [error]).line == "postbakke.toml: 1 fejl, 0 advarsler."
    assert summarise_check(settings, [warning]).line == (
        f"{where} findes ikke; standardindstillingerne bruges (1 advarsel).")
    where.write_text("", encoding="utf-8")
    assert summarise_check(settings, []).line == f"{where} er i orden."
    assert summarise_check(settings, []).ok
