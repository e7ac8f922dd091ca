"""How right the workspace's letters are: the letters export compared with a corpus's truth.

Pure: give it the truth (samples.LetterTruth, from truth.json), the exported
letters (`Store.letters.export()` or `postbakke letters --format jsonl`) and the
secret the workspace pseudonymised with; it returns the scores overall, per
degradation level and per layout. `format_evaluation` prints them as a table
for people (Danish); `check_thresholds` names every score below its limit.

A truth letter is found in the export by its file and first page. It is split
right when a letter with exactly its pages was exported; its fields are judged
on the exported letter that starts at its first page (as a reviewer would see
it), so a split error costs the fields only when the start was missed. A leak
flag is right only on an exported letter that starts where a true leak starts:
a flag on a fragment, a blank page or a non-leak is a wrong leak — a colleague
accused without cause. A true leak the tool called legitimate is a silent miss:
a leak nobody will ever look at (a letter for review at least gets a person's eye).
Issue 20's letters (truth `case`) are also scored per case.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from postbakke.errors import InputFileError
from postbakke.privacy import Pseudonymiser
from postbakke_samples.truth import TEXT_LEVEL, LetterTruth

LEAK = "leak"
SCANNED_LEVEL = "scan"  # truths written before levels existed (make_tray, make_batch scans)

LEVEL_DA = {
    TEXT_LEVEL: "tekstlag",
    "clean": "ren",
    "mild": "let",
    "medium": "middel",
    "harsh": "hård",
    SCANNED_LEVEL: "scannet",
}
LEVEL_ORDER = (TEXT_LEVEL, "clean", "mild", "medium", "harsh", SCANNED_LEVEL)
LEGITIMATE = "legitimate"
# issue 20's cases (samples.cases.CASES), in the order of the table, with Danish names
CASE_DA = {
    "parent_child": "til forælder om barn",
    "child": "til barn",
    "estate": "dødsbo",
    "copy": "kopi-linje",
    "representative": "værge/repræsentant",
    "foreign": "udlandet",
    "sender_email_only": "kun afsenders e-mail",
}


def level_of(truth: LetterTruth) -> str:
    """The truth's degradation level; older truths say only "text" or a scan label."""
    if truth.level:
        return truth.level
    return TEXT_LEVEL if truth.degradation == TEXT_LEVEL else SCANNED_LEVEL


@dataclass
class Scores:
    """Counts for one group of truth letters; the rates are read off them."""

    letters: int = 0
    split_right: int = 0
    recipient_right: int = 0
    sender_right: int = 0
    department_right: int = 0
    verdict_right: int = 0
    reason_right: int = 0
    printed_id: int = 0  # letters that print the recipient's CPR/CVR
    printed_id_right: int = 0  # ...whose exported recipient is that number
    true_leaks: int = 0
    flagged_leaks: int = 0  # leak flags on exported letters attributed to this group
    right_leaks: int = 0
    missing: int = 0  # truth letters no exported letter starts at
    silent_misses: int = 0  # true leaks the tool called legitimate: never looked at again

    @property
    def wrong_leaks(self) -> int:
        return self.flagged_leaks - self.right_leaks

    def rate(self, count: int) -> float | None:
        return count / self.letters if self.letters else None

    @property
    def split(self) -> float | None:
        return self.rate(self.split_right)

    @property
    def recipient(self) -> float | None:
        return self.rate(self.recipient_right)

    @property
    def sender(self) -> float | None:
        return self.rate(self.sender_right)

    @property
    def department(self) -> float | None:
        return self.rate(self.department_right)

    @property
    def verdict(self) -> float | None:
        return self.rate(self.verdict_right)

    @property
    def reason(self) -> float | None:
        return self.rate(self.reason_right)

    @property
    def printed_id_rate(self) -> float | None:
        return self.printed_id_right / self.printed_id if self.printed_id else None

    @property
    def leak_precision(self) -> float | None:
        """Of the leak flags, the share on true leaks (None: nothing flagged)."""
        return self.right_leaks / self.flagged_leaks if self.flagged_leaks else None

    @property
    def leak_recall(self) -> float | None:
        """Of the true leaks, the share flagged (None: no true leaks)."""
        return self.right_leaks / self.true_leaks if self.true_leaks else None

    def add(self, other: Scores) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Evaluation:
    overall: Scores
    by_level: dict[str, Scores]
    by_layout: dict[str, Scores]
    problems: list[str] = field(default_factory=list)  # one line per disagreement
    by_case: dict[str, Scores] = field(default_factory=dict)  # issue 20's cases (truth.case)
    unknown_letters: int = 0  # exported letters from files the truth does not know


