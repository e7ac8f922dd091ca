"""Light commands stay light: no OCR or plotting library is loaded for them.

GIVEN a workspace with letters
WHEN `summary`, `letters`, `review list`, `followup list` or `--version` runs (in a
fresh interpreter, as from the shell)
THEN OpenCV, Tesseract and matplotlib are not imported (they cost ~1 s to load and
are needed only to read scans and draw the report's charts).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from postbakke.people.filing import file_letters
from postbakke.store import LetterRecord, Store, StoredFile

HEAVY = ("cv2", "tesserocr", "matplotlib")
PROBE = """
import json, sys
from postbakke.cli import cli
try:
    cli(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(%r))))
"""


@pytest.mark.parametrize("args", [["summary"], ["letters"], ["letters", "--format", "jsonl"],
                                  ["review", "list"], ["followup", "list"], ["--version"]])
def test_light_commands_load_no_ocr_or_plotting_library(workspace, args):
    store = Store(workspace / "postbakke.db")
    file_letters(store, StoredFile("h1", "a.pdf", None, "2026-11-16", 1, "nu"), [LetterRecord(
        file_hash="h1", source="a.pdf", pages=[1], tray=None, scanned_on="2026-11-16",
        recipient_kind=None, recipient_pseudonym=None, recipient_masked=None, match=None,
        enrolment=None, department="Jobcenter", sender="Anne Holm", verdict="review",
        reason="no_recipient", window_cpr=False, ocr_text="Kære borger")])
    store.close()
    done = subprocess.run([sys.executable, "-c", PROBE % (HEAVY,), *args],
                          capture_output=True, text=True, timeout=120, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], (args, loaded)


def test_a_command_loads_its_own_module_only_and_every_command_is_found():
    """`summary` starts without the review, scanning, register and web modules (0.3 s of
    every start); each command is declared in the module the root looks it up in."""
    probe = ("import json, sys\nfrom postbakke.cli import cli\n"
             "cli(['summary', '--help'], standalone_mode=False)\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith('postbakke.'))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "postbakke.cli.outputs" in loaded
    assert not loaded & {"postbakke.cli.decisions", "postbakke.cli.scanning",
                         "postbakke.cli.admin", "postbakke.cli.registers",
                         "postbakke.people.review", "postbakke.watch"}, loaded
    from postbakke.cli import cli, load_all_commands
    from postbakke.cli.base import COMMAND_MODULES

    load_all_commands()
    declared = {name: command.callback.__module__ for name, command in cli.commands.items()}
    assert declared == {name: f"postbakke.cli.{module}"
                        for name, module in COMMAND_MODULES.items()}
