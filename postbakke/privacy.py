"""Pseudonyms and masking of CPR numbers: the only holder of the secret key.

A plain hash of a CPR number is reversible by brute force (there are only ~36
million candidates), so pseudonyms are keyed: HMAC-SHA256 with a local secret.
The secret is refused when it is empty or short, and created once, atomically.

Masking lives here too (the base layer), so that the logging filter, the CLI's
error line and every stage mask the same way: every digit run that could be a
CPR number after OCR misreads is masked, not only the clean written forms.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from postbakke.errors import ConfigError

SECRET_FILE = "secret.key"
# The key file holds this many random bytes, hex-encoded (64 characters). An HMAC
# with an empty or short key is brute-forced in seconds (~36 million valid CPRs).
SECRET_BYTES = 32
SECRET_FILE_MIN_CHARS = 2 * SECRET_BYTES
# $POSTBAKKE_SECRET is a text chosen by a person (or a password manager): at least
# this many characters. It cannot be checked for randomness; 32 characters from a
# generator (`openssl rand -hex 32` gives 64) is the documented way to make one.
SECRET_ENV_MIN_CHARS = 32
_HEX = re.compile(r"^[0-9a-f]+$")


def secret_problem(secret: str, from_file: bool) -> str | None:
    """Why a key is refused (Danish), or None when it is long enough."""
    if from_file:
        if len(secret) < SECRET_FILE_MIN_CHARS or not _HEX.match(secret):
            return (f"{SECRET_FILE} er tom, for kort eller beskadiget (den skal være "
                    f"{SECRET_BYTES} tilfældige bytes som {SECRET_FILE_MIN_CHARS} hex-tegn). "
                    "Læg den rigtige nøgle tilbage fra sikkerhedskopien; en ny nøgle giver "
                    "andre pseudonymer end de gemte")
        return None
    if len(secret) < SECRET_ENV_MIN_CHARS:
        return (f"POSTBAKKE_SECRET er for kort ({len(secret)} tegn; mindst "
                f"{SECRET_ENV_MIN_CHARS}); lav en med fx 'openssl rand -hex 32'")
    return None


def load_or_create_secret(home: Path, given: str | None = None) -> str:
    """`given` (the settings' $POSTBAKKE_SECRET), else the workspace's key, created once
    as a random key (mode 0600) the first time it is needed. A short key is refused."""
    if given is not None:
        problem = secret_problem(given, from_file=False)
        if problem:
            raise ConfigError(problem)
        return given
    path = home / SECRET_FILE
    if not path.exists():
        _create_secret_file(path)
    key = path.read_text(encoding="ascii", errors="replace").strip()
    problem = secret_problem(key, from_file=True)
    if problem:
        raise ConfigError(f"{path}: {problem}")
    return key


def _create_secret_file(path: Path) -> None:
    """Write a new random key so that two processes starting at once agree on one.

    The key is written to a file of this process's own (exclusive create, 0600),
    fsynced, then linked to its name: a link never replaces an existing file, so the
    first process to link wins and the other reads the winner's key. A reader never
    sees a half-written key (the name appears only once the content is on disk).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another process was first: its key is the key
        _fsync_dir(path.parent)
    finally:
        partial.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Pseudonymiser:
    """Turns register IDs into the contract's pseudonyms; never stores the IDs."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def __repr__(self) -> str:
        return "Pseudonymiser(<secret>)"

    def pseudonym(self, digits: str) -> str:
        return hmac.new(self._key, digits.encode(), hashlib.sha256).hexdigest()


def mask_cpr(digits: str) -> str:
    """`DDMMYY-XXXX`: the birth date stays readable for a person reviewing the letter."""
    return f"{digits[:6]}-XXXX"


def masked_id(kind: str, digits: str) -> str:
    """A CPR masked; a CVR in full (CVR numbers are public)."""
    return mask_cpr(digits) if kind == "cpr" else digits


def derived_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose (the work station's session cookies), derived from the secret
    so the secret itself never leaves this module."""
    return hmac.new(secret.encode(), f"postbakke:{purpose}".encode(), hashlib.sha256).digest()


# --------------------------------------------------------------------------- masking text

# Characters OCR reads for a digit. Wider than letters.ids' repair table on purpose:
# reading a number must be sure of each digit, masking only needs to suspect one.
# (g and q for 9, b and G for 6 are ambiguous readings but certain suspects.)
MASK_CONFUSIONS = "OoQDlIi|!LSs$BZzgqbGT"
# Of a CPR's 10 characters, at least this many are real digits for a run to be
# masked: 4 misread characters of 10 is already more letters than a number (a word
# such as "lOSSlOSSlO" stays as it is).
MASK_MIN_REAL_DIGITS = 6
# How a CPR number's ten digits are grouped when written or read (the group lengths).
# 6|4 is the usual form with "-", a space, "/", "." or nothing (10); OCR and typing
# add the others: "010203-12 34", "0102 03-1234", "01 02 03-1234", "01.02.03-1234".
# Pairs only (2|2|2|2|2) is how phone numbers are written: left out.
CPR_GROUPINGS = frozenset({(10,), (6, 4), (6, 2, 2), (4, 2, 4), (2, 2, 2, 4), (4, 2, 2, 2),
                           (2, 2, 6)})
CPR_LENGTH = 10  # the digits of every grouping (a run shorter than this holds none)
_CHAR = "0-9" + re.escape(MASK_CONFUSIONS)
_SEP = r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212/.]\s*|\s+"
_RUN = re.compile(rf"[{_CHAR}]+(?:(?:{_SEP})[{_CHAR}]+)*")
_GROUP = re.compile(rf"[{_CHAR}]+")
_CHAR_SET = frozenset("0123456789" + MASK_CONFUSIONS)
_GROUPINGS_BY_COUNT: dict[int, list[tuple[int, ...]]] = {}
for _grouping in sorted(CPR_GROUPINGS):
    _GROUPINGS_BY_COUNT.setdefault(len(_grouping), []).append(_grouping)


