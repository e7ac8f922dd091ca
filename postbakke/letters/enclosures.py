"""Physical enclosures: what a letter says it has in the envelope. Pure.

A letter with a physical enclosure (a health card, a driving licence, original
papers, keys, a form to sign and send back) cannot go by Digital Post: never a
leak. Danish letters say it in many ways, with a verb ("vedlagt", "vedlægges",
"hermed sendes", "vi sender dig hermed", "vi returnerer hermed", "medsendt",
"i kuverten ligger", "bilag"/"bilagt") and an object. By rule 1 a letter whose
text speaks of something enclosed that this module cannot place (neither a
known physical thing nor a known document that could have gone digitally) is
`UNPLACED`: review, never leak.

Words are compared fuzzily: OCR reads "sundhedskort" as "sundhedskart" or
"sundheds-" / "kort" over a line break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz


class EnclosureKind(StrEnum):
    NONE = "none"  # no enclosure mentioned, or only documents that could go digitally
    PHYSICAL = "physical"  # a physical thing is enclosed: never a leak
    UNPLACED = "unplaced"  # something is enclosed, but what? review


@dataclass(frozen=True, slots=True)
class EnclosureFinding:
    kind: EnclosureKind = EnclosureKind.NONE
    phrase: str = ""  # the words the finding rests on, for the log and the review page


# Verbs that say "this is in the envelope" whatever follows. One word each, compared
# fuzzily (OCR); the stems cover "vedlægger", "vedlagte", "medsendes" ...
_STRONG_VERBS = (
    "vedlagt", "vedlagte", "vedlægges", "vedlægger", "vedlægge", "medsendt", "medsendte",
    "medsendes", "medsender", "bilagt", "bilag", "bilagene", "vedhæftet", "vedhæftede",
)
# Phrases that say "we send you herewith": an enclosure only with an object after them.
_SENDING = re.compile(
    r"\b(?:hermed\s+(?:sendes|sender\s+vi|f[øo]lger|returnerer\s+vi|returneres)"
    r"|(?:vi\s+)?sender\s+(?:dig|jer)\s+hermed|sendes\s+hermed|f[øo]lger\s+hermed"
    r"|(?:vi\s+)?returnerer\s+(?:hermed|vi\s+hermed)|returneres\s+hermed"
    r"|i\s+kuverten\s+(?:ligger|finder|er)|ligger\s+i\s+kuverten"
    r"|sammen\s+med\s+(?:dette|brevet)\s+(?:brev\s+)?(?:f[åa]r|modtager)\s+(?:du|i))\b",
    re.IGNORECASE,
)
# Physical things (stems, compared with each word or pair of words of the text after
# the verb). "pas" and "nøgle" are short: matched exactly.
_PHYSICAL = (
    "sundhedskort", "sygesikringskort", "sygesikringsbevis", "sundhedskortet", "kørekort",
    "kørekortet", "pas", "passet", "parkeringstilladelse", "parkeringskort",
    "handicapparkeringskort", "parkeringslicens", "opholdskort", "id-kort", "legitimation",
    "nøgle", "nøgler", "nøglen", "nøglerne", "nøglebrik", "brik", "chip", "nøglekort",
    "affaldsmærkater", "mærkater", "mærkat", "svarkuvert", "frankeret", "originale",
    "original", "originalen", "originalerne", "eksamensbevis", "eksamensbeviser",
    "fødselsattest", "dåbsattest", "vielsesattest", "billede", "billeder", "fotografier",
    "betalingskort", "rejsekort", "buskort", "medicinkort", "hjælpemiddel", "høreapparat",
    "underskrift", "underskrive", "returnering", "retur", "fysisk", "fysiske", "kvitteringer",
)
_SHORT_EXACT = {"pas", "passet", "brik", "chip", "retur"}
# Documents that could have gone by Digital Post as well: an enclosure of these is
# no reason for paper (and no doubt about the verdict).
_DOCUMENTS = (
    "klagevejledning", "klagevejledningen", "vejledning", "vejledningen", "kopi", "kopien",
    "afgørelse", "afgørelsen", "oversigt", "oversigten", "pjece", "pjecen", "folder",
    "folderen", "referat", "referatet", "notat", "notatet", "beregning", "beregningen",
    "aftale", "aftalen", "kontrakt", "kontrakten", "opgørelse", "opgørelsen", "brev",
    "brevet", "tilladelse", "tilladelsen", "høringsbrev", "partshøring", "regler",
    "reglerne", "information", "informationer", "program", "programmet", "dagsorden",
    "plan", "planen", "handleplan", "handleplanen", "skema", "skemaet", "faktura",
    "fakturaen", "regning", "regningen", "opkrævning", "opkrævningen", "betingelser",
    "vilkår", "vilkårene", "tegning", "tegningen", "tegninger", "kort", "kortet",
    "indkaldelse", "indkaldelsen", "materiale", "materialet", "bevilling", "bevillingen",
)
# "blanket"/"skema" is physical when it is to be signed or sent back.
_FORM = re.compile(r"\b(?:blanket\w*|skema\w*|erklæring\w*)\b[^.\n]{0,40}"
                   r"\b(?:underskri\w*|returner\w*|retur|sende\w*\s+tilbage|udfyld\w*)",
                   re.IGNORECASE)
# Words after a verb that the object lies in: "vedlagt finder du dit nye sundhedskort".
OBJECT_REACH_WORDS = 10
# Word likeness (rapidfuzz ratio, 0-100) for an OCR'd word to count as a lexicon word:
# "sundhedskart" 92, "vedlaqt" 86, "bilag" vs "bilen" 60.
WORD_MATCH = 85
# Filler words between a verb and its object that name nothing.
_FILLER = {
    "du", "i", "finder", "find", "her", "hermed", "dit", "din", "dine", "jeres", "jer", "dig",
    "nye", "ny", "nyt", "et", "en", "de", "det", "den", "som", "vi", "til", "af", "og", "er",
    "brevet", "dette", "med", "at", "også", "følgende", "venligst", "bedes", "os",
    "sender", "sendes", "ligger", "kuverten", "modtager", "får", "bilag", "bilagt",
    "vedlagt", "vedlagte", "vedlægges", "medsendt", "nr", "side", "se", "på", "for",
    "har", "skal", "kan", "vil", "fra", "om", "samt", "the", "jeg", "sammen",
}
# A "Bilag: ..." line, or "Bilag 1: ...", lists what is enclosed.
_BILAG_LINE = re.compile(r"^\s*(?:bilag|vedlagt|vedlæg|bilagt)\w*\s*\d*\s*[:.)-]\s*(.+)$",
                         re.IGNORECASE | re.MULTILINE)
_WORD = re.compile(r"[a-zæøåé-]+", re.IGNORECASE)
# The same line with its label misread by OCR ("Blag:", "Bilaq:", "Bilog 1:"): a short first
# word like "bilag" at BILAG_LABEL_MATCH (rapidfuzz ratio: "blag" 89, "bilaq" 80, "bilen"
# 60, "beløb" 40, "dag" 50), then a colon or a number.
_LABEL_LINE = re.compile(r"^\s*([a-zæøå]{3,6})\s*\d*\s*[:)-]\s*(.+)$", re.MULTILINE)
BILAG_LABEL_MATCH = 80


def _normalise(text: str) -> str:
    """Lower case, words split by a hyphen at a line's end joined ("sundheds-\\nkort")."""
    return re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text).lower()


