"""The kind of a letter from its subject line: "Indkaldelse til samtale", not whose or when.

Leaks grouped by kind show a project leader when one case-system template
always prints (one fix there beats coaching fifty senders), and the kind is
what a coaching talk is about. So the subject is stripped of what makes it
one letter: names, CPR/CVR and case numbers, dates. Pure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

UNKNOWN_KIND = "(uden emne)"
# Kinds named per sender or follow-up: three tell what a sender sends on paper;
# more crowd a table cell.
KINDS_SHOWN = 3

_PREFIX = re.compile(r"^\s*(?:vedr(?:ørende)?\.?|ang(?:ående)?\.?|re:|emne:)\s*", re.IGNORECASE)
_ID_LABEL = re.compile(
    r"\b(?:cpr|cvr|p)[\s.-]*(?:nr|nummer)\b\.?:?|\bsags?\s*nr\b\.?:?|\bj\.?\s?nr\b\.?:?"
    r"|\bjournal\s*nr\b\.?:?|\bvores ref\b\.?:?|\bcpr\b:?|\bcvr\b:?",
    re.IGNORECASE,
)
_MONTHS = (
    "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_WRITTEN_DATE = re.compile(
    rf"\b(?:d\.\s*)?\d{{1,2}}\.?\s*(?:{_MONTHS})\.?(?:\s+\d{{4}})?\b", re.IGNORECASE
)
# Any token with a digit: CPR/CVR numbers (also masked 010203-XXXX), case numbers
# like 2026-1234 or 27.12.04-P20-3-26, numeric dates, amounts.
_TOKEN_WITH_DIGIT = re.compile(r"\S*\d\S*")
# Company forms end a company's name: "Granhøj Vognmandsforretning A/S".
_COMPANY_FORM = re.compile(r"(?<!\w)(?:A/S|ApS|I/S|K/S|P/S|IVS|AMBA|A\.m\.b\.a\.)(?!\w)")
_SEGMENT_SPLIT = re.compile(r"\s*(?:[,;:()\[\]]|\s[-–—/]\s)\s*")
_CAPITALISED = re.compile(r"^[A-ZÆØÅÉÜÖÄ][\wæøåéüöä'.-]*$")
_DANGLING = {
    "til", "om", "for", "i", "af", "på", "med", "fra", "vedr", "og", "ved", "nr", "den", "d", "kl",
}


def _strip_names(segment: str) -> str:
    """Drop runs of two or more capitalised words (names), except a segment's first word.

    A segment that is nothing but a run ("Jens Hansen") goes whole. A one-word
    kind with a name after it ("Partshøring Jens Hansen") cannot be told from a
    three-word name, and goes whole too: better no kind than a name in a report.
    """
    words = segment.split()
    keep: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and _CAPITALISED.match(words[j]):
            j += 1
        if j - i >= 2:
            i = j  # a name
            continue
        if j > i:
            keep.extend(words[i:j])
            i = j
        else:
            keep.append(words[i])
            i += 1
    return " ".join(keep)


def letter_kind(subject: str | None) -> str:
    """The normalised subject: 'Vedr. Jens Hansen, cpr.nr. 010203-XXXX' -> '(uden emne)',
    'Indkaldelse til samtale d. 3. december 2026 - Sagsnr. 2026-1234' -> 'Indkaldelse til samtale'.
    """
    if not subject:
        return UNKNOWN_KIND
    text = _PREFIX.sub("", subject)
    text = _COMPANY_FORM.sub(" ", text)
    text = _WRITTEN_DATE.sub(" ", text)
    text = _ID_LABEL.sub(" ", text)
    text = _TOKEN_WITH_DIGIT.sub(" ", text)
    parts = []
    for segment in _SEGMENT_SPLIT.split(text):
        segment = _strip_names(re.sub(r"\s+", " ", segment).strip(" .,-–"))
        words = segment.split()
        while words and words[-1].casefold().rstrip(".") in _DANGLING:
            words.pop()
        if words and any(w[0].islower() for w in words[1:]) or len(words) == 1:
            parts.append(" ".join(words))
    kind = " ".join(parts[:1]).strip(" .,-–")
    if not kind or not any(c.isalpha() for c in kind):
        return UNKNOWN_KIND
    return kind[0].upper() + kind[1:]


def rank_kinds(subjects: Iterable[str | None]) -> tuple[tuple[str, int], ...]:
    """(kind, letters) of these subjects, most letters first, then by name (a stable order)."""
    return ranked(Counter(letter_kind(subject) for subject in subjects))


def ranked(counted: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """Kinds already counted, most letters first, then by name (a stable order)."""
    return tuple(sorted(counted.items(), key=lambda kc: (-kc[1], kc[0])))
