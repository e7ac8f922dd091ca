"""The project leader's report: every figure against a hand count, the HTML offline, in Chromium.

GIVEN a generated month of letters (4 ISO weeks, 5 departments, see month_letters.py)
  with digital counts for 4 of the departments, and one sender's follow-up closed as justified
WHEN the report is made for the month (or one week)
THEN each figure in the HTML matches the hand count below, the file has no
external resource, and it renders in a real headless Chromium.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from chromium import dump_dom, needs_chromium, no_network_errors, screenshot
from html_tables import by, rows_of, tags
from month_letters import digital_counts, store_month, write_digital_csv

from postbakke.outputs.charts import trend_chart_svg
from postbakke.outputs.figures import (
    Figures,
    Period,
    ReportError,
    ReportLetter,
    digital_share,
    resolve_period,
)
from postbakke.outputs.report import load_report, render_html, write_report
from postbakke.people.followup import Outcome, close_followup
from postbakke.store import Store

SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
MONTH = Period.between(date(2026, 11, 2), date(2026, 11, 29))  # Monday W45 .. Sunday W48
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

# Hand counts of month_letters.PLAN, Eva Fisk's follow-up (Borgerservice) closed as
# justified: (paper, leaks, justified, legitimate, review, leak rate, digital, digital share)
# digital share = digital / (digital + leaks + justified + legitimate)
MONTH_BY_DEPARTMENT = {
    # AAGR ABG BGG AR: leaks A4 B2, legit 4, review 2; digital 40+50+45+55 = 190
    "Jobcenter": ("12", "6", "0", "4", "2", "50,0 %", "190", "95,0 %"),  # 190/200
    # CG GG CC W: leaks C3, legit 4 (one with CPR in the window); 4 x 20 = 80
    "Teknik og Miljø": ("7", "3", "0", "4", "0", "42,9 %", "80", "92,0 %"),  # 80/87
    # U DUR G D: leaks U2 D2, legit 1, review 1; 4 x 5 = 20
    "Børn og Familie": ("6", "4", "0", "1", "1", "66,7 %", "20", "80,0 %"),  # 20/25
    # EG E G GG: E's 2 leaks justified, legit 4; 10+12+14+16 = 52
    "Borgerservice": ("6", "0", "2", "4", "0", "0,0 %", "52", "89,7 %"),  # 52/58
    # GG F RG FFG: leaks F3, legit 4, review 1; no digital counts
    "Social og Sundhed": ("8", "3", "0", "4", "1", "37,5 %", "–", "–"),
    # the total's share over the 4 departments with counts: 342 / (342+13+2+13)
    "I alt": ("39", "16", "2", "17", "4", "41,0 %", "342", "92,4 %"),
}
FIELDS = ("paper", "leaks", "justified", "legitimate", "review", "leak_rate", "digital",
          "digital_share")
# Per ISO week, all departments: (paper, leaks, justified, legitimate, review, digital, share);
# the share over the departments with digital counts (Social og Sundhed has none).
MONTH_BY_WEEK = {
    "2026-W45": ("11", "4", "1", "5", "1", "75", "90,4 %"),  # 75/(75+4+1+3)
    "2026-W46": ("10", "5", "1", "3", "1", "87", "91,6 %"),  # 87/(87+4+1+3)
    "2026-W47": ("9", "3", "0", "5", "1", "84", "92,3 %"),  # 84/(84+3+0+4)
    "2026-W48": ("9", "4", "0", "4", "1", "96", "95,0 %"),  # 96/(96+2+0+3)
}
WEEK_FIELDS = ("paper", "leaks", "justified", "legitimate", "review", "digital", "digital_share")
# Week 47 alone: Jobcenter BGG, Teknik CC, BoF G, Borgerservice G, SoS RG
WEEK_47_BY_DEPARTMENT = {
    "Jobcenter": ("3", "1", "0", "2", "0", "33,3 %", "45", "93,8 %"),  # 45/48
    "Teknik og Miljø": ("2", "2", "0", "0", "0", "100,0 %", "20", "90,9 %"),  # 20/22
    "Børn og Familie": ("1", "0", "0", "1", "0", "0,0 %", "5", "83,3 %"),  # 5/6
    "Borgerservice": ("1", "0", "0", "1", "0", "0,0 %", "14", "93,3 %"),  # 14/15
    "Social og Sundhed": ("2", "0", "0", "1", "1", "0,0 %", "–", "–"),
    "I alt": ("9", "3", "0", "5", "1", "33,3 %", "84", "92,3 %"),
}


@pytest.fixture
def month_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "postbakke.db")
    store_month(store)
    store.registers.replace_digital_counts(digital_counts(), "digitale.csv")
    eva = next(f for f in store.followups.find() if f.sender == "Eva Fisk")
    close_followup(store, eva.id, Outcome.JUSTIFIED, "sårbar borger, aftalt papir", "projektleder")
    return store


@pytest.fixture
def month_html(month_store: Store) -> str:
    return render_html(load_report(month_store, MONTH, "Favrskov Kommune", NOW))


def table(html: str, table_id: str, attr: str) -> dict[str, dict[str, str]]:
    return by(rows_of(html, id=table_id), attr)


def expected(values: tuple[str, ...], names: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(names, values, strict=True))


def test_month_report_figures_per_department_match_the_hand_count(month_html):
    departments = table(month_html, "afdelinger", "data-department")
    assert list(departments) == [
        "Borgerservice", "Børn og Familie", "Jobcenter", "Social og Sundhed", "Teknik og Miljø",
        "I alt",
    ]
    for name, values in MONTH_BY_DEPARTMENT.items():
        assert departments[name] == expected(values, FIELDS), name


def test_month_report_weekly_trend_matches_the_hand_count(month_html):
    weeks = table(month_html, "uger", "data-week")
    assert list(weeks) == list(MONTH_BY_WEEK)
    for week, values in MONTH_BY_WEEK.items():
        assert weeks[week] == expected(values, WEEK_FIELDS), week


def test_one_week_report_counts_that_week_only(month_store):
    html = render_html(load_report(month_store, Period.week(_week(47)), "Favrskov Kommune", NOW))
    departments = table(html, "afdelinger", "data-department")
    for name, values in WEEK_47_BY_DEPARTMENT.items():
        assert departments[name] == expected(values, FIELDS), name
    # the trend still shows the weeks before it
    assert list(table(html, "uger", "data-week")) == list(MONTH_BY_WEEK)[:3]


def _week(number: int):
    from postbakke.outputs.digital import IsoWeek

    return IsoWeek(2026, number)


def test_key_figures_and_window_cpr_note(month_html):
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", month_html))
    assert "39 papirbreve i bakkerne" in text
    assert "16 kunne være sendt digitalt (læk)" in text
    assert "4 venter på en afgørelse" in text
    assert "92,4 % digital andel (mål 85 %)" in text
    assert "1 brev havde et læsbart CPR-nummer i rudefeltet" in text
    assert "Teknik og Miljø: 1" in text


def test_senders_with_most_leaks_per_department_with_kinds_of_letters(month_html):
    senders = {
        department: {
            r.attrs["data-sender"]: (r.fields["leaks"], r.cells[2])
            for r in rows_of(month_html, data_department=department, **{"class": "senders"})
        }
        for department in ("Jobcenter", "Børn og Familie", "Teknik og Miljø",
                           "Social og Sundhed", "Borgerservice")
    }
    assert senders["Jobcenter"] == {
        "Anne Holm": ("4", "Indkaldelse til samtale (4)"),
        "Bo Berg": ("2", "Indkaldelse til samtale (2)"),
    }
    assert senders["Børn og Familie"] == {
        "Afsender ukendt": ("2", "Indkaldelse til møde om dit barn (2)"),
        "Dorte Eg": ("2", "Afgørelse om økonomisk friplads (2)"),
    }
    assert senders["Teknik og Miljø"] == {
        "Carl Dahl": ("3", "Påbud om tømning af bundfældningstank (3)")}
    assert senders["Social og Sundhed"] == {"Finn Gram": ("3", "Afgørelse om hjemmehjælp (3)")}
    assert senders["Borgerservice"] == {}  # Eva Fisk's letters were justified


def test_systemic_causes_group_leaks_by_kind_of_letter(month_html):
    causes = [
        (r.attrs["data-department"], r.attrs["data-kind"], r.fields["leaks"],
         r.fields["senders"], r.cells[-1])
        for r in rows_of(month_html, id="aarsager")
    ]
    assert causes == [
        # one template, six letters, two senders: fix the case system
        ("Jobcenter", "Indkaldelse til samtale", "6", "2", "Tjek skabelonen i fagsystemet"),
        ("Social og Sundhed", "Afgørelse om hjemmehjælp", "3", "1", ""),
        ("Teknik og Miljø", "Påbud om tømning af bundfældningstank", "3", "1", ""),
        ("Børn og Familie", "Afgørelse om økonomisk friplads", "2", "1", ""),
        ("Børn og Familie", "Indkaldelse til møde om dit barn", "2", "1", ""),
    ]


def test_leak_list_has_date_department_sender_masked_recipient_kind_and_reason(month_html):
    rows = rows_of(month_html, id="laekbreve")
    assert len(rows) == 16
    first = rows[0].cells
    assert first[0] == "2026-11-04" and first[1] == "Børn og Familie"
    assert first[2] == "Afsender ukendt"
    assert re.fullmatch(r"\d{6}-XXXX", first[3])
    assert first[4] == "Indkaldelse til møde om dit barn"
    assert first[5] == "modtageren er tilmeldt Digital Post"
    assert Counter(r.cells[1] for r in rows) == {
        "Jobcenter": 6, "Teknik og Miljø": 3, "Børn og Familie": 4, "Social og Sundhed": 3,
    }
    assert all(r.cells[2] != "Eva Fisk" for r in rows)


def test_open_and_closed_follow_ups_are_shown(month_html):
    open_rows = rows_of(month_html, id="opfoelgninger-aabne")
    closed_rows = rows_of(month_html, id="opfoelgninger-lukkede")
    assert {(r.cells[1], r.cells[2], r.fields["letters"]) for r in open_rows} == {
        ("Jobcenter", "Anne Holm", "4"), ("Jobcenter", "Bo Berg", "2"),
        ("Teknik og Miljø", "Carl Dahl", "3"), ("Børn og Familie", "Dorte Eg", "2"),
        ("Børn og Familie", "Afsender ukendt", "2"), ("Social og Sundhed", "Finn Gram", "3"),
    }
    assert [(r.cells[2], r.fields["letters"], r.attrs["data-outcome"], r.cells[5])
            for r in closed_rows] == [("Eva Fisk", "2", "begrundet", "sårbar borger, aftalt papir")]


def test_closing_as_justified_moves_leaks_to_justified_and_keeps_the_share_formula(tmp_path):
    """Justified paper still went on paper: the share's denominator counts it as before."""
    store = Store(tmp_path / "p.db")
    store_month(store)
    store.registers.replace_digital_counts(digital_counts(), "digitale.csv")

    def borgerservice() -> dict[str, str]:
        html = render_html(load_report(store, MONTH, "Favrskov Kommune", NOW))
        return table(html, "afdelinger", "data-department")["Borgerservice"]

    before = borgerservice()
    assert (before["leaks"], before["justified"], before["digital_share"]) == ("2", "0", "89,7 %")
    eva = next(f for f in store.followups.find() if f.sender == "Eva Fisk")
    close_followup(store, eva.id, Outcome.JUSTIFIED, "sårbar borger", "projektleder")
    after = borgerservice()
    assert (after["leaks"], after["justified"], after["digital_share"]) == ("0", "2", "89,7 %")
    assert after["leak_rate"] == "0,0 %" and before["leak_rate"] == "33,3 %"
    summary = {row.department: row for row in store.figures.department_summary()}
    assert (summary["Borgerservice"].leaks, summary["Borgerservice"].justified) == (0, 2)