def _like(word: str, lexicon: tuple[str, ...] | set[str]) -> bool:
    if len(word) < 5:
        return word in lexicon
    return any(fuzz.ratio(word, entry) >= WORD_MATCH for entry in lexicon
               if abs(len(entry) - len(word)) <= 3)


def _is_physical(word: str) -> bool:
    if word in _SHORT_EXACT or len(word) < 5:
        return word in _PHYSICAL
    if word.endswith(("kort", "kortet")) and word not in ("kort", "kortet"):
        return True  # sundhedskort, parkeringskort, betalingskort, "sygesikrings-kort"
    return _like(word, _PHYSICAL)


# An object is named by the first few naming words after (or before) the verb.
NAMING_WORDS = 4


def _classify(words: list[str], context: str = "") -> EnclosureKind | None:
    """What the words next to an enclosure verb name; None when they name nothing."""
    if context and _FORM.search(context):
        return EnclosureKind.PHYSICAL
    naming = [w for w in words if w not in _FILLER and len(w) >= 2][:NAMING_WORDS]
    if not naming:
        return None
    if any(_is_physical(w) for w in naming):
        return EnclosureKind.PHYSICAL
    if _like(naming[0], _DOCUMENTS):
        return EnclosureKind.NONE  # a document that could have gone digitally
    return EnclosureKind.UNPLACED


def _sentence_words(norm: str, start: int, end: int) -> tuple[list[str], list[str]]:
    """The words before `start` and after `end`, within the sentence around them."""
    left = norm[:start]
    cut = max(left.rfind("."), left.rfind("!"), left.rfind("?"), left.rfind(":"))
    before = _WORD.findall(left[cut + 1:])[-6:]
    right = norm[end:]
    stop = re.search(r"[.!?]\s|[.!?]$", right)
    after = _WORD.findall(right[: stop.start() if stop else 200])[:OBJECT_REACH_WORDS]
    return before, after


def find_enclosure(text: str) -> EnclosureFinding:
    """Whether the letter's text names a physical enclosure, something unplaceable, or none.

    PHYSICAL wins over UNPLACED: one named health card is enough for "never a leak".
    """
    norm = _normalise(text)
    found = EnclosureFinding()

    def consider(kind: EnclosureKind | None, phrase: str) -> bool:
        nonlocal found
        if kind is EnclosureKind.PHYSICAL:
            found = EnclosureFinding(kind, phrase)
            return True
        if kind is EnclosureKind.UNPLACED and found.kind is EnclosureKind.NONE:
            found = EnclosureFinding(kind, phrase)
        return False

    listed = [(line.group(1), line.group(0)) for line in _BILAG_LINE.finditer(norm)]
    listed += [(line.group(2), line.group(0)) for line in _LABEL_LINE.finditer(norm)
               if fuzz.ratio(line.group(1), "bilag") >= BILAG_LABEL_MATCH
               and not _BILAG_LINE.match(line.group(0))]
    for items, whole in listed:
        for item in re.split(r"[,;]|\bog\b", items):
            if consider(_classify(_WORD.findall(item), item), whole.strip()):
                return found
    for match in _WORD.finditer(norm):
        if not _like(match.group(0), _STRONG_VERBS):
            continue
        before, after = _sentence_words(norm, match.start(), match.end())
        context = norm[max(0, match.start() - 60): match.end() + 120]
        kind = _classify(after, context)
        if kind is None or (kind is not EnclosureKind.PHYSICAL
                            and _classify(before) is EnclosureKind.PHYSICAL):
            kind = _classify(before, context)
        if consider(kind, context.strip()):
            return found
    for match in _SENDING.finditer(norm):
        _, after = _sentence_words(norm, match.start(), match.end())
        context = norm[match.start(): match.end() + 120]
        if consider(_classify(after, context), context.strip()):
            return found
    return found
