"""Privacy a DPO can sign: a full run through the real CLI (subprocesses, real OCR), then
every place it left data searched for every generated person's CPR number, in every
written form and OCR-confused form; file modes; access, erasure and retention.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from municipality import MUNICIPALITY_TOML
from workspace_secret import TEST_SECRET

from postbakke.config import load_settings
from postbakke.outputs.figures import resolve_period
from postbakke.outputs.report import load_report
from postbakke.privacy import Pseudonymiser
from postbakke.retention import purge_expired
from postbakke.store import Store
from postbakke_samples import TRAY_DIR, make_tray
from postbakke_samples.world import make_world

SEED = 14
DAY = "2026-11-25"
# OCR look-alikes read back as digits: the sweep's own table (not the product's).
LOOKALIKES = str.maketrans({**dict.fromkeys("OoDQ", "0"), **dict.fromkeys("lIi|!", "1"),
                            **dict.fromkeys("Zz", "2"), **dict.fromkeys("Ss$", "5"),
                            **dict.fromkeys("bG", "6"), "T": "7", "B": "8",
                            **dict.fromkeys("gq", "9")})
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212/.]+")

DIGEST_TOML = """\
[digest]
sender = "Postbakken <postbakke@favrskov.dk>"
contact = "Mette Skov, projektleder, tlf. 89 64 12 34, mesk@favrskov.dk"

[digest.departments]
{departments}

[smtp]
host = "smtp.favrskov.dk"
"""


def cprs_found(text: str, cprs: list[str]) -> list[str]:
    """The CPRs that occur in the text in any written or OCR-confused form: look-alikes
    read as digits, separators dropped, then each CPR's ten digits searched."""
    flat = SEPARATORS.sub("", text.translate(LOOKALIKES))
    return [cpr for cpr in cprs if cpr in flat]


def run_cli(env: dict, *args: str, stdin: str | None = None, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "postbakke", *args], env=env, cwd=cwd,
                          input=stdin, capture_output=True, text=True, timeout=600)
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("sweep")
    bakke = root / "bakke"
    make_tray(bakke, seed=SEED, n_letters=8, scanned_share=0.5)
    world = make_world(SEED)
    home = root / "ws"
    scanner = root / "scanner"
    (scanner / "Jobcenter").mkdir(parents=True)
    env = {**os.environ, "POSTBAKKE_HOME": str(home), "POSTBAKKE_SECRET": TEST_SECRET,
           "PYTHONUNBUFFERED": "1"}
    outputs: dict[str, str] = {}
    outputs["enrolment"] = run_cli(env, "enrolment", "import",
                                   str(bakke / "registers" / "enrolment.csv"), cwd=root)
    outputs["staff"] = run_cli(env, "staff", "import", str(bakke / "registers" / "staff.csv"),
                               cwd=root)
    departments = "\n".join(f'"{d}" = "afd{i}@favrskov.dk"'
                            for i, d in enumerate(sorted({s.department for s in world.staff})))
    (home / "postbakke.toml").write_text(
        MUNICIPALITY_TOML + f'\n[watch]\nfolder = "{scanner}"\n\n'
        + DIGEST_TOML.format(departments=departments), encoding="utf-8")
    files = sorted((bakke / TRAY_DIR).iterdir())
    first, rest = files[0], files[1:]
    outputs["scan"] = run_cli(env, "--debug", "scan", "--tray", "Postrum", "--date", DAY,
                              "--workers", "2", *map(str, rest), cwd=root)
    process = subprocess.Popen(
        [sys.executable, "-m", "postbakke", "--debug", "watch", str(scanner), "--poll", "0.1",
         "--settle", "0.3"], env=env, cwd=root, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        shutil.copy(first, scanner / "Jobcenter" / first.name)
        (scanner / "ødelagt.pdf").write_bytes(b"ikke en pdf")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
                (scanner / "fejlet" / "ødelagt.pdf.txt").exists()
                and not (scanner / "Jobcenter" / first.name).exists()):
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        outputs["watch"], _ = process.communicate(timeout=60)
    outputs["review list"] = run_cli(env, "review", "list", cwd=root)
    store = Store(home / "postbakke.db")
    waiting = store.review.queue()
    person = world.persons[0]
    if waiting:
        outputs["review decide"] = run_cli(env, "review", "decide", str(waiting[0]), "--cpr",
                                           stdin=f"{person.cpr[:6]}-{person.cpr[6:]}\n",
                                           cwd=root)
    for fmt in ("table", "csv", "jsonl"):
        outputs[f"letters {fmt}"] = run_cli(env, "letters", "--format", fmt, cwd=root)
    outputs["report"] = run_cli(env, "report", "--week", "2026-W48", cwd=root)
    outputs["report csv"] = run_cli(env, "report", "--week", "2026-W48", "--format", "csv",
                                    cwd=root)
    outputs["digest"] = run_cli(env, "digest", "--week", "2026-W48", "--dry-run", cwd=root)
    outputs["person show"] = run_cli(env, "person", "show", "--reason", "anmodning 14",
                                     stdin=person.cpr + "\n", cwd=root)
    outputs["audit"] = run_cli(env, "audit", cwd=root)
    outputs["config check"] = run_cli(env, "config", "check", cwd=root)
    store.close()
    return {"root": root, "home": home, "scanner": scanner, "world": world, "env": env,
            "outputs": outputs, "person": person}