def test_closing_as_contacted_keeps_the_letters_as_leaks(month_store):
    anne = next(f for f in month_store.followups.find() if f.sender == "Anne Holm")
    close_followup(month_store, anne.id, Outcome.CONTACTED, "vist Digital Post i fagsystemet",
                   "projektleder")
    html = render_html(load_report(month_store, MONTH, "Favrskov Kommune", NOW))
    assert table(html, "afdelinger", "data-department")["Jobcenter"]["leaks"] == "6"


def test_the_html_has_no_external_resource_and_two_inline_charts(month_html):
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", month_html, re.IGNORECASE)
    for tag, attrs in tags(month_html):
        for name in ("src", "href", "xlink:href", "action", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)
        assert tag not in ("link", "script", "img", "iframe", "object", "embed"), tag
    assert "@import" not in month_html and "url(http" not in month_html
    assert month_html.count("<svg") == 2
    assert "@page" in month_html and "A4" in month_html
    assert '<html lang="da">' in month_html


def test_svg_ids_are_unique_on_the_page(month_html):
    ids = re.findall(r'\bid="([^"]+)"', month_html)
    assert len(ids) == len(set(ids))


def test_trend_chart_is_an_inline_svg_without_prologue():
    svg = trend_chart_svg([Figures("2026-W47", paper=3, leaks=2, digital=10,
                                   digital_share=0.8)])
    assert svg.startswith("<svg") and "<?xml" not in svg and "DOCTYPE" not in svg
    assert "Læk" in svg and "Mål 85 %" in svg


