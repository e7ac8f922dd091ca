"""A clerk's day without dead ends: every review letter of a generated day finished by keyboard.

GIVEN a generated 40-letter day (text-layer PDFs and scans, real OCR) whose registers leave
letters of every reason of review: printed CPRs the register lacks (one the clerk types
first, one scanned), one whose register number differs (misread), letters without an ID,
a namesake at another address, a respelled name, and two people of one name at one address
WHEN a clerk works through the queue in Chromium with the keyboard only, each letter by its
own key (t, f, x, 1-9, i, b, c, u), refusing the namesake at the second confirmation
THEN the queue ends on "Ingen flere breve" with the day's count, the postponed letter waits
under "Udsat", every decision is what the clerk said (never a leak for the namesake), no
screen shows an English word or a raw field name, and no CPR is in clear anywhere; the
keystrokes per decision and the time from Enter to the next letter are measured.

The walk takes every way out once, so half its decisions carry typed content (two CPRs
found elsewhere, a corrected CPR, two notes). The figure held to the issue's 3 is the
keys that choose and confirm a decision (typed digits and notes are the information, not
the station's overhead); the median of every key, typed characters included, is written
next to it in reports/clerk_day.json.
"""

from __future__ import annotations

import csv
import json
import random
import re
import statistics
import time

import pytest
from browser import SCREENSHOTS, launched, needs_browser, served
from web_fixtures import cpr_in_clear, cpr_same_birth_date, scan_generated_tray, with_middle_name
from workspace_secret import TEST_SECRET

from postbakke.privacy import Pseudonymiser
from postbakke.store import Store
from postbakke_samples import make_tray

pytestmark = [pytest.mark.slow, needs_browser]

DAY_LETTERS = 40
# What the issue asks of the station (issue 22's "done when").
MAX_MEDIAN_KEYSTROKES = 3
MAX_ENTER_TO_NEXT_S = 0.3
FIGURES = SCREENSHOTS.parent / "clerk_day.json"

# Words that are English and never Danish, and the raw names of fields: none of them may
# reach a person's screen (visible text, tooltips, labels).
# ("sender" is left out: it is also Danish, "kolleger sender ..."; sender_email is a raw name).
ENGLISH = re.compile(
    r"\b(the|and|of|with|from|not|found|error|save|submit|next|previous|undo|decide[sd]?|"
    r"postpone[sd]?|review|leak|enrolled|exempt|recipient|caseworker|subject|page|"
    r"letter|week|none|null|true|false|queue|confirm|cancel|search|street|name|yes)\b",
    re.IGNORECASE)
RAW_NAME = re.compile(r"(?<![\w@.])[a-z]+_[a-z_]+(?![\w@])")
ISO_WEEK = re.compile(r"\b\d{4}-W\d{2}\b")
# The number a clerk finds in the case system for a letter printed without one: a valid
# CPR that no register row holds.
CASE_SYSTEM_CPR = "1505751234"
NAMESAKE_SON_CPR = "1206884321"  # 12.06.1988, in no generated register