def _masked_windows(run: str, glued: bool) -> list[tuple[int, int, str]]:
    """(start, end, replacement) of each CPR-shaped window in one run of digit-like groups."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(groups):
        hit = None
        for j in range(i, min(len(groups), i + 4)):  # shortest window first
            hit = _cpr_window(run, groups[i:j + 1], glued and i == 0)
            if hit:
                found.append(hit)
                i = j + 1
                break
        else:
            i += 1
    return found


# A group of the window read wholly as letters ("Ol" for "01") is at most this long;
# longer, it is a word ("mobil 20 30 40 50").
MAX_LETTERS_ONLY_GROUP = 2


def _may_be_digits(part: str, k: int, groups: list[tuple[int, int]], run: str,
                   glued: bool) -> bool:
    """Whether one group of a window can be digits: it holds one, or it is a short token of
    its own made of look-alikes only (not the end of a word before it)."""
    if any(c.isdigit() for c in part):
        return True
    whole = len(part) == groups[k][1] - groups[k][0]
    return whole and len(part) <= MAX_LETTERS_ONLY_GROUP and not (k == 0 and glued)


def _cpr_window(run: str, groups: list[tuple[int, int]],
                glued: bool = False) -> tuple[int, int, str] | None:
    """The window over these groups written as a CPR, if any. The outer groups may hold
    more characters than the window (letters glued to a number, "Sagen010203-1234"), but
    never a real digit right beside it: digits are not split off a longer number."""
    (first_start, first_end), (last_start, last_end) = groups[0], groups[-1]
    middle = tuple(b - a for a, b in groups[1:-1])
    for grouping in _GROUPINGS_BY_COUNT.get(len(groups), ()):
        if grouping[1:-1] != middle:
            continue
        if len(groups) == 1:
            starts = range(first_start, first_end - grouping[0] + 1)
        else:
            starts = range(first_end - grouping[0], first_end - grouping[0] + 1)
        for start in starts:
            end = start + grouping[0] if len(groups) == 1 else last_start + grouping[-1]
            if start < first_start or end > last_end:
                continue
            if start > first_start and run[start - 1].isdigit():
                continue
            if end < last_end and run[end].isdigit():
                continue
            window = [run[max(a, start):min(b, end)] for a, b in groups]
            if not all(_may_be_digits(part, k, groups, run, glued) for k, part in
                       enumerate(window)):
                continue
            chars = "".join(window)
            if sum(c.isdigit() for c in chars) >= MASK_MIN_REAL_DIGITS:
                return start, end, f"{chars[:6]}-XXXX"
    return None


def mask_cpr_in_text(text: str) -> str:
    """Replace every CPR-looking number, as written or as OCR misreads it, with
    `DDMMYY-XXXX` (the first six characters as they stand).

    Masking errs on the side of masking: any 10 digit-like characters grouped as a
    CPR is written (CPR_GROUPINGS), valid date or not. Phone numbers (8 digits, in
    pairs), CVR numbers, dates and case numbers do not have that shape.
    """
    if len(text) < CPR_LENGTH:  # every grouping spans 10 characters (a page's numbers,
        return text  # short names and words are most of what a template renders)
    if text in _CLEAN:
        return text
    masked = _mask(text)
    if masked == text and len(text) <= _CLEAN_LENGTH:
        if len(_CLEAN) >= _CLEAN_MAX:
            _CLEAN.clear()
        _CLEAN[text] = None
    return masked


# Short texts known to hold no CPR number, remembered a process long: a page repeats its
# values (departments, senders, kinds, dates; a year's report renders ~8,000). Only
# texts masking left unchanged are kept, so no CPR number is held here.
_CLEAN: dict[str, None] = {}
_CLEAN_LENGTH = 120
_CLEAN_MAX = 8192


def _mask(text: str) -> str:
    for _ in range(_MAX_PASSES):  # a window may end inside a group: the rest gets a pass
        masked = _mask_once(text)
        if masked == text:
            break
        text = masked
    return text


# Passes of masking over a text: each masks at least one window or stops.
_MAX_PASSES = 8


def _mask_once(text: str) -> str:
    out: list[str] = []
    last = 0
    for run in _RUN.finditer(text):
        if run.end() - run.start() < CPR_LENGTH:
            continue  # every grouping spans 10 characters: a shorter run holds no CPR
        glued = run.start() > 0 and text[run.start() - 1].isalpha()  # the end of a word
        for start, end, replacement in _masked_windows(run.group(0), glued):
            out.append(text[last:run.start() + start])
            out.append(replacement)
            last = run.start() + end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def mask_rendered(value: object) -> object:
    """Every template's finalize: a text value is masked where it is rendered, whatever it
    holds (a sender, a file name, a typed note, a filter echoed back). Markup is the
    templates' own HTML or an SVG chart (masked at its labels) and passes unchanged, as
    does a value a template marks `|safe` because it is a machine's (a CSRF token, a
    pseudonym): masking would corrupt those."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return mask_cpr_in_text(value)
    return value