def test_no_cpr_in_clear_and_no_recipient_names_in_the_report(month_html):
    # the month's subjects carry a name and a masked CPR ("Vedr. Karen Lund, cpr.nr. ...")
    # and "Afgørelse om økonomisk friplads - Jens Hansen": the report shows kinds only
    assert "Karen Lund" not in month_html and "Jens Hansen" not in month_html
    assert not re.search(r"\b\d{6}-?\d{4}\b", month_html)


def test_digital_share_formula():
    assert digital_share(None, 1, 1, 1) is None
    assert digital_share(0, 0, 0, 0) is None
    assert digital_share(85, 10, 3, 2) == 85 / 100
    assert digital_share(0, 4, 0, 0) == 0.0


def test_review_letters_are_not_in_the_digital_share():
    from postbakke.outputs.figures import count_figures

    letters = [
        ReportLetter(1, date(2026, 11, 4), "Jobcenter", None, None, None, "review",
                     "no_recipient"),
        ReportLetter(2, date(2026, 11, 4), "Jobcenter", "A", None, None, "leak", "enrolled"),
    ]
    figures = count_figures("Jobcenter", letters, 9)
    assert (figures.paper, figures.leaks, figures.review) == (2, 1, 1)
    assert figures.digital_share == 9 / 10


@pytest.mark.parametrize(
    ("week", "start", "end", "latest", "slug"),
    [
        ("2026-W47", None, None, None, "2026-W47"),
        ("2026-w1", None, None, None, "2026-W01"),
        (None, date(2026, 11, 1), date(2026, 11, 30), None, "2026-11-01_2026-11-30"),
        (None, None, None, date(2026, 11, 25), "2026-W48"),  # the latest tray's week
        (None, None, None, date(2027, 1, 1), "2026-W53"),  # 1 Jan 2027 is in 2026's week 53
    ],
)
def test_report_period(week, start, end, latest, slug):
    assert resolve_period(week, start, end, latest).slug == slug


