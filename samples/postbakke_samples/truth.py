"""The truth next to a generated tray: what every letter is and should be judged.

A tray folder holds tray/ (the letters), registers/ (enrolment.csv, staff.csv),
truth.json (a LetterTruth per letter: recipient, expected verdict and reason,
what was done to its scan) and, for scanned batches, batch.json (every page of
every batch file with its role).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from postbakke_samples.letter_pdf import font_family
from postbakke_samples.letters import LetterSpec
from postbakke_samples.world import Person, World, is_child, write_registers

TRAY_DIR = "tray"  # make_tray writes the letters here, apart from registers/ and truth.json
BATCH_FILE = "batch.json"  # next to truth.json: every page of every batch file with its role
TEXT_LEVEL = "text"  # a PDF with a text layer: no scan at all


@dataclass
class LetterTruth:
    file: str  # file name, no folder (the export's `source`)
    pages: list[int]  # 1-based pages within that file
    recipient_kind: str | None  # "cpr", "cvr" or None
    recipient_id: str | None  # digits in clear: test data only
    recipient_name: str
    department: str
    sender: str
    verdict: str
    reason: str
    window_cpr: bool
    degradation: str  # "text", or e.g. "scan300-skew-1.5-noise-upside-down"
    layout: str
    match: str | None = None  # "id", "name_address" or None, as in the letters export
    enrolment: str | None = None  # the matched register status
    id_placement: str = "none"
    category: str = ""
    separator_before: bool = False  # batch: a PATCHT separator sheet lies just before the letter
    blank_backs: bool = False  # batch: scanned duplex, each page followed by its blank back
    # make_corpus: "text" or a DEGRADATION_LEVELS name, and what was done to the scan
    # (dpi, skew per page, noise, blur, JPEG quality, contrast, edges, marks).
    level: str = ""
    degradation_details: dict[str, Any] = field(default_factory=dict)
    font: str = ""
    # issue 20: "parent_child", "child", "estate", "copy", "representative", "foreign",
    # "sender_email_only" (samples.cases); "" for the ordinary letters
    case: str = ""


def expected_verdict(spec: LetterSpec) -> tuple[str, str]:
    """(verdict, reason) per domain.md's table, from what the letter shows and the register.

    The recipient is identified by a printed ID (info, subject or window), or
    else by name+address, which the world guarantees to be unique for everyone
    in the register. Namesakes elsewhere never make a match.
    """
    if spec.case == "estate":  # never a leak, whatever the register says of the deceased
        return "legitimate", "estate"
    if spec.case == "foreign":  # no Danish recipient
        return "review", "no_recipient"
    verdict = _expected_without_enclosure(spec)
    if spec.enclosure and verdict[0] == "leak":
        return "legitimate", "physical_enclosure"  # never a leak (domain.md)
    return verdict


def _expected_without_enclosure(spec: LetterSpec) -> tuple[str, str]:
    r = spec.recipient
    printed = spec.id_placement != "none"
    if isinstance(r, Person):
        identified = printed or r.status is not None
        if identified and is_child(r.cpr, spec.letter_date):
            return "legitimate", "child_under_15"
        if r.status is None:
            return ("review", "cpr_not_in_register") if printed else ("review", "no_recipient")
    elif r.status is None:
        return ("leak", "company_obliged") if printed else ("review", "no_recipient")
    if r.status == "tilmeldt":
        return "leak", "enrolled"
    if r.status == "fritaget":
        return "legitimate", "exempt"
    raise ValueError(f"unknown status {r.status!r}")


def letter_truth(spec: LetterSpec, file: str, degradation: str) -> LetterTruth:
    verdict, reason = expected_verdict(spec)
    r = spec.recipient
    printed = spec.id_placement != "none"
    kind = "cpr" if isinstance(r, Person) else "cvr"
    digits = r.cpr if isinstance(r, Person) else r.cvr
    known = printed or r.status is not None
    status = r.status
    if status is not None:
        match: str | None = "id" if printed else "name_address"
    else:
        match = None
    if spec.case in ("estate", "foreign"):  # no recipient to find in the register
        known, status, match = False, None, None
    return LetterTruth(
        file=file,
        pages=list(range(1, spec.n_pages + 1)),
        recipient_kind=kind if known else None,
        recipient_id=digits if known else None,
        recipient_name=spec.window_lines[0] if spec.case == "estate" else r.name,
        department=spec.department,
        sender=spec.sender.name,
        verdict=verdict,
        reason=reason,
        window_cpr=isinstance(r, Person) and spec.id_placement == "window",
        degradation=degradation,
        layout=spec.layout,
        match=match,
        enrolment=status,
        id_placement=spec.id_placement,
        category=spec.category,
        font=font_family(spec.font) if spec.font else "",
        case=spec.case,
    )


def load_batches(path: Path) -> dict[str, dict]:
    """batch.json: {file name: {"file", "dpi", "separator_kind", "n_pages", "pages": [...]}}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def ensure_registers(world: World, out_dir: Path) -> None:
    """Write the registers, unless the same ones are there; another world's are an error."""
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="postbakke-registers-") as tmp:
        fresh = write_registers(world, Path(tmp))
        existing = [out_dir / path.name for path in fresh]
        if any(path.exists() for path in existing):
            if all(
                old.exists() and old.read_bytes() == new.read_bytes()
                for old, new in zip(existing, fresh, strict=True)
            ):
                return
            raise ValueError(f"{out_dir} holds the registers of another world")
    write_registers(world, out_dir)


def merge_truth(path: Path, truths: list[LetterTruth]) -> None:
    """Add truths to truth.json, replacing the entries of the files written again."""
    files = {t.file for t in truths}
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    merged = [item for item in old if item["file"] not in files]
    merged += [asdict(t) for t in truths]
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def merge_json_dict(path: Path, entries: dict[str, dict]) -> None:
    """Add entries to a JSON object file (batch.json), replacing those of the same key."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old.update(entries)
    path.write_text(json.dumps(old, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_truth(path: Path) -> list[LetterTruth]:
    """Read truth.json back into LetterTruth objects."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [LetterTruth(**item) for item in data]