def _dashed(cpr: str) -> str:
    return f"{cpr[:6]}-{cpr[6:]}"


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The generated day, its registers changed so that each reason of review occurs."""
    root = tmp_path_factory.mktemp("dag")
    out, home = root / "bakke", root / "arbejdsmappe"
    truths = make_tray(out, 2026, DAY_LETTERS, 0.25)
    rng = random.Random(22)
    text = [t for t in truths if t.degradation == "text" and not t.case]
    by_id = [t for t in text if t.recipient_kind == "cpr" and t.match == "id"
             and t.verdict == "leak"]
    by_name = [t for t in text if t.recipient_kind == "cpr" and t.match == "name_address"]
    printed_missing = [t for t in text if t.reason == "cpr_not_in_register"]
    scanned_missing = [t for t in truths if t.reason == "cpr_not_in_register"
                       and t.degradation != "text"]
    no_id = [t for t in text if t.reason == "no_recipient"]
    assert len(by_id) >= 1 and len(by_name) >= 3 and len(printed_missing) >= 2
    assert scanned_missing and len(no_id) >= 3
    misread, namesake, respelled, twins = by_id[0], by_name[0], by_name[1], by_name[2]
    register_cpr = cpr_same_birth_date(misread.recipient_id, rng)
    enrolment = out / "registers" / "enrolment.csv"
    rows = list(csv.DictReader(enrolment.open(encoding="utf-8")))
    added = []
    for row in rows:
        digits = row["id"].replace("-", "")
        if digits == misread.recipient_id:
            row["id"] = _dashed(register_cpr)  # the register knows the person by another number
        elif digits == namesake.recipient_id:
            row["street"], row["postcode"] = "Bækkelundvej 83", "8000"  # a namesake elsewhere
        elif digits == respelled.recipient_id:
            row["name"] = with_middle_name(row["name"])
            # a housemate: the address alone decides nothing
            other = cpr_same_birth_date(digits, rng)
            added.append({**row, "id": _dashed(other), "name": "Preben " + row["name"].split()[-1]})
        elif digits == twins.recipient_id:
            # two of one name at one address (a father and his son): told apart by birth date
            status = "fritaget" if row["status"] == "tilmeldt" else "tilmeldt"
            added.append({**row, "id": _dashed(NAMESAKE_SON_CPR), "status": status})
    rows += added
    env = scan_generated_tray(out, home, rows, timeout=600)
    plan = {
        printed_missing[0].file: "typed-then-t", printed_missing[1].file: "f",
        scanned_missing[0].file: "t", misread.file: "x", namesake.file: "namesake",
        respelled.file: "pick", twins.file: "twins", no_id[0].file: "i",
        no_id[1].file: "b", no_id[2].file: "typed-then-f",
    }
    return {"home": home, "env": env, "truths": {t.file: t for t in truths}, "plan": plan,
            "register_cpr": register_cpr, "twins": twins,
            "all_cprs": [t.recipient_id for t in truths if t.recipient_kind == "cpr"]
            + [register_cpr, CASE_SYSTEM_CPR, NAMESAKE_SON_CPR]
            + [r["id"].replace("-", "") for r in added]}


class Keys:
    """The keyboard, counting every key a person presses (a typed text: one per character)."""

    def __init__(self, page) -> None:
        self.page, self.count, self.typed = page, 0, 0

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        """Content typed (a number, a note): counted apart as well as in the total."""
        self.count += len(text)
        self.typed += len(text)
        self.page.keyboard.type(text)


def _screen_words(page) -> str:
    """What a person reads on the screen: the visible text, tooltips and labels."""
    return page.evaluate("""() => {
        const parts = [document.body.innerText, document.title];
        for (const name of ['title', 'placeholder', 'aria-label']) {
          document.querySelectorAll(`[${name}]`).forEach((el) => parts.push(el.getAttribute(name)));
        }
        document.querySelectorAll('svg title').forEach((el) => parts.push(el.textContent));
        return parts.join('\\n');
    }""")


def _check_danish(page, where: str) -> None:
    words = _screen_words(page)
    english = sorted({m.group(0) for m in ENGLISH.finditer(words)})
    raw = sorted({m.group(0) for m in RAW_NAME.finditer(words)})
    weeks = sorted(set(ISO_WEEK.findall(words)))
    assert not english and not raw and not weeks, (where, english, raw, weeks)


def _letter_id(page) -> int | None:
    found = re.search(r"/gennemsyn/(\d+)$", page.url)
    return int(found.group(1)) if found else None


def _shot(page, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def test_forms_check_as_typed_and_enter_does_nothing_until_valid(day: dict) -> None:
    """An impossible CPR, the municipality's own CVR and letters in a CVR are refused as
    they are typed, in red, and Enter then sends nothing; a CPR written with dots is whole."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with served(day["home"], day["env"]) as (base, _), launched() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/gennemsyn")
        start = page.url
        red = "rgb(179, 38, 30)"
        for field, typed, reason in (
            ("cpr", "320197-1234", "datoen 32.01 findes ikke"),
            ("cpr", "290200-1234", "7. ciffer passer ikke"),  # 1900 had no 29 February
            ("cpr", "010130-4000", "ligger i fremtiden"),  # 7th digit 4, 30: the year 2030
            ("cvr", "29189714", "kommunens eget CVR-nummer"),
            ("cvr", "1234ABCD", "Kun cifre"),
            ("cvr", "12345678", "kontrolcifferet passer ikke"),
        ):
            page.keyboard.press("Escape")
            page.keyboard.press("c" if field == "cpr" else "v")
            page.keyboard.type(typed)
            status = page.locator(f"#{field}-status")
            status.filter(has_text=reason).wait_for(timeout=5000)
            assert status.evaluate("(el) => getComputedStyle(el).color") == red, typed
            page.keyboard.press("Enter")
            page.wait_for_timeout(300)
            assert page.url == start, typed  # nothing was sent
            assert page.locator(f"#{field}").input_value() == typed  # nor lost
            if typed == "29189714":
                _shot(page, "dag-00-eget-cvr-afvist.png")
            page.locator(f"#{field}").fill("")
        page.keyboard.press("Escape")
        page.keyboard.press("c")
        page.keyboard.type("20.08.97-9076")
        assert page.locator("#cpr").input_value() == "20.08.97-9076"  # not cut short
        page.locator("#cpr-status").filter(has_text="200897-XXXX").wait_for(timeout=5000)