@pytest.mark.parametrize(
    ("week", "start", "end", "message"),
    [
        ("2026-W47", date(2026, 11, 1), None, "enten --week eller --from/--to"),
        ("2025-W53", None, None, "uge 53 findes ikke i 2025"),
        ("47", None, None, "ugyldig uge '47'"),
        (None, date(2026, 11, 1), None, "både --from og --to"),
        (None, date(2026, 11, 30), date(2026, 11, 1), "--to ligger før --from"),
    ],
)
def test_bad_report_period_is_one_danish_line(week, start, end, message):
    with pytest.raises(ReportError, match=re.escape(message)):
        resolve_period(week, start, end, None)


def test_week_period_title_and_file_name(month_store, tmp_path):
    report = load_report(month_store, Period.week(_week(47)), "Favrskov Kommune", NOW)
    assert report.period.title == "Uge 47, 2026 (16.–22. november 2026)"
    path = write_report(report, tmp_path / "ud")
    assert path == tmp_path / "ud" / "rapport-2026-W47.html"


# --------------------------------------------------------------------------- through the CLI


def test_report_command_writes_html_under_reports_by_default(run, workspace, tmp_path,
                                                             monkeypatch):
    store = Store(workspace / "postbakke.db")
    store_month(store)
    write_digital_csv(tmp_path / "digitale.csv")
    assert run("digital", "import", str(tmp_path / "digitale.csv")).exit_code == 0
    monkeypatch.chdir(tmp_path)  # never the folder the command runs in (issue 21)
    result = run("report", "--week", "2026-W48")
    assert result.exit_code == 0, result.output
    path = workspace / "reports" / "rapport-2026-W48.html"
    assert path.exists() and not (tmp_path / "reports").exists()
    assert f"skrevet: {path}" in result.output
    departments = table(path.read_text(encoding="utf-8"), "afdelinger", "data-department")
    assert departments["I alt"]["paper"] == "9"
    # the default period: the week of the latest tray
    assert run("report", "--out", str(tmp_path / "x")).exit_code == 0
    assert (tmp_path / "x" / "rapport-2026-W48.html").exists()