def _expected_pseudonym(truth: LetterTruth, secret: str) -> str | None:
    """The pseudonym the workspace should have given the true recipient (privacy's own HMAC)."""
    return Pseudonymiser(secret).pseudonym(truth.recipient_id) if truth.recipient_id else None


def _judge(
    truth: LetterTruth, row: Mapping[str, Any] | None, secret: str
) -> tuple[Scores, list[str]]:
    """One truth letter against the exported letter starting at its first page."""
    s = Scores(letters=1, true_leaks=int(truth.verdict == LEAK))
    printed = truth.id_placement != "none" and truth.recipient_id is not None
    s.printed_id = int(printed)
    pages = ",".join(map(str, truth.pages))
    case = f", {truth.case}" if truth.case else ""
    where = f"{truth.file} side {pages} ({truth.degradation}, {truth.layout}{case})"
    if row is None:
        s.missing = 1
        return s, [f"{where}: intet brev begynder her"]
    expected = {
        "pages": list(truth.pages),
        "recipient_pseudonym": _expected_pseudonym(truth, secret),
        "sender": truth.sender,
        "department": truth.department,
        "verdict": truth.verdict,
        "reason": truth.reason,
    }
    right = {key: row.get(key) == value for key, value in expected.items()}
    s.split_right = int(right["pages"])
    s.recipient_right = int(right["recipient_pseudonym"])
    s.sender_right = int(right["sender"])
    s.department_right = int(right["department"])
    s.verdict_right = int(right["verdict"])
    s.reason_right = int(right["reason"])
    s.printed_id_right = int(printed and right["recipient_pseudonym"])
    s.silent_misses = int(truth.verdict == LEAK and row.get("verdict") == LEGITIMATE)
    problems = []
    for key, ok in right.items():
        if ok:
            continue
        if key == "recipient_pseudonym":  # never a pseudonym in a message: say what is wrong
            got = "ingen" if row.get(key) is None else "en anden"
            want = "ingen" if expected[key] is None else "registrets"
            problems.append(f"{where}: modtager {got}, facit {want}")
        else:
            problems.append(f"{where}: {key} {row.get(key)!r}, facit {expected[key]!r}")
    return s, problems