# --------------------------------------------------------------------------- the guard

# A CPR number in clear as the work station's last guard looks for it in what it sends:
# a real day and month, the year, then four digits, with "-" (or a dash), one space or
# nothing between; standing alone: not inside a longer number, a word, a decimal
# ("14.038594") or a token (letters, "_" or "-" glued to it). Values are masked where
# they are rendered (the templates' `masked` filter, the charts' labels); this only
# finds what a template forgot, and it must not find anything in a page without one:
# the guard refuses such a page rather than rewrite it.
_CLEAR_CPR = re.compile(
    r"(?<![\w.,])(?<!\w[-\u2010-\u2015\u2212])"
    r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d\d[-\u2010-\u2015\u2212 ]?\d{4}"
    r"(?![\w]|[.,\-\u2010-\u2015\u2212]\w)")


def clear_cpr_count(text: str) -> int:
    """How many CPR numbers stand in clear in `text` (the response guard's test)."""
    return sum(1 for _ in _CLEAR_CPR.finditer(text)) if text else 0


class CprMaskingFilter(logging.Filter):
    """Masks CPR numbers in a log record's message and traceback (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_cpr_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is
            message = str(record.msg)
        record.msg, record.args = mask_cpr_in_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = mask_cpr_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_cpr_in_text(record.stack_info)
        record._cpr_masked = True
        return True


_installed = False


def install_log_masking() -> None:
    """Mask every log record of this process (any logger, any handler) and the traceback
    of an uncaught exception. Called once at the start of the CLI and the web app."""
    global _installed
    if _installed:
        return
    _installed = True
    masking = CprMaskingFilter()
    make_record: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def masked_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        masking.filter(record)
        return record

    logging.setLogRecordFactory(masked_record)
    for handler in logging.getLogger().handlers:
        handler.addFilter(masking)
    previous = sys.excepthook

    def masked_excepthook(kind: type[BaseException], error: BaseException,
                          tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, error, tb))
        sys.stderr.write(mask_cpr_in_text(text))

    if previous is sys.__excepthook__:
        sys.excepthook = masked_excepthook


# Files and folders of the workspace: the owner only. Set once at the start of the CLI
# and the web app, so that every file the tool creates (database, WAL/SHM, page images,
# reports, outbox) is created so, whichever library creates it.
PRIVATE_UMASK = 0o077


def restrict_new_files() -> int:
    """Set the process umask so new files are 0600 and folders 0700; returns the old one."""
    return os.umask(PRIVATE_UMASK)