def test_report_csv_prints_the_department_table(run, workspace, tmp_path):
    store = Store(workspace / "postbakke.db")
    store_month(store)
    store.registers.replace_digital_counts(digital_counts(), "digitale.csv")
    result = run("report", "--from", "2026-11-02", "--to", "2026-11-29", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["afdeling"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert rows["Jobcenter"]["laek"] == "6" and rows["Jobcenter"]["digital_andel"] == "0.9500"
    assert rows["Social og Sundhed"]["digital_andel"] == ""
    assert rows["I alt"]["papirbreve"] == "39" and rows["I alt"]["til_gennemsyn"] == "4"
    written = run("report", "--from", "2026-11-02", "--to", "2026-11-29", "--format", "csv",
                  "--out", str(tmp_path / "ud"))
    assert (tmp_path / "ud" / "rapport-2026-11-02_2026-11-29.csv").read_text(
        encoding="utf-8") == result.output
    assert "skrevet" in written.output


def test_report_with_bad_week_is_one_danish_line(run, workspace):
    result = run("report", "--week", "2026-47")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Fejl: ugyldig uge '2026-47' (skal skrives som ISO-uge, fx 2026-W47)")


def test_report_of_an_empty_workspace_still_renders(run, workspace, tmp_path):
    result = run("report", "--week", "2026-W48", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "rapport-2026-W48.html").read_text(encoding="utf-8")
    assert "Ingen læk i perioden." in html


# --------------------------------------------------------------------------- real browser


@needs_chromium
def test_report_renders_in_headless_chromium_offline(month_store, tmp_path):
    from PIL import Image

    path = write_report(load_report(month_store, MONTH, "Favrskov Kommune", NOW), tmp_path)
    png = tmp_path / "rapport.png"
    shot = screenshot(path, png, tmp_path / "profil")
    assert png.exists(), shot.stderr[-2000:]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # to look at
    shutil.copyfile(png, SCREENSHOTS / "rapport-maaned.png")
    image = Image.open(png).convert("L")
    assert image.size == (1240, 1754)
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert dark > 2000, "the screenshot is blank"
    assert max(histogram) < image.size[0] * image.size[1] * 0.98
    dom = dump_dom(path, tmp_path / "profil")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 2 and "<rect" in dom.stdout and "<polyline" in dom.stdout
    assert 'data-department="Jobcenter"' in dom.stdout
    assert not re.search(r"https?://", dom.stdout)
    no_network_errors(shot.stderr, dom.stderr)


def test_a_week_without_scanned_letters_has_no_digital_share(tmp_path):
    """Digital counts alone are no evidence that the week's trays were empty."""
    store = Store(tmp_path / "p.db")
    store_month(store)
    store.registers.replace_digital_counts(
        [*digital_counts(), *(c for c in _counts_for("2026-W49"))], "digitale.csv")
    html = render_html(load_report(store, Period.week(_week(49)), "Favrskov Kommune", NOW))
    weeks = table(html, "uger", "data-week")
    assert weeks["2026-W49"]["paper"] == "0" and weeks["2026-W49"]["digital"] == "30"
    assert weeks["2026-W49"]["digital_share"] == "–"
    assert weeks["2026-W48"]["digital_share"] == "95,0 %"
    jobcenter = table(html, "afdelinger", "data-department")["Jobcenter"]
    assert (jobcenter["digital"], jobcenter["digital_share"]) == ("30", "–")
    assert table(html, "afdelinger", "data-department")["I alt"]["digital_share"] == "–"


def _counts_for(week: str):
    from postbakke.outputs.digital import DigitalCount

    return [DigitalCount(week, "Jobcenter", 30)]


def test_figures_without_the_lists_are_the_reports_own(month_store):
    """The work station's departments page (load_figures, counted in SQL groups) shows the
    very numbers of the report (one letter at a time): one source, two ways in."""
    from postbakke.outputs.report import load_figures

    for period in (MONTH, Period.week(_week(47)), Period.week(_week(48))):
        report = load_report(month_store, period, "Favrskov Kommune", NOW)
        figures = load_figures(month_store, period)
        assert figures.departments == report.departments, period
        assert figures.total == report.total, period
        assert figures.weeks == report.weeks, period