def evaluate(
    truths: Sequence[LetterTruth], letters: Iterable[Mapping[str, Any]], secret: str
) -> Evaluation:
    """Compare the exported letters with the truth, overall and per level and layout."""
    rows = list(letters)
    known_files = {t.file for t in truths}
    by_start: dict[tuple[str, int], Mapping[str, Any]] = {}
    unknown = 0
    for row in rows:
        if row["source"] not in known_files:
            unknown += 1
            continue
        if row["pages"]:
            by_start.setdefault((row["source"], row["pages"][0]), row)

    overall = Scores()
    by_level: dict[str, Scores] = {}
    by_layout: dict[str, Scores] = {}
    by_case: dict[str, Scores] = {}
    problems: list[str] = []
    per_truth: dict[int, Scores] = {}
    for index, truth in enumerate(truths):
        scores, found = _judge(truth, by_start.get((truth.file, truth.pages[0])), secret)
        per_truth[index] = scores
        problems += found

    # Leak flags: each exported letter is attributed to the truth letter it starts in
    # (or the one before it in the file, for a page that belongs to no letter).
    starts = {(t.file, t.pages[0]): i for i, t in enumerate(truths)}
    in_file: dict[str, list[tuple[int, int]]] = {}
    for i, t in enumerate(truths):
        in_file.setdefault(t.file, []).append((t.pages[0], i))
    for pages in in_file.values():
        pages.sort()
    for row in rows:
        if row["source"] not in known_files or row["verdict"] != LEAK or not row["pages"]:
            continue
        first = row["pages"][0]
        starting = starts.get((row["source"], first))
        if starting is not None and truths[starting].verdict == LEAK:
            per_truth[starting].flagged_leaks += 1
            per_truth[starting].right_leaks += 1
            continue
        if starting is None:  # no truth letter starts here: the one whose pages it lies among
            before = [i for start, i in in_file[row["source"]] if start <= first]
            owner = before[-1] if before else in_file[row["source"]][0][1]
        else:
            owner = starting
        per_truth[owner].flagged_leaks += 1
        truth = truths[owner]
        problems.append(
            f"{row['source']} side {','.join(map(str, row['pages']))}: forkert læk "
            f"(facit: {truth.verdict}/{truth.reason} for brevet på side "
            f"{','.join(map(str, truth.pages))})"
        )

    for index, truth in enumerate(truths):
        scores = per_truth[index]
        overall.add(scores)
        by_level.setdefault(level_of(truth), Scores()).add(scores)
        by_layout.setdefault(truth.layout, Scores()).add(scores)
        if truth.case:
            by_case.setdefault(truth.case, Scores()).add(scores)
    ordered_levels = {k: by_level[k] for k in LEVEL_ORDER if k in by_level}
    ordered_levels.update({k: v for k, v in sorted(by_level.items()) if k not in ordered_levels})
    return Evaluation(
        overall=overall,
        by_level=ordered_levels,
        by_layout=dict(sorted(by_layout.items())),
        problems=problems,
        unknown_letters=unknown,
        by_case={k: by_case[k] for k in [*CASE_DA, *sorted(by_case)] if k in by_case},
    )


# --------------------------------------------------------------------------- for people


def percent(value: float | None) -> str:
    """0.9934 -> "99,3 %"; None (nothing to count) -> "–"."""
    if value is None:
        return "–"
    return f"{value * 100:.1f} %".replace(".", ",")


COLUMNS = (
    ("Breve", lambda s: str(s.letters)),
    ("Opdeling", lambda s: percent(s.split)),
    ("Modtager", lambda s: percent(s.recipient)),
    ("Afsender", lambda s: percent(s.sender)),
    ("Afdeling", lambda s: percent(s.department)),
    ("Vurdering", lambda s: percent(s.verdict)),
    ("Læk-præcision", lambda s: percent(s.leak_precision)),
    ("Læk-genkaldelse", lambda s: percent(s.leak_recall)),
    ("Forkerte læk", lambda s: str(s.wrong_leaks)),
    ("Tavse svigt", lambda s: str(s.silent_misses)),
)
# issue 20's per-case table: who the letter is to, and what came of it
CASE_COLUMNS = (
    ("Breve", lambda s: str(s.letters)),
    ("Modtager", lambda s: percent(s.recipient)),
    ("Vurdering", lambda s: percent(s.verdict)),
    ("Forkerte læk", lambda s: str(s.wrong_leaks)),
    ("Tavse svigt", lambda s: str(s.silent_misses)),
)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def format_evaluation(ev: Evaluation) -> str:
    """The scores as a table: all letters, each degradation level, each layout."""
    header = ["Gruppe", *(name for name, _ in COLUMNS)]
    groups: list[tuple[str, Scores]] = [("Alle breve", ev.overall)]
    groups += [(f"Grad: {LEVEL_DA.get(k, k)}", s) for k, s in ev.by_level.items()]
    groups += [(f"Layout: {k}", s) for k, s in ev.by_layout.items()]
    rows = [[label, *(cell(s) for _, cell in COLUMNS)] for label, s in groups]
    lines = _table(header, rows)
    o = ev.overall
    if ev.by_case:
        lines += ["", *format_case_table(ev)]
    lines.append("")
    lines.append(
        f"Trykt CPR/CVR læst rigtigt: {percent(o.printed_id_rate)} af {o.printed_id} breve. "
        f"Årsag rigtig: {percent(o.reason)}."
    )
    lines.append("Tavse svigt: breve, der efter facit er læk, men som blev vurderet lovlige.")
    if o.missing:
        lines.append(f"{o.missing} breve i facit blev ikke fundet (ingen brev begynder på deres "
                     "første side).")
    if ev.unknown_letters:
        lines.append(f"{ev.unknown_letters} breve i arbejdsmappen er fra filer, facit ikke "
                     "kender; de er ikke talt med.")
    return "\n".join(lines)