@pytest.mark.slow
def test_no_cpr_of_any_person_is_left_anywhere_a_full_run_wrote(full_run: dict) -> None:
    cprs = [p.cpr for p in full_run["world"].persons]
    root, home = full_run["root"], full_run["home"]
    places = [p for p in home.rglob("*") if p.is_file()]
    places += [p for p in (full_run["scanner"] / "fejlet").rglob("*.txt")]
    places += [p for p in (root / "reports").rglob("*") if p.is_file()]
    assert any(p.name.endswith("-wal") or p.name == "postbakke.db" for p in places)
    assert any(p.suffix == ".eml" for p in places) and any(p.suffix == ".html" for p in places)
    leaks = {}
    for path in places:
        found = cprs_found(path.read_bytes().decode("latin-1"), cprs)
        if found and path.suffix != ".png":  # a page image shows the letter as printed
            leaks[str(path)] = found
    for name, output in full_run["outputs"].items():
        if cprs_found(output, cprs):
            leaks[f"output of {name}"] = cprs_found(output, cprs)
    assert leaks == {}
    assert "Borger" in full_run["outputs"]["person show"]


@pytest.mark.slow
def test_every_file_of_the_workspace_is_its_owners_only_after_a_run(full_run: dict) -> None:
    home = full_run["home"]
    modes = {str(p): stat.S_IMODE(p.stat().st_mode) for p in [home, *home.rglob("*")]}
    open_to_others = {p: f"{m:o}" for p, m in modes.items() if m & 0o077}
    assert open_to_others == {}
    assert any("sider" in p for p in modes)
    images = [p for p in home.rglob("*.jpg")]
    assert images and all(re.fullmatch(r"[0-9a-f]{16}-p\d{3}\.jpg", p.name) for p in images)
    assert "kan læses af andre" not in full_run["outputs"]["config check"]
    assert "Opbevaring: sidebilleder" in full_run["outputs"]["config check"]


@pytest.mark.slow
def test_the_audit_log_holds_exports_reports_decisions_and_person_requests(
        full_run: dict) -> None:
    audit = full_run["outputs"]["audit"]
    for what in ("breve udtrukket (csv)", "rapport (csv)", "person vist", "anmodning 14"):
        assert what in audit, audit
    if "review decide" in full_run["outputs"]:
        assert "brev afgjort" in audit and "decide" not in audit


@pytest.mark.slow
def test_erasure_and_retention_keep_the_counts(full_run: dict, tmp_path: Path) -> None:
    home = tmp_path / "ws"
    shutil.copytree(full_run["home"], home)
    # the copy's page images: rewrite the paths the letters hold to the copy's
    store = Store(home / "postbakke.db")
    old = str(full_run["home"])
    store.db.execute("UPDATE letters SET image_paths = replace(image_paths, ?, ?)",
                     [old, str(home)])
    store.db.conn.commit()
    period = resolve_period("2026-W48", None, None, date(2026, 11, 25))
    before = load_report(store, period, "Favrskov Kommune").total
    pseudonyms = Pseudonymiser(TEST_SECRET)
    held = [p for p in full_run["world"].persons
            if store.audit.letters_of_person(pseudonyms.pseudonym(p.cpr))]
    assert held, "the tray has letters to known persons"
    person = held[0]
    pseudonym = pseudonyms.pseudonym(person.cpr)
    images = [Path(p) for letter in store.audit.letters_of_person(pseudonym)
              for p in letter["image_paths"]]
    store.close()
    env = {**full_run["env"], "POSTBAKKE_HOME": str(home)}
    out = run_cli(env, "person", "erase", "--reason", "sletning efter art. 17",
                  stdin=person.cpr + "\n", cwd=tmp_path)
    assert "tællingerne er uændrede" in out, out
    store = Store(home / "postbakke.db")
    assert store.audit.letters_of_person(pseudonym) == []
    dump = "\n".join(store.db.conn.iterdump())
    assert pseudonym not in dump
    assert not any(p.exists() for p in images)
    assert load_report(store, period, "Favrskov Kommune").total == before
    # retention: a clock moved past every kind's days
    later = datetime.now(UTC) + timedelta(days=400)
    settings = load_settings({"POSTBAKKE_HOME": str(home), "POSTBAKKE_SECRET": TEST_SECRET})
    listed = purge_expired(store, settings, now=later, dry_run=True).listed
    assert listed and any(Path(p).exists() for p in listed if p.startswith("/"))
    purge_expired(store, settings, now=later)
    assert not list(home.rglob("*.png"))
    assert store.db.execute(
        "SELECT count(*) FROM letters WHERE ocr_text IS NOT NULL OR subject IS NOT NULL "
        "OR evidence IS NOT NULL OR recipient_block IS NOT NULL").fetchone()[0] == 0
    assert load_report(store, period, "Favrskov Kommune").total == before
