"""Lists that do not grow with the years: the follow-ups page pages, the year's report
counts its follow-ups and lists the newest, with all of them in a CSV (issue 24).

GIVEN a workspace with 250 senders' follow-ups, 200 of them closed
WHEN the project leader opens Opfølgninger (also closed ones) and the year's report
THEN each page lists at most 100, says how many there are and links the next page; the
report (`/rapport?fra=&til=`) counts the closed ones per department and outcome and the
file written beside it lists them all.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from postbakke.config import load_settings
from postbakke.outputs import report as reports
from postbakke.people.filing import file_letters
from postbakke.people.followup import Outcome, close_followup
from postbakke.store import LetterRecord, Store, StoredFile
from postbakke.web.app import create_app

SENDERS = 250
CLOSED = 200


def leak(page: int) -> LetterRecord:
    return LetterRecord(
        file_hash="bakke", source="bakke.pdf", pages=[page], tray=None, scanned_on="2026-11-16",
        recipient_kind="cpr", recipient_pseudonym=f"{page:064d}", recipient_masked="010190-XXXX",
        match="id", enrolment="tilmeldt", department=("Jobcenter", "Borgerservice")[page % 2],
        sender=f"Medarbejder {page}", verdict="leak", reason="enrolled", window_cpr=False,
        subject="Partshøring")


@pytest.fixture
def year(workspace: Path):
    store = Store(load_settings().db_path)
    file_letters(store, StoredFile("bakke", "bakke.pdf", None, "2026-11-16", SENDERS, "nu"),
                 [leak(p) for p in range(1, SENDERS + 1)])
    for n, followup in enumerate(store.followups.find(with_kinds=False)[:CLOSED]):
        close_followup(store, followup.id,
                       Outcome.JUSTIFIED if n % 10 == 0 else Outcome.CONTACTED, "talt med", "test")
    return create_app(load_settings()).test_client(), store


def rows_of(html: str, table: str) -> int:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return len(re.findall(r"<tr[ >]", body.split("<tbody>", 1)[1]))


def test_all_follow_ups_come_a_hundred_a_page(year):
    client, _ = year
    first = client.get("/opfoelgninger?alle=1").get_data(as_text=True)
    assert rows_of(first, "followups") == 100
    assert f"Side 1 af 3 ({SENDERS} opfølgninger)" in first
    assert 'rel="next" href="/opfoelgninger?alle=1&amp;side=2"' in first
    last = client.get("/opfoelgninger?alle=1&side=3").get_data(as_text=True)
    assert rows_of(last, "followups") == 50 and 'rel="next"' not in last
    assert 'rel="prev" href="/opfoelgninger?alle=1&amp;side=2"' in last
    # open ones first: the 50 open follow-ups fill the first page's top
    assert first.count("<td>åben</td>") == SENDERS - CLOSED
    open_only = client.get("/opfoelgninger").get_data(as_text=True)
    assert rows_of(open_only, "followups") == SENDERS - CLOSED and "Side " not in open_only
    assert client.get("/opfoelgninger?side=x").status_code == 400


def test_the_years_report_in_the_station_counts_the_follow_ups_and_lists_the_newest(year):
    client, store = year
    response = client.get("/rapport?fra=2026-01-01&til=2026-12-31")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1. januar 2026 – 31. december 2026" in html
    assert rows_of(html, "opfoelgninger-lukkede") == reports.FOLLOWUPS_LISTED_MAX
    assert rows_of(html, "opfoelgninger-aabne") == SENDERS - CLOSED
    assert f"{SENDERS - CLOSED} åbne og {CLOSED} lukkede opfølgninger" in html
    summary = html.split('id="opfoelgninger-pr-afdeling"', 1)[1].split("</table>", 1)[0]
    cells = {row[0]: row[1:] for row in (re.findall(r"<td[^>]*>([^<]*)</td>", tr)
                                         for tr in summary.split("<tr>")[2:])}
    assert sum(int(c[0]) for c in cells.values()) == CLOSED
    assert sum(int(c[2]) for c in cells.values()) == CLOSED // 10  # justified
    # the station counts in SQL and reads the newest only: the same as the file's report
    period = reports.Period.between(date(2026, 1, 1), date(2026, 12, 31))
    every = reports.load_report(store, period, "Favrskov Kommune")
    station = reports.load_report(store, period, "Favrskov Kommune", every_followup=False)
    assert len(station.closed_followups) == reports.FOLLOWUPS_LISTED_MAX
    assert station.closed_count == every.closed_count == CLOSED
    assert station.closed_by_department == every.closed_by_department
    assert [r.followup.id for r in station.closed_followups_listed] == [
        r.followup.id for r in every.closed_followups_listed]
    # no file beside a page: the rest are under Opfølgninger
    assert every.followups_csv_name not in html
    assert re.search(r'alle står under <a href="/opfoelgninger">Opfølgninger</a>', html)
    assert client.get("/rapport?fra=2026-13-01&til=2026-12-31").status_code == 400
    assert client.get("/rapport?fra=2026-12-31&til=2026-01-01").status_code == 400
    assert client.get("/rapport?fra=2026-01-01").status_code == 400
    week = client.get("/rapport?uge=2026-W47").get_data(as_text=True)
    assert "Uge 47, 2026" in week


def test_the_report_file_has_every_follow_up_beside_it(year, tmp_path):
    _, store = year
    period = reports.Period.between(date(2026, 1, 1), date(2026, 12, 31))
    report = reports.load_report(store, period, "Favrskov Kommune")
    path = reports.write_report(report, tmp_path / "ud", "html",
                                store.figures.report_leaks(period.start, period.end))
    assert report.followups_csv_name in path.read_text(encoding="utf-8")
    with (path.parent / report.followups_csv_name).open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == SENDERS
    assert [r["status"] for r in rows].count("lukket") == CLOSED
    assert {r["udfald"] for r in rows} == {"", "afsenderen er kontaktet",
                                           "papirbrevet var begrundet"}
    # a week with few follow-ups lists them all and writes no such file
    week = reports.Period.week(reports.IsoWeek.parse("2026-W40"))
    few = reports.write_report(reports.load_report(store, week, "Favrskov Kommune"),
                               tmp_path / "uge", "html")
    assert not (few.parent / reports.followups_csv_path(Path("."), week).name).exists()


def test_the_charts_survive_the_pages_cpr_guard(year):
    """The guard masks whatever is CPR-shaped on a page; the charts' coordinates are
    written to 1/100 px, so none is (matplotlib's "rotate(-90 14.038594" was masked and
    the axis label lost)."""
    from postbakke.outputs.charts import trend_chart_svg
    from postbakke.privacy import mask_cpr_in_text

    _, store = year
    period = reports.Period.between(date(2025, 12, 1), date(2026, 11, 29))
    report = reports.load_report(store, period, "Favrskov Kommune")
    svg = trend_chart_svg(report.weeks)
    assert len(report.weeks) == 52 and re.search(r"\d\.\d{3}", svg) is None
    assert 'transform="rotate(-90 ' in svg
    html = reports.render_html(report)
    assert mask_cpr_in_text(html) == html