def format_case_table(ev: Evaluation) -> list[str]:
    """Issue 20's letters, one row per case: letters, recipient and verdict right, wrong
    leaks, silent misses (empty when the truth has no such letters)."""
    if not ev.by_case:
        return []
    header = ["Særlige breve", *(name for name, _ in CASE_COLUMNS)]
    rows = [[f"{CASE_DA.get(k, k)} ({k})", *(cell(s) for _, cell in CASE_COLUMNS)]
            for k, s in ev.by_case.items()]
    return _table(header, rows)


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Thresholds:
    """Lowest acceptable rates (0-1) and the most wrong leaks allowed; None = not checked."""

    min_split: float | None = None
    min_recipient: float | None = None
    min_sender: float | None = None
    min_department: float | None = None
    min_verdict: float | None = None
    min_leak_precision: float | None = None
    min_leak_recall: float | None = None
    max_wrong_leaks: int | None = None
    max_silent_misses: int | None = None  # true leaks called legitimate (issue 20)


# The issue's targets on the generated degraded corpus.
ISSUE_TARGETS = Thresholds(
    min_split=0.99, min_recipient=0.99, min_sender=0.98, min_department=0.98,
    min_verdict=0.98, max_wrong_leaks=0, max_silent_misses=0,
)

_RATE_CHECKS = (
    ("min_split", "Opdeling", "split"),
    ("min_recipient", "Modtager", "recipient"),
    ("min_sender", "Afsender", "sender"),
    ("min_department", "Afdeling", "department"),
    ("min_verdict", "Vurdering", "verdict"),
    ("min_leak_precision", "Læk-præcision", "leak_precision"),
    ("min_leak_recall", "Læk-genkaldelse", "leak_recall"),
)


def check_thresholds(ev: Evaluation, thresholds: Thresholds) -> list[str]:
    """One Danish line for every score (over all letters) below its threshold."""
    missed = []
    o = ev.overall
    for attr, label, score in _RATE_CHECKS:
        limit = getattr(thresholds, attr)
        value = getattr(o, score)
        if limit is None or value is None:
            continue
        if value < limit:
            missed.append(f"{label}: {percent(value)} er under kravet på {percent(limit)}")
    limit = thresholds.max_wrong_leaks
    if limit is not None and o.wrong_leaks > limit:
        missed.append(f"Forkerte læk: {o.wrong_leaks} er flere end de tilladte {limit}")
    limit = thresholds.max_silent_misses
    if limit is not None and o.silent_misses > limit:
        missed.append(f"Tavse svigt: {o.silent_misses} er flere end de tilladte {limit}")
    return missed


def load_truth_file(path: Path) -> list[LetterTruth]:
    """truth.json as LetterTruth objects; a file that is not one raises InputFileError."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputFileError(path.name, f"facit kunne ikke læses ({error})") from error
    if not isinstance(data, list):
        raise InputFileError(path.name, "facit skal være en liste af breve")
    known = {f.name for f in fields(LetterTruth)}
    truths = []
    for number, item in enumerate(data, start=1):
        try:
            truths.append(LetterTruth(**{k: v for k, v in item.items() if k in known}))
        except (TypeError, AttributeError) as error:
            reason = f"brev nr. {number} mangler felter ({error})"
            raise InputFileError(path.name, reason) from error
    return truths
