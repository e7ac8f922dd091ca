"""A workspace for the work station's tests: registers, review letters with page images.

Letters are stored through the store's own API (as the scan stores them); the
page images are small generated PNGs in the workspace's page folder.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from click.testing import CliRunner
from municipality import configure_municipality
from rapidfuzz import fuzz
from workspace_secret import TEST_SECRET

from postbakke.cli import cli
from postbakke.config import load_settings
from postbakke.deciding.match import NAME_MATCH, SUGGEST_NAME, normalise
from postbakke.identifiers import cpr_birth_date
from postbakke.people.filing import file_letters
from postbakke.store import LetterRecord, Store, StoredFile

ENROLLED_CPR = "0101901234"  # Jens Hansen, tilmeldt
EXEMPT_CPR = "0202852678"  # Karen Lund, fritaget
UNKNOWN_CPR = "0505803456"  # an adult not in the register
COMPANY_CVR = "55807302"  # Tømrer ApS, tilmeldt
OWN_CVR = "65828235"
ALL_CPR = (ENROLLED_CPR, EXEMPT_CPR, UNKNOWN_CPR)

ENROLMENT_CSV = (
    "id,status,name,street,postcode,city\n"
    f"{ENROLLED_CPR[:6]}-{ENROLLED_CPR[6:]},tilmeldt,Jens Hansen,Søvej 3,8370,Hadsten\n"
    f"{EXEMPT_CPR},fritaget,Karen Lund,Bakken 1,8382,Hinnerup\n"
    "0303754321,tilmeldt,Jens Hansen,Åvej 17,8000,Aarhus C\n"
    f"{COMPANY_CVR},tilmeldt,Tømrer ApS,Industrivej 9,8370,Hadsten\n"
)
STAFF_CSV = (
    "name,initials,email,phone,department\n"
    "Anne Holm,AH,ah@favrskov.dk,89641001,Jobcenter\n"
    "Bo Berg,BB,bb@favrskov.dk,89641002,Borgerservice\n"
)


def page_png(path: Path, text: str) -> None:
    """A small A4-shaped grey page with a line of text on it."""
    image = np.full((842, 595), 250, np.uint8)
    cv2.putText(image, text, (60, 200), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 20, 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), image)


def review_letter(home: Path, file_hash: str, page: int, **changes) -> LetterRecord:
    image = home / "sider" / file_hash / f"p{page:03d}.png"
    page_png(image, f"Brev side {page}")
    values = dict(
        file_hash=file_hash, source="bakke.pdf", pages=[page], tray="Postrum",
        scanned_on="2026-11-18", recipient_kind=None, recipient_pseudonym=None,
        recipient_masked=None, match=None, enrolment=None, department="Jobcenter",
        sender="Anne Holm", verdict="review", reason="no_recipient", window_cpr=False,
        evidence="intet id og ingen entydig navn/adresse i registret",
        subject="Indkaldelse til samtale", ocr_text="Kære borger",
        image_paths=[str(image)],
    )
    values.update(changes)
    return LetterRecord(**values)


def make_workspace(home: Path, letters: int = 6) -> Store:
    """Registers imported through the CLI and `letters` review letters in one tray file."""
    runner = CliRunner()
    for command, text, name in (("enrolment", ENROLMENT_CSV, "tilmelding.csv"),
                                ("staff", STAFF_CSV, "staff.csv")):
        path = home.parent / name
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(cli, [command, "import", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    store = Store(load_settings().db_path)
    file_letters(
        store,
        StoredFile("h1", "bakke.pdf", "Postrum", "2026-11-18", letters, "nu"),
        [review_letter(home, "h1", p) for p in range(1, letters + 1)],
    )
    return store


CPR_FORMS = re.compile(r"\d{6}[-\s/.]?\d{4}")


def cpr_in_clear(text: str, cprs=ALL_CPR) -> list[str]:
    """Every form in which one of these CPR numbers appears in `text`."""
    found = []
    for cpr in cprs:
        for form in (cpr, f"{cpr[:6]}-{cpr[6:]}", f"{cpr[:6]} {cpr[6:]}",
                     f"{cpr[:6]}/{cpr[6:]}", f"{cpr[:6]}.{cpr[6:]}"):
            if form in text:
                found.append(form)
    return found


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def form_version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "no version in the page"
    return found.group(1)


def exported(home: Path) -> dict[int, dict]:
    runner = CliRunner()
    lines = runner.invoke(cli, ["letters", "--format", "jsonl"]).output.splitlines()
    return {i: json.loads(line) for i, line in enumerate(lines, start=1)}


# A name with a middle name more, for a register entry the station should only suggest.
MIDDLE_NAMES = ("Marie", "Bach", "Holm", "Kjær", "Lund", "Marianne", "Christine")


def cpr_same_birth_date(cpr: str, rng: random.Random) -> str:
    """Another valid CPR with the same birth date (the register's number for the person)."""
    while True:
        other = cpr[:6] + cpr[6] + f"{rng.randrange(1000):03d}"
        if other != cpr and cpr_birth_date(other) is not None:
            return other


def with_middle_name(name: str) -> str:
    """The name with a middle name more: close enough to suggest, too far to decide alone."""
    words = name.split()
    for middle in MIDDLE_NAMES:
        changed = " ".join([words[0], middle, *words[1:]])
        score = fuzz.token_sort_ratio(normalise(changed), normalise(name))
        if SUGGEST_NAME <= score < NAME_MATCH:
            return changed
    raise AssertionError(f"no respelling of {name!r} falls between the thresholds")


def scan_generated_tray(out: Path, home: Path, enrolment_rows: list[dict],
                        timeout: int) -> dict[str, str]:
    """A generated tray (`out`, by make_tray) taken in as a mailroom does it, by the CLI in a
    process of its own: the enrolment register written as `enrolment_rows`, both registers
    imported, the tray scanned on 25 November 2026. The environment the workspace is used
    with (its home, secret and own CVR)."""
    enrolment = out / "registers" / "enrolment.csv"
    with enrolment.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(enrolment_rows[0]))
        writer.writeheader()
        writer.writerows(enrolment_rows)
    configure_municipality(home)
    env = {"POSTBAKKE_HOME": str(home), "POSTBAKKE_SECRET": TEST_SECRET,
           "POSTBAKKE_OWN_CVR": "29189714"}
    for args in (["enrolment", "import", str(enrolment)],
                 ["staff", "import", str(out / "registers" / "staff.csv")],
                 ["scan", "--tray", "Postrum", "--date", "2026-11-25", "--workers", "2",
                  str(out / "tray")]):
        done = subprocess.run([sys.executable, "-m", "postbakke", *args],
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, done.stdout + done.stderr
    return env