def test_a_clerk_finishes_the_day_by_keyboard(day: dict, monkeypatch) -> None:
    for name, value in day["env"].items():
        monkeypatch.setenv(name, value)
    store = Store(day["home"] / "postbakke.db")
    queue = store.review.undecided()
    source_of = {i: store.letters.get(i).source for i in queue}
    reasons = {i: store.letters.get(i).reason.value for i in queue}
    unplanned = {i: source_of[i] for i in queue if source_of[i] not in day["plan"]}
    assert not unplanned, f"review letters the plan does not know: {unplanned} {reasons}"
    assert {reasons[i] for i in queue} >= {"cpr_not_in_register", "no_recipient", "ambiguous"}
    text_layer = [i for i in queue if day["truths"][source_of[i]].degradation == "text"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visited: list[str] = []
    htmls: list[str] = []
    keystrokes: dict[int, int] = {}  # every key, typed numbers and notes included
    decision_keys: dict[int, int] = {}  # the keys that choose and confirm (no typed content)
    enter_to_next: list[float] = []
    secret = Pseudonymiser(TEST_SECRET)
    with served(day["home"], day["env"]) as (base, server_output), launched() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("request", lambda request: visited.append(request.url))
        page.goto(f"{base}/gennemsyn")
        keys = Keys(page)
        view_checked = False
        while (letter_id := _letter_id(page)) is not None:
            page.locator("#counter").wait_for()
            action = day["plan"][source_of[letter_id]]
            truth = day["truths"][source_of[letter_id]]
            htmls.append(page.content())
            _check_danish(page, f"brev {letter_id} ({action})")
            if letter_id in text_layer and not view_checked:
                view_checked = True
                _check_the_page_image(page, base, letter_id)
            start, typed_before = keys.count, keys.typed
            if action in ("typed-then-t", "typed-then-f"):
                keys.press("c")
                keys.type(_dashed(truth.recipient_id or CASE_SYSTEM_CPR))
                page.locator("#cpr-status").filter(has_text="står ikke").wait_for(timeout=5000)
                if action == "typed-then-f":
                    keys.press("Enter")  # not saved: the look-up is offered instead
                page.locator("#look-up").wait_for(state="visible")
                if action == "typed-then-t":
                    _shot(page, "dag-01-cpr-ikke-i-registret.png")
                # t / f answer the look-up, from the field or after Enter left it
                keys.press("t" if action == "typed-then-t" else "f")
            elif action in ("t", "f"):
                assert page.locator("#look-up").is_visible()
                keys.press(action)
            elif action == "x":
                keys.press("x")
                keys.type(_dashed(day["register_cpr"]))
                page.locator("#cpr-status").filter(has_text="tilmeldt").wait_for(timeout=5000)
            elif action == "pick":
                assert page.locator(".suggestion").count() >= 1
                keys.press("1")
            elif action == "twins":
                assert page.locator(".suggestions.side-by-side .suggestion").count() >= 2
                _shot(page, "dag-05-tvivl-side-om-side.png")
                wanted = secret.pseudonym(truth.recipient_id)
                index = page.locator(".suggestion input[name=candidate]").evaluate_all(
                    "(inputs, wanted) => inputs.findIndex((i) => i.value === wanted)", wanted)
                keys.press(str(index + 1))
            elif action == "namesake":
                keys.press("1")
                with page.expect_navigation():
                    keys.press("Enter")
                assert page.locator("#confirm-other").is_visible()
                assert page.locator("#confirm-other .diff").count() >= 1
                _check_danish(page, "navnebror")
                _shot(page, "dag-04-navnebror-bekraeft.png")
                keys.press("Enter")  # a second Enter out of habit chooses nothing
                page.wait_for_timeout(300)
                assert page.locator("#confirm-other").is_visible()
                with page.expect_navigation():
                    keys.press("Escape")  # refused: another person
                assert _letter_id(page) == letter_id
                keys.press("u")
                keys.type("Navnebror på anden adresse; spørg afsender")
            elif action == "i":
                keys.press("i")
            elif action == "b":
                keys.press("b")
                keys.type("Borgeren har bedt om papir")
            began = time.perf_counter()
            with page.expect_navigation(wait_until="load"):
                keys.press("Enter")
            enter_to_next.append(time.perf_counter() - began)
            keystrokes[letter_id] = keys.count - start
            decision_keys[letter_id] = keystrokes[letter_id] - (keys.typed - typed_before)
            if len(keystrokes) == 1:
                assert page.locator("#confirmation").is_visible()
                _check_danish(page, "bekræftelse")
                _shot(page, "dag-06-bekraeftelse-med-fortryd.png")
        # the end of the day's queue
        assert page.locator("#end").is_visible(), page.url
        text = page.inner_text("#end")
        assert "Ingen flere breve" in text
        assert f"afgjort {len(keystrokes) - 1} breve" in text, text  # the namesake was put off
        _check_danish(page, "slutskærm")
        _shot(page, "dag-07-ingen-flere-breve.png")
        htmls.append(page.content())
        page.goto(f"{base}/gennemsyn/udsat")
        assert "Navnebror på anden adresse" in page.inner_text("#postponed")
        _check_danish(page, "udsat")
        _shot(page, "dag-08-udsat.png")
        for path, name in (("/rapport?uge=48", "dag-09-rapport.png"),
                           ("/breve?afsender=" + _any_sender_part(store) + "&uge=uge+48",
                            "dag-10-breve-filter.png"),
                           ("/ugebrev?uge=48", "dag-11-ugebreve.png")):
            page.goto(base + path)
            htmls.append(page.content())
            _check_danish(page, path)
            _shot(page, name, full_page=path.startswith("/rapport"))
        assert page.locator("nav").count() >= 1
    everything = "\n".join(visited + htmls + server_output)
    assert cpr_in_clear(everything, day["all_cprs"]) == []
    _check_decisions(day, store, source_of)
    median = statistics.median(decision_keys.values())
    figures = {"letters": DAY_LETTERS, "decisions": len(keystrokes),
               "keystrokes": keystrokes, "decision_keys": decision_keys,
               "median_keystrokes_all": statistics.median(keystrokes.values()),
               "median_decision_keys": median,
               "typed_content_decisions": sum(
                   1 for i in keystrokes if keystrokes[i] != decision_keys[i]),
               "enter_to_next_s": [round(t, 3) for t in enter_to_next],
               "median_enter_to_next_s": round(statistics.median(enter_to_next), 3),
               "max_enter_to_next_s": round(max(enter_to_next), 3)}
    FIGURES.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    assert median <= MAX_MEDIAN_KEYSTROKES, figures
    assert statistics.median(enter_to_next) <= MAX_ENTER_TO_NEXT_S, figures
    store.close()


def _any_sender_part(store: Store) -> str:
    """Part of a sender's name, in small letters (the filter finds any part, any case)."""
    name = store.letters.sender_names()[0]
    return name.split()[-1].lower()


def _check_the_page_image(page, base: str, letter_id: int) -> None:
    """A text-layer letter shows its page with outlines; zoom and turn work and stay."""
    image = page.locator(".page img").first
    image.wait_for()
    page.wait_for_function("() => document.querySelector('.page img').naturalWidth > 0")
    assert page.locator(".no-image").count() == 0
    assert page.locator(".page svg.boxes rect").count() >= 2
    assert page.locator("#legend").is_visible()
    _shot(page, "dag-02-tekstlag-med-felter.png")
    page.keyboard.press("+")
    page.keyboard.press("r")
    page.reload()
    page.wait_for_function("() => document.querySelector('.page img').naturalWidth > 0")
    figure = page.locator(".page").first
    assert "rotate(90deg)" in (figure.get_attribute("style") or "")  # kept from letter to letter
    box = figure.bounding_box()
    scroll = page.locator("#page-scroll").bounding_box()
    assert box and scroll and box["x"] >= scroll["x"] - 1  # the turned page is not cut off
    assert box["width"] > box["height"]  # it lies on its side
    _shot(page, "dag-03-drejet-side.png")
    for key in ("r", "r", "r", "-"):
        page.keyboard.press(key)
    assert "rotate" not in (figure.get_attribute("style") or "")


def _check_decisions(day: dict, store: Store, source_of: dict[int, str]) -> None:
    expected = {
        "typed-then-t": ("leak", "enrolled"), "t": ("leak", "enrolled"),
        "f": ("legitimate", "exempt"), "typed-then-f": ("legitimate", "exempt"),
        "i": ("legitimate", "no_danish_id"), "b": ("legitimate", "justified_paper"),
        "namesake": ("review", "no_recipient"),
    }
    for letter_id, source in source_of.items():
        action = day["plan"][source]
        letter = store.letters.get(letter_id)
        got = (letter.verdict.value, letter.reason.value)
        if action in expected:
            assert got == expected[action], (action, got, letter.evidence)
        if action in ("typed-then-t", "t", "f", "typed-then-f"):
            assert "ifølge opslag" in (letter.evidence or ""), letter.evidence
        if action == "x":
            assert letter.recipient_pseudonym == Pseudonymiser(TEST_SECRET).pseudonym(
                day["register_cpr"])
            assert "fejllæst" in store.decisions.last_logged(letter_id=letter_id)["note"]
        if action in ("pick", "twins"):
            truth = day["truths"][source]
            assert letter.match.value == "manual"
            if action == "twins":
                assert letter.recipient_pseudonym == Pseudonymiser(TEST_SECRET).pseudonym(
                    truth.recipient_id)
    assert [p["source"] for p in store.review.postponed()] == [
        s for s, a in day["plan"].items() if a == "namesake"]
