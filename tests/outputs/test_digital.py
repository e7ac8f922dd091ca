"""Digital counts: ISO weeks, the CSV import, a week re-imported replaces that week."""

from __future__ import annotations

from datetime import date

import pytest

from postbakke.outputs.digital import (
    DigitalCount,
    IsoWeek,
    align_departments,
    read_digital_csv,
    weeks_of_period,
)
from postbakke.store import Store


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2026, 11, 16), "2026-W47"),  # Monday
        (date(2026, 11, 22), "2026-W47"),  # Sunday
        (date(2026, 1, 1), "2026-W01"),  # a Thursday: week 1
        (date(2025, 12, 29), "2026-W01"),  # Monday of 2026's first week
        (date(2027, 1, 3), "2026-W53"),  # 2026 has 53 weeks
        (date(2021, 1, 3), "2020-W53"),
    ],
)
def test_iso_week_of_a_day(day, week):
    assert IsoWeek.of(day).label == week


def test_iso_week_days_and_shift():
    week = IsoWeek.parse("2026-W47")
    assert (week.monday, week.thursday, week.sunday) == (
        date(2026, 11, 16), date(2026, 11, 19), date(2026, 11, 22))
    assert week.shifted(-47).label == "2025-W52"
    assert IsoWeek.parse("2026-W53").shifted(1).label == "2027-W01"


@pytest.mark.parametrize(("text", "message"), [
    ("2026-47", "ugyldig uge '2026-47'"),
    ("W47", "ugyldig uge"),
    ("2025-W53", "uge 53 findes ikke i 2025"),
    ("2026-W00", "uge 0 findes ikke i 2026"),
])
def test_bad_iso_week(text, message):
    with pytest.raises(ValueError, match=message):
        IsoWeek.parse(text)


def test_weeks_of_a_period_are_those_whose_thursday_is_in_it():
    # November 2026: Sunday 1st to Monday 30th
    labels = [w.label for w in weeks_of_period(date(2026, 11, 1), date(2026, 11, 30))]
    assert labels == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert [w.label for w in weeks_of_period(date(2026, 11, 19), date(2026, 11, 19))] == [
        "2026-W47"]


def write(tmp_path, text: str):
    path = tmp_path / "digitale.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_digital_csv(tmp_path):
    path = write(tmp_path, "week,department,digital_letters\n2026-W47,Jobcenter,120\n"
                           "2026-w5,Borgerservice,0\n")
    assert read_digital_csv(path) == [
        DigitalCount("2026-W47", "Jobcenter", 120), DigitalCount("2026-W05", "Borgerservice", 0)]


@pytest.mark.parametrize(("body", "message"), [
    ("week,department\n", "digitale.csv:1: kolonne mangler i overskriften: digital_letters"),
    ("week,department,digital_letters\n2026-W47,Jobcenter,12\n2026-47,Jobcenter,3\n",
     "digitale.csv:3: ugyldig uge '2026-47'"),
    ("week,department,digital_letters\n2026-W47,,12\n", "digitale.csv:2: afdeling mangler"),
    ("week,department,digital_letters\n2026-W47,Jobcenter,-4\n",
     "digitale.csv:2: digital_letters skal være et helt tal (0 eller mere), ikke '-4'"),
    ("week,department,digital_letters\n2026-W47,Jobcenter,1.5\n", "digitale.csv:2: digital_"),
    ("week,department,digital_letters\n2026-W47,Jobcenter,1\n2026-W47,jobcenter,2\n",
     "digitale.csv:3: uge 2026-W47 for jobcenter står også i linje 2"),
    ("week,department,digital_letters\n", "digitale.csv:2: filen har ingen rækker med tal"),
    ("week,department,digital_letters\n2026-W47,Jobcenter\n",
     "digitale.csv:2: forventede 3 kolonner, fandt 2"),
])
def test_bad_row_refuses_the_whole_import_with_file_and_line(tmp_path, body, message):
    from postbakke.errors import RegisterFormatError

    with pytest.raises(RegisterFormatError) as error:
        read_digital_csv(write(tmp_path, body))
    assert str(error.value).startswith(f"{tmp_path}/{message}")


def test_departments_are_spelt_as_in_the_staff_directory():
    aligned, unknown = align_departments(
        [DigitalCount("2026-W47", "jobcenter", 3), DigitalCount("2026-W47", "Kultur", 4)],
        ["Jobcenter", "Borgerservice"],
    )
    assert [c.department for c in aligned] == ["Jobcenter", "Kultur"]
    assert unknown == ["Kultur"]


def test_cli_import_and_reimporting_a_week_replaces_it(run, workspace, tmp_path):
    first = write(tmp_path, "week,department,digital_letters\n2026-W46,Jobcenter,10\n"
                            "2026-W47,Jobcenter,20\n2026-W47,Borgerservice,5\n")
    result = run("digital", "import", str(first))
    assert result.exit_code == 0, result.output
    assert "Digitale tal indlæst: 35 breve i 2 afdelinger, uge 46 2026 til uge 47 2026" in (
        result.output)
    again = tmp_path / "uge47.csv"
    again.write_text("week,department,digital_letters\n2026-W47,Jobcenter,25\n",
                     encoding="utf-8")
    assert run("digital", "import", str(again)).exit_code == 0
    store = Store(workspace / "postbakke.db")
    assert store.registers.digital_counts() == [
        DigitalCount("2026-W46", "Jobcenter", 10), DigitalCount("2026-W47", "Jobcenter", 25)]


def test_cli_bad_file_is_one_line_and_nothing_is_stored(run, workspace, tmp_path):
    good = write(tmp_path, "week,department,digital_letters\n2026-W47,Jobcenter,20\n")
    run("digital", "import", str(good))
    bad = tmp_path / "fejl.csv"
    bad.write_text("week,department,digital_letters\n2026-W47,Jobcenter,7\n2026-W99,X,1\n",
                   encoding="utf-8")
    result = run("digital", "import", str(bad))
    assert result.exit_code == 4
    assert result.output.strip() == f"Fejl: {bad}:3: uge 99 findes ikke i 2026"
    assert Store(workspace / "postbakke.db").registers.digital_counts() == [
        DigitalCount("2026-W47", "Jobcenter", 20)]


def test_cli_warns_of_a_department_not_in_the_staff_directory(run, workspace, tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text("name,initials,email,phone,department\nAnne Holm,AH,ah@favrskov.dk,1,"
                     "Jobcenter\n", encoding="utf-8")
    run("staff", "import", str(staff))
    path = write(tmp_path, "week,department,digital_letters\n2026-W47,JOBCENTER,2\n"
                           "2026-W47,Kultur,3\n")
    result = run("digital", "import", str(path))
    assert result.exit_code == 0
    assert "Advarsel: afdelingen 'Kultur' står ikke i medarbejderkartoteket." in result.stderr
    assert {c.department for c in Store(workspace / "postbakke.db").registers.digital_counts()} == {
        "Jobcenter", "Kultur"}
