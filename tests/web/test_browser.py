"""The work station in a real browser, end to end, on a generated tray scanned for real.

GIVEN a generated day's tray (text-layer and scanned letters, real OCR) whose
registers make six letters unsure: three printed CPRs the register knows under
another number, one name that the register spells differently, two the tool
could not place at all
WHEN a clerk decides every one of them with the keyboard alone (a CPR typed, a
CVR typed, a suggestion picked, "no Danish recipient", justified paper with a
note, postponed with a note), undoes the last, and a second browser tries to
decide a letter the first already did
THEN the database, `postbakke letters` and the report show exactly those
decisions; no CPR was in any URL, any page or anything the server printed.
"""

from __future__ import annotations

import csv
import json
import random

import pytest
from browser import SCREENSHOTS, launched, needs_browser, served
from click.testing import CliRunner
from web_fixtures import cpr_in_clear, cpr_same_birth_date, scan_generated_tray, with_middle_name

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.privacy import Pseudonymiser
from postbakke.store import Store
from postbakke_samples import make_tray

pytestmark = [pytest.mark.slow, needs_browser]



@pytest.fixture(scope="module")
def tray(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("station")
    out, home = root / "bakke", root / "arbejdsmappe"
    truths = make_tray(out, 2026, 12, 0.5)
    rng = random.Random(5)
    moved = [t for t in truths if t.recipient_kind == "cpr" and t.match == "id"
             and t.verdict == "leak"][:3]
    respelled = next(t for t in truths if t.match == "name_address")
    register_cpr = {t.recipient_id: cpr_same_birth_date(t.recipient_id, rng) for t in moved}
    enrolment = out / "registers" / "enrolment.csv"
    rows = list(csv.DictReader(enrolment.open(encoding="utf-8")))
    companies = [r["id"] for r in rows if len(r["id"]) == 8 and r["status"] == "tilmeldt"]
    housemates = []
    for row in rows:
        digits = row["id"].replace("-", "")
        if digits in register_cpr:
            row["id"] = register_cpr[digits]
        if digits == respelled.recipient_id:
            row["name"] = with_middle_name(row["name"])
            # a second person at the address: the address alone decides nothing
            # (match.address_candidate), so the clerk picks from the suggestions
            other = cpr_same_birth_date(digits, rng)
            housemates.append({**row, "id": f"{other[:6]}-{other[6:]}",
                               "name": "Preben " + row["name"].split()[-1]})
    rows += housemates
    env = scan_generated_tray(out, home, rows, timeout=300)
    return {"home": home, "env": env, "truths": truths, "moved": moved,
            "respelled": respelled, "register_cpr": register_cpr, "company": companies[0],
            "all_cprs": [t.recipient_id for t in truths if t.recipient_kind == "cpr"]
            + list(register_cpr.values()) + [h["id"].replace("-", "") for h in housemates]}


def _queue_plan(tray: dict) -> dict[int, str]:
    """Which decision the clerk makes on which review letter."""
    store = Store(tray["home"] / "postbakke.db")
    letters = {i: store.letters.get(i) for i in store.review.queue()}
    by_source = {t.file: t for t in tray["truths"]}
    plan: dict[int, str] = {}
    moved_files = [t.file for t in tray["moved"]]
    for letter_id, letter in letters.items():
        truth = by_source[letter.source]
        if truth.file == tray["respelled"].file:
            plan[letter_id] = "pick"
        elif truth.file == moved_files[0]:
            plan[letter_id] = "cpr"
        elif truth.file == moved_files[1]:
            plan[letter_id] = "cvr"
        elif truth.file == moved_files[2]:
            plan[letter_id] = "postpone"
    rest = [i for i in letters if i not in plan]
    for letter_id, action in zip(rest, ("none", "justified"), strict=False):
        plan[letter_id] = action
    store.close()
    return plan


def test_every_review_letter_decided_by_keyboard(tray: dict, monkeypatch) -> None:
    for name, value in tray["env"].items():
        monkeypatch.setenv(name, value)
    plan = _queue_plan(tray)
    assert sorted(plan.values()) == sorted(
        ["cpr", "cvr", "pick", "none", "justified", "postpone"]), plan
    moved_cpr = tray["register_cpr"][tray["moved"][0].recipient_id]
    visited: list[str] = []
    pages: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with served(tray["home"], tray["env"]) as (base, server_output), launched() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("request", lambda request: visited.append(request.url))
        page.goto(f"{base}/gennemsyn")
        first_screenshot = True
        for _ in range(len(plan)):
            letter_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
            action = plan[letter_id]
            pages.append(page.content())
            page.locator("#counter").wait_for()
            if action == "cpr":
                page.keyboard.press("c")
                page.keyboard.type(f"{moved_cpr[:6]}-{moved_cpr[6:]}")
                status = page.locator("#cpr-status")
                status.filter(has_text="tilmeldt").wait_for(timeout=5000)
                if first_screenshot:
                    page.screenshot(path=str(SCREENSHOTS / "gennemsyn.png"), full_page=False)
                    first_screenshot = False
            elif action == "cvr":
                page.keyboard.press("v")
                page.keyboard.type(tray["company"])
                page.locator("#cvr-status").filter(has_text="tilmeldt").wait_for(timeout=5000)
            elif action == "pick":
                assert page.locator(".suggestion").count() >= 1
                page.screenshot(path=str(SCREENSHOTS / "gennemsyn-forslag.png"))
                page.keyboard.press("1")
            elif action == "none":
                page.keyboard.press("i")
            elif action == "justified":
                page.keyboard.press("b")
                page.keyboard.type("Borgeren har bedt om papir (sårbar)")
            elif action == "postpone":
                page.keyboard.press("u")
                page.keyboard.type("Spørg afsenderen om modtageren")
            with page.expect_navigation():
                page.keyboard.press("Enter")
        pages.append(page.content())
        # the day's queue ends (the postponed letter waits in its own list); z undoes the
        # last action, whichever letter it was on
        postponed = next(i for i, a in plan.items() if a == "postpone")
        assert "Ingen flere breve" in page.content()
        final = list(plan)[-1]
        page.goto(f"{base}/gennemsyn")
        with page.expect_navigation():
            page.keyboard.press("z")
        assert page.url.endswith(f"/gennemsyn/{final}")
        assert "til gennemsyn:" in page.content() and "Fortrudt" in page.content()
        last = final
        # a second browser on the same letter: the first to decide wins, the other is told
        late = browser.new_page()
        late.on("request", lambda request: visited.append(request.url))
        late.goto(f"{base}/gennemsyn/{last}")
        page.bring_to_front()  # each browser window in turn has the keyboard, as on a desk
        with page.expect_navigation():
            page.keyboard.press("i")
            page.keyboard.press("Enter")
        late.bring_to_front()
        with late.expect_navigation():
            late.keyboard.press("b")
            late.keyboard.type("Borgeren ønsker papir")
            late.keyboard.press("Enter")
        assert "netop afgjort af" in late.content()
        pages.append(late.content())
        picked = next(i for i, a in plan.items() if a == "pick")
        page.goto(f"{base}/afdelinger")
        page.screenshot(path=str(SCREENSHOTS / "afdelinger.png"), full_page=True)
        pages.append(page.content())
    everything = "\n".join(visited + pages + server_output)
    assert cpr_in_clear(everything, tray["all_cprs"]) == []
    plan[last] = "none"  # undone, then decided again with i
    _check_results(tray, plan, picked, None if last == postponed else postponed)


def _check_results(tray: dict, plan: dict[int, str], picked: int,
                   postponed: int | None) -> None:
    runner = CliRunner()
    lines = runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()
    store = Store(load_settings().db_path)
    rows = {i: json.loads(line) for i, line in zip(
        [r["id"] for r in store.letters.export()], lines, strict=True)}
    expected = {"cpr": ("leak", "enrolled"), "cvr": ("leak", "enrolled"),
                "none": ("legitimate", "no_danish_id"),
                "justified": ("legitimate", "justified_paper")}
    for letter_id, action in plan.items():
        row = rows[letter_id]
        if action == "postpone":
            continue
        assert row["match"] == "manual", (action, row)
        if action in expected:
            assert (row["verdict"], row["reason"]) == expected[action], (action, row)
    # the first suggestion was the person the letter is to, under the register's spelling
    truth = tray["respelled"]
    assert rows[picked]["recipient_pseudonym"] == Pseudonymiser(
        tray["env"]["POSTBAKKE_SECRET"]).pseudonym(truth.recipient_id)
    assert (rows[picked]["verdict"], rows[picked]["reason"]) == (truth.verdict, truth.reason)
    # the postponed letter still waits, with its note (unless it was the one undone)
    if postponed is not None:
        assert rows[postponed]["verdict"] == "review"
    assert store.review.queue() == ([postponed] if postponed is not None else [])
    report = runner.invoke(cli, ["report", "--week", "2026-W48", "--format", "csv"]).output
    total = next(line for line in report.splitlines() if line.startswith("I alt"))
    # only the postponed letter is left for review
    assert total.split(",")[5] == ("1" if postponed is not None else "0"), total
    store.close()
