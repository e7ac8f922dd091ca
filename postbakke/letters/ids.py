"""CPR and CVR numbers in a line of letter text, judged by their context.

A number alone says little: an 8-digit phone number passes the CVR check one
time in eleven, a P-number is 10 digits like a CPR, and OCR reads 0 as O and
1 as l. So a candidate becomes a `FoundId` only after its written form, the
label printed just before it (`cpr.nr.`, `CVR`, `tlf.`, `P-nr.`, ...) and
validation (python-stdnum) agree. See domain.md, "Identifiers".

The line is cut into whitespace tokens; consecutive number-shaped tokens form
a *run*, and a run is read as one number (or, failing that, token by token).
Words always end a run, so digits are never glued across a label, and a run
too long for any form (a 12-digit run) yields nothing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from enum import Enum

from stdnum.dk import cpr as std_cpr
from stdnum.dk import cvr as std_cvr

from postbakke.identifiers import cpr_birth_date
from postbakke.letters import parties
from postbakke.models import FoundId, IdKind

__all__ = ["OCR_DIGIT_CONFUSIONS", "find_ids"]

# Confidence of a candidate before penalties, by how often that form turns
# out to be something else in a municipal letter. Set by judgement from the
# forms in domain.md, to be tuned on the test corpus:
# - a number behind its own label is what the label says;
CONF_LABELLED = 1.0
# - an unlabelled DDMMYY-SSSS: no other Danish number is written 6-hyphen-4;
CONF_CPR_HYPHEN = 0.9
# - 6+4 digits split by a space, or 10 bare digits, may be an account,
#   customer or P-number that happens to start with a date;
CONF_CPR_SPACE = 0.75
CONF_CPR_BARE = 0.7
# - 8 bare digits that pass mod 11 may be a phone number (1 in 11 does).
CONF_CVR_BARE = 0.6

# - a CPR whose hyphen OCR read as another mark ("301268.2564", "301268:2564") is
#   taken only behind a CPR label and with a valid birth date, and below
#   deciding.match.SURE_ID_CONFIDENCE (0.6), so that it is evidence the matcher must
#   find the register entry and the address block agreeing with, never a sure ID.
CONF_CPR_MISREAD_HYPHEN = 0.55
# A CPR failing mod 11 with a birth date other than 1 January was probably
# misread (cpr.dk issues non-mod-11 numbers with a 1 January date): a hint,
# never a rejection.
CHECKSUM_HINT_FACTOR = 0.85
# A repaired reading is a guess, however well it validates.
REPAIR_FACTOR = 0.8
# At most this share of a candidate's characters may be letters read for
# digits: 3 of a CPR's 10, 2 of a CVR's 8. More, and it is a word, not a number.
MAX_CONFUSED_SHARE = 1 / 3

# Letters OCR reads instead of digits, and the digits they stand for. Each has
# exactly one reading; letters that could be two digits (g: 8 or 9, b: 6 or 8)
# are left out, so a number containing them is never repaired. The repair code
# still handles several readings per letter: it then returns nothing when more
# than one reading validates.
OCR_DIGIT_CONFUSIONS: Mapping[str, str] = {
    "O": "0",
    "o": "0",
    "Q": "0",
    "l": "1",
    "I": "1",
    "i": "1",
    "|": "1",
    "!": "1",
    "S": "5",
    "s": "5",
    "B": "8",
    "Z": "2",
    "z": "2",
}

_DIGITS = "0123456789"
# A regex character class body: a digit or a letter OCR reads for one.
_D = "0-9" + re.escape("".join(OCR_DIGIT_CONFUSIONS))

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_DASH_CLASS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"

# Labels glued to the number by OCR or typing ("CPR-nr.:010203-1234",
# "cpr0102031234") get a space, so that the number is a token of its own.
_GLUED_PUNCT = re.compile(r"(?<=[^\W\d_]{2})([.:]+)(?=[0-9])")
_GLUED_WORD = re.compile(r"(?i)\b(cpr|cvr|nr)(?=[0-9])")

# A CPR hyphen misread as a dot, colon or comma: "301268.2564", "301268 . 2564". The mark
# is turned into a hyphen for reading, and the number is marked as misread (see
# CONF_CPR_MISREAD_HYPHEN).
_MISREAD_HYPHEN = re.compile(
    rf"(?<![\w.,:-])([{_D}]{{6}} ?)[.,:·]( ?[{_D}]{{4}})(?![\w-]|[.,:]\w)")

_LEADING_PUNCT = "([{\"'«<"
_TRAILING_PUNCT = ")]}\"'»>,.;:"
_NUMERIC_CORE = re.compile(rf"\+?-?[{_D}]+(?:-[{_D}]+)*-?|-")
_DK_PREFIXED = re.compile(r"(?i)dk-?([0-9]{8})")
_WORD = re.compile(r"[^\W\d_]+")

# Label words (lower case, letters only: "CPR-nr." gives "cpr", "nr").
_CPR_HEADS = frozenset(
    {"cpr", "cprnr", "cprnummer", "personnummer", "personnumer", "personnr", "pers", "persnr"}
)
_CVR_HEADS = frozenset({"cvr", "cvrnr", "cvrnummer"})
# "nr", "nummer" and their usual OCR misreadings ("rn" for "nr", "m" for "rn").
_NUMBER_WORDS = frozenset({"nr", "no", "nummer", "numer", "n", "ni", "rn", "m"})
# Longer than this, a word after "CPR"/"CVR" is a word of its own, not a misread "nr".
MISREAD_NR_MAX_LEN = 3
_SKIP_WORDS = frozenset({"dk"})  # "CVR-nr. DK 12345678"
_CONNECTORS = frozenset({"eller", "og", "el", "samt"})  # "CPR- eller CVR-nr.", "tlf. A og B"
# Labels of numbers that are never a recipient ID. Any "<word> nr." or
# "<word>nr"/"<word>nummer" not naming CPR/CVR counts as such a label too.
_OTHER_HEADS = frozenset(
    {
        "tlf", "tel", "telefon", "mobil", "mob", "fax", "telefax", "direkte", "dir",
        "p", "pnr", "sag", "sags", "jnr", "journal", "reg", "konto", "ean", "se",
        "gln", "dato", "side", "postboks", "boks", "box", "kl", "faktura", "bilag",
        "kunde", "ordre", "ref", "reference", "id", "vat", "moms", "iban", "swift", "bic",
    }
)  # fmt: skip


class _Shape(Enum):
    """The written forms a recipient ID comes in."""

    CPR_HYPHEN = "cpr_hyphen"  # 010203-1234, 010203 - 1234
    CPR_SPACE = "cpr_space"  # 010203 1234
    CPR_BARE = "cpr_bare"  # 0102031234
    CVR_BARE = "cvr_bare"  # 12345678
    CVR_GROUPED = "cvr_grouped"  # 12 34 56 78, 1234 5678: also how phones are written

    @property
    def kind(self) -> IdKind:
        return IdKind.CPR if self.name.startswith("CPR") else IdKind.CVR


# Matched against a run's tokens joined by single spaces; order matters only
# in that the forms are mutually exclusive by length and separators.
_SHAPES: tuple[tuple[_Shape, re.Pattern[str]], ...] = (
    (_Shape.CPR_HYPHEN, re.compile(rf"([{_D}]{{6}}) ?- ?([{_D}]{{4}})")),
    (_Shape.CPR_SPACE, re.compile(rf"([{_D}]{{6}}) ([{_D}]{{4}})")),
    (_Shape.CPR_BARE, re.compile(rf"([{_D}]{{10}})")),
    (_Shape.CVR_BARE, re.compile(rf"([{_D}]{{8}})")),
    (
        _Shape.CVR_GROUPED,
        re.compile(
            rf"([{_D}]{{2}}) ([{_D}]{{2}}) ([{_D}]{{2}}) ([{_D}]{{2}})"
            rf"|([{_D}]{{4}}) ([{_D}]{{4}})"
            # pairs with one space lost in OCR: "17 01 8191", "1701 81 91", "17 0181 91"
            rf"|([{_D}]{{2}}) ([{_D}]{{2}}) ([{_D}]{{4}})"
            rf"|([{_D}]{{4}}) ([{_D}]{{2}}) ([{_D}]{{2}})"
            rf"|([{_D}]{{2}}) ([{_D}]{{4}}) ([{_D}]{{2}})"
        ),
    ),
)
# Forms complete in one token, read from a run that as a whole fits no form.
_SELF_CONTAINED = frozenset({_Shape.CPR_HYPHEN, _Shape.CPR_BARE, _Shape.CVR_BARE})


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    core: str  # the token without surrounding punctuation
    numeric: bool  # digits (or OCR look-alikes) and hyphens only
    has_digit: bool
    opens: bool  # punctuation before it ("(") starts a new run
    closes: bool  # punctuation after it (",", ".", ")") ends its run


@dataclass(frozen=True, slots=True)
class _Label:
    """What the words just before a number say it is."""

    kinds: frozenset[IdKind] = frozenset()  # named as CPR and/or CVR
    other: bool = False  # named as something else: tlf., P-nr., Sagsnr., konto, ...


_UNLABELLED = _Label()
_OTHER = _Label(other=True)


def find_ids(
    text: str, own_cvrs: frozenset[str] = frozenset(), base_conf: float = 1.0
) -> list[FoundId]:
    """Return the CPR and CVR numbers in one line that may name the recipient.

    `own_cvrs` are the municipality's own CVR numbers, printed in letterheads
    and never the recipient. `base_conf` (0..1, the line's OCR confidence)
    scales every confidence, since one misread digit spoils a number.
    Phone numbers, P-numbers, case and account numbers and dates are left
    out by their label or form; zone and position are the caller's to set.
    """
    own = frozenset(re.sub(r"\D", "", c) for c in own_cvrs)
    line_conf = min(max(base_conf, 0.0), 1.0)
    norm = _normalise(text)
    # where a hyphen was read as another mark: the run starting there is misread
    misread = {m.start() for m in _MISREAD_HYPHEN.finditer(norm)}
    norm = _MISREAD_HYPHEN.sub(r"\1-\2", norm)
    found: list[FoundId] = []
    prev_label: _Label | None = None  # the label of the run just before, if nothing between
    last_end = 0
    items = list(_runs_and_barriers(norm))
    runs = [item for item in items if not isinstance(item, _Token)]
    for item in items:
        if isinstance(item, _Token):  # digits that are no number (a date, a case number)
            prev_label, last_end = None, item.end
            continue
        label = _label_before(norm[last_end : item[0].start], prev_label)
        # whose number it is: the words since the number before and up to the next one
        index = runs.index(item)
        start = runs[index - 1][-1].end if index else 0
        end = runs[index + 1][0].start if index + 1 < len(runs) else len(norm)
        role = parties.role_of(norm[start : item[0].start], norm[item[-1].end : end])
        prev_label, last_end = label, item[-1].end
        if label.other:
            continue
        misread_hyphen = any(item[0].start <= at < item[-1].end for at in misread)
        for raw, shape in _candidates(item):
            if misread_hyphen:
                fid = _judge_misread_hyphen(raw, shape, label, line_conf)
            else:
                fid = _judge(raw, shape, label, own, line_conf)
            if fid is not None:
                found.append(replace(fid, role=role) if role else fid)
    return found


def _normalise(text: str) -> str:
    """Unify dashes and split labels glued to numbers, keeping the rest as is."""
    text = text.translate(_DASHES)
    text = _GLUED_PUNCT.sub(r"\1 ", text)
    return _GLUED_WORD.sub(r"\1 ", text)


def _tokens(text: str) -> Iterator[_Token]:
    for m in re.finditer(r"\S+", text):
        word = m.group()
        core = word.lstrip(_LEADING_PUNCT)
        opens = len(core) < len(word)
        stripped = core.rstrip(_TRAILING_PUNCT)
        closes = len(stripped) < len(core)
        core = stripped
        dk = _DK_PREFIXED.fullmatch(core)
        if dk:
            core = dk.group(1)
        has_digit = any(c in _DIGITS for c in core)
        numeric = bool(_NUMERIC_CORE.fullmatch(core)) and (has_digit or core == "-")
        yield _Token(m.start(), m.end(), core, numeric, has_digit, opens, closes)


def _runs_and_barriers(text: str) -> Iterator[list[_Token] | _Token]:
    """Yield runs of number tokens, and the other tokens holding digits.

    Those others (dates, "27.12.04-G01-3-21") are barriers: a label before
    them does not reach past them.
    """
    run: list[_Token] = []

    def flush() -> Iterator[list[_Token]]:
        while run and not run[0].has_digit:  # a lone "-" before or after
            run.pop(0)
        while run and not run[-1].has_digit:
            run.pop()
        if run:
            yield list(run)
        run.clear()

    for tok in _tokens(text):
        if tok.numeric:
            if tok.opens:
                yield from flush()
            run.append(tok)
            if tok.closes:
                yield from flush()
            continue
        yield from flush()
        if tok.has_digit:
            yield tok
    yield from flush()


def _label_before(pre: str, inherited: _Label | None) -> _Label:
    """Read the label at the end of the text before a number.

    Text with no words but "og"/"eller" keeps the label of the number just
    before: in "Tlf. 87535000 / 87535001" both are phone numbers.
    """
    words = _WORD.findall(pre.lower())
    if all(w in _CONNECTORS for w in words):
        return inherited or _UNLABELLED
    numbered = False
    while words and (words[-1] in _NUMBER_WORDS or words[-1] in _SKIP_WORDS):
        numbered |= words.pop() in _NUMBER_WORDS
    if not words:
        return _OTHER if numbered else _UNLABELLED
    head = words.pop()
    kinds = _id_kinds(head)
    if not kinds and words and len(head) <= MISREAD_NR_MAX_LEN and head not in _OTHER_HEADS:
        # "Cpr.nar", "CVR-ur.": a short word right after CPR/CVR is its "nr." misread
        if _id_kinds(words[-1]):
            head = words.pop()
            kinds = _id_kinds(head)
    if kinds or head == "se":
        # "CPR/CVR-nr.", "CPR- eller CVR-nummer", "CVR/SE-nr."
        while words and (words[-1] in _NUMBER_WORDS or words[-1] in _CONNECTORS):
            words.pop()
        if words:
            kinds |= _id_kinds(words[-1])
        if kinds:
            return _Label(kinds=kinds)
        return _OTHER  # "SE-nr." alone
    if numbered or head in _OTHER_HEADS or head.endswith(("nr", "nummer")):
        return _OTHER
    return _UNLABELLED


def _id_kinds(word: str) -> frozenset[IdKind]:
    if word in _CPR_HEADS:
        return frozenset({IdKind.CPR})
    if word in _CVR_HEADS:
        return frozenset({IdKind.CVR})
    return frozenset()


def _candidates(run: list[_Token]) -> list[tuple[str, _Shape]]:
    """The numbers a run is written as: (characters without separators, form)."""
    cores = [t.core for t in run]
    if cores[0].startswith("+") or cores[0] == "0045":
        return []  # +45 87 53 50 00: a phone number, whatever follows
    whole = _shape_of(" ".join(cores))
    if whole is not None:
        return [whole]
    found = []
    for core in cores:
        one = _shape_of(core)
        if one is not None and one[1] in _SELF_CONTAINED:
            found.append(one)
    return found


def _shape_of(written: str) -> tuple[str, _Shape] | None:
    for shape, pattern in _SHAPES:
        m = pattern.fullmatch(written)
        if m:
            return "".join(g for g in m.groups() if g), shape
    return None


def _judge(
    raw: str, shape: _Shape, label: _Label, own: frozenset[str], line_conf: float
) -> FoundId | None:
    """Validate one candidate in its context and give it a confidence."""
    kind = shape.kind
    labelled = kind in label.kinds
    if label.kinds and not labelled and kind is IdKind.CVR:
        return None  # 8 digits behind a CPR label: a damaged CPR, not a company
    if shape is _Shape.CVR_GROUPED and not labelled:
        return None  # 87 53 50 00 is how phone numbers are written
    confused = sum(c not in _DIGITS for c in raw)
    if confused:
        if not (labelled or shape is _Shape.CPR_HYPHEN):
            return None  # only repair where the context says a number belongs
        if confused > len(raw) * MAX_CONFUSED_SHARE:
            return None
    readings = _valid_readings(raw, kind)
    if len(readings) != 1:
        return None  # invalid, or more than one repair fits
    digits = readings[0]
    if kind is IdKind.CVR and digits in own:
        return None
    conf = _form_confidence(shape, labelled)
    if kind is IdKind.CPR and _is_checksum_hint(digits):
        conf *= CHECKSUM_HINT_FACTOR
    if confused:
        conf *= REPAIR_FACTOR
    return FoundId(
        kind=kind,
        digits=digits,
        label=kind.value if labelled else None,
        confidence=round(conf * line_conf, 4),
        repaired=bool(confused),
    )


def _judge_misread_hyphen(
    raw: str, shape: _Shape, label: _Label, line_conf: float
) -> FoundId | None:
    """A CPR written 6-mark-4 where the mark is no hyphen: only behind a CPR label, with a
    valid birth date, and never sure (CONF_CPR_MISREAD_HYPHEN)."""
    if shape is not _Shape.CPR_HYPHEN or IdKind.CPR not in label.kinds:
        return None
    found = _judge(raw, shape, label, frozenset(), line_conf)
    if found is None:
        return None
    return replace(found, confidence=round(CONF_CPR_MISREAD_HYPHEN * found.confidence, 4),
                   repaired=True)


def _form_confidence(shape: _Shape, labelled: bool) -> float:
    if labelled:
        return CONF_LABELLED
    return {
        _Shape.CPR_HYPHEN: CONF_CPR_HYPHEN,
        _Shape.CPR_SPACE: CONF_CPR_SPACE,
        _Shape.CPR_BARE: CONF_CPR_BARE,
        _Shape.CVR_BARE: CONF_CVR_BARE,
    }[shape]


def _valid_readings(
    raw: str, kind: IdKind, confusions: Mapping[str, str] = OCR_DIGIT_CONFUSIONS
) -> list[str]:
    """Every all-digit reading of `raw` that validates as `kind`, sorted."""
    options = [c if c in _DIGITS else confusions.get(c, "") for c in raw]
    if not all(options):
        return []
    valid = {"".join(p) for p in itertools.product(*options)}
    return sorted(d for d in valid if _is_valid(kind, d))


def _is_valid(kind: IdKind, digits: str) -> bool:
    if kind is IdKind.CVR:
        return std_cvr.is_valid(digits)
    return cpr_birth_date(digits) is not None



def _is_checksum_hint(digits: str) -> bool:
    """True when the number fails mod 11 on a date that should pass it."""
    born = cpr_birth_date(digits)
    return born is not None and (born.day, born.month) != (1, 1) and std_cpr.checksum(digits) != 0
