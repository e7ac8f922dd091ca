"""Who a letter's words are about: the addressee, a child, a deceased, a represented
citizen, a party on a copy line. Pure text rules, no registers.

A municipal letter often prints the ID of someone other than its addressee (domain.md,
"Who the letter is to, and who it is about"): "Vedr. jeres søn Emil, cpr.nr. ...",
"Afdødes CPR-nr.", "Kopi til: Advokatfirmaet Holm, CVR ...". The words around a number
say whose it is; the words of the address block say whether the addressee is an
estate or a representative. The rules here only read; deciding.addressee weighs them.

Texts are compared in lower case with punctuation turned into spaces, so "CPR-nr.:"
and "cpr nr" read alike; OCR's usual slips in these few words (ø read as o or 0) are
allowed for where a cue decides a verdict (the estate).
"""

from __future__ import annotations

import re
import unicodedata

from postbakke.models import IdRole


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\wæøå/ ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\wæøå/])(?:" + "|".join(patterns) + r")(?![\wæøå])")


# A copy line under the signature: "Kopi til:", "Kopi:", "Kopi sendt til", "Cc:",
# "Genpart til", "Kopimodtager(e):", "Sendt i kopi til".
_COPY_LINE = re.compile(
    r"^\W*(?:kopi(?:modtager\w*|\s+sendt)?|cc|genpart\w*|sendt\s+i\s+kopi|i\s+kopi)\b",
    re.IGNORECASE,
)
_COPY_WORDS = _words(r"kopi til", r"kopi sendt til", r"sendt i kopi", r"genpart til",
                     r"kopimodtager\w*")
# The deceased: "afdøde(s)", "dødsbo(et)", "boet efter", "bo efter", "dødsfald".
_DECEASED_WORDS = _words(
    r"afd[øo0]d\w*", r"d[øo0]ds\s?b[oa0]\w*", r"b[oa0]et\s+(?:efter|e/|v/|ved)",
    r"bo\s+(?:efter|e/)", r"d[øo0]dsfald\w*", r"arvelader\w*",
)
# A child: "barn(et/ets)", "børn(ene)", "søn(nen)", "datter(en)", "plejebarn", "elev(en)",
# "mindreårig", "den unge" is left out (a young person of 15-17 has Digital Post).
_CHILD_WORDS = _words(
    r"(?:pleje|bonus|sted)?barn(?:et|ets|s)?", r"(?:pleje|bonus|sted)?børn(?:ene|enes|s)?",
    r"(?:pleje|bonus|sted)?søn(?:nen|nens|s)?", r"(?:pleje|bonus|sted)?datter(?:en|ens|s)?",
    r"døtre", r"elev(?:en|ens)?", r"mindreårig\w*", r"spædbarn\w*",
)
# A citizen someone else acts for: "værge for", "myndling", "på vegne af" ("p.v.a."),
# "klient", "mandant", "partsrepræsentant for", "fuldmagtsgiver", "som De repræsenterer".
_REPRESENTED_WORDS = _words(
    r"værge\w*", r"myndling\w*", r"på vegne af", r"p v a", r"klient\w*", r"mandant\w*",
    r"partsrepræsentant\w*", r"fuldmagt\w*", r"repræsenter\w*", r"bisidder\w*",
)
# The addressee's own number: "Deres CPR-nr.", "dit personnummer", "modtagers CVR".
_ADDRESSEE_WORDS = _words(
    r"(?:dit|din|deres|jeres)\s+(?:cpr|cvr|person)\w*", r"modtager\w*",
)

# Block lines: an estate ("Boet efter Karen Lund", "Dødsboet efter ...", "Karen Lunds
# dødsbo", "Boet v/ advokat ...").
_ESTATE_LINE = _words(
    r"d[øo0]ds\s?b[oa0]\w*", r"b[oa0]et", r"bo\s+(?:efter|e/|v/)", r"afd[øo0]de\w*",
)
# A block line that addresses a child's parents ("Til forældrene til Emil Hansen", "Til
# forældremyndighedsindehaveren"): the letter is to a parent, whoever it names.
_PARENTS_LINE = _words(r"for(?:æ|ae|a)ldre\w*")  # forældre, forældremyndighed...; æ misread

# The words that say the addressee acts for someone: "værge for", "på vegne af",
# "p.v.a." (also read without its dots), "(parts)repræsentant for", with "som" before.
_ON_BEHALF_CUE = (
    r"(?:som\s+)?(?:værge\s+for|på\s+vegne\s+af|p\.?\s?v\.?\s?a\b\.?"
    r"|(?:parts)?repræsentant\s+for)"
)
# A block line of its own: "Værge for Karen Lund", "P.v.a. Karen Lund", "vedr. ...".
_ON_BEHALF_LINE = re.compile(
    rf"^\W*(?:{_ON_BEHALF_CUE}|vedr\.?|vedrørende)\s*:?\s+(.+)$", re.IGNORECASE,
)
# The cue after the addressee's name on one line: "Jens Holm, værge for Karen Lund",
# "Jens Holm (værge for Karen Lund)".
_ON_BEHALF_TAIL = re.compile(
    rf"^(.*?\w.*?)\s*[,(]\s*{_ON_BEHALF_CUE}\s*:?\s+(.+?)\)?$", re.IGNORECASE,
)
# Titles that say a c/o or Att. person acts for the citizen on the name line.
_REPRESENTATIVE_TITLE = _words(
    r"partsrepræsentant\w*", r"værge\w*", r"repræsentant\w*", r"bisidder\w*",
    r"fuldmægtig\w*",
)
# A name line that names an organisation, not a citizen: a law firm or a company whose
# employee is the representative on the Att. line.
_ORGANISATION = _words(
    r"aps", r"a/s", r"i/s", r"k/s", r"p/s", r"ivs", r"amba", r"advokat\w+",
    r"advokater(?:ne)?", r"firma(?:et)?", r"fond(?:en)?", r"forening(?:en)?", r"holding",
    r"ltd", r"gmbh",
)
# Title and role words before a name, left out when names are compared.
TITLE_WORDS = frozenset({
    "advokat", "advokaten", "adv", "partsrepræsentant", "partsrepræsentanten", "værge",
    "værgen", "bobestyrer", "bobestyreren", "repræsentant", "bisidder", "fuldmægtig",
    "att", "attention", "c/o", "co", "c", "o", "v", "ved", "hr", "fru", "frk", "dr",
})


_NEXT_CLAUSE = re.compile(r"\b(?:og|samt|eller)\b|[;]|\.\s", re.IGNORECASE)


def is_copy_line(text: str) -> bool:
    """A line that opens a copy list ("Kopi til: ...", "Cc: ...")."""
    return bool(_COPY_LINE.match(text.strip()))


def role_of(before: str, after: str = "") -> IdRole | None:
    """Whose a number is, by the words just before it (and after it, to the next number).

    The order is by how much a cue weighs: a copy line names another party whatever it
    says, a deceased's or a child's number is never the addressee's, then a represented
    citizen, and last the addressee's own ("Deres CPR-nr.").
    """
    # what follows speaks of this number only up to the next clause ("..., og jeres
    # datter Ida, cpr.nr. ..." is about the next number)
    after = _NEXT_CLAUSE.split(after, maxsplit=1)[0]
    near = _plain(f"{before} {after}")
    if _COPY_WORDS.search(_plain(before)) or is_copy_line(before):
        return IdRole.COPY
    if _DECEASED_WORDS.search(near):
        return IdRole.DECEASED
    if _CHILD_WORDS.search(near):
        return IdRole.CHILD
    if _REPRESENTED_WORDS.search(near):
        return IdRole.REPRESENTED
    if _ADDRESSEE_WORDS.search(_plain(before)):
        return IdRole.ADDRESSEE
    return None


def names_an_estate(lines: list[str]) -> bool:
    """Whether an address block's lines name a deceased person's estate."""
    return any(_ESTATE_LINE.search(_plain(line)) for line in lines)


def addressed_to_parents(lines: tuple[str, ...] | list[str]) -> bool:
    """Whether an address block's lines say the letter is to a child's parents."""
    return any(_PARENTS_LINE.search(_plain(line)) for line in lines)


def on_behalf_of(line: str) -> str | None:
    """The citizen named by a "Værge for ..." / "på vegne af ..." block line, if it is one
    (also after the addressee's name: "Jens Holm, værge for Karen Lund")."""
    split = split_on_behalf(line)
    return split[1] if split else None


def split_on_behalf(line: str) -> tuple[str, str] | None:
    """A block line that says whom the addressee acts for, cut in two: (the addressee's
    part, the citizen acted for). The first part is "" for a line of its own:
    "Værge for Karen Lund" -> ("", "Karen Lund"); "Jens Holm, værge for Karen Lund" ->
    ("Jens Holm", "Karen Lund"). None for any other line."""
    text = line.strip()
    found = _ON_BEHALF_LINE.match(text)
    if found:
        return "", found.group(1).strip(" ,.()")
    found = _ON_BEHALF_TAIL.match(text)
    if found:
        return found.group(1).strip(" ,"), found.group(2).strip(" ,.()")
    return None


def representative_of(attention: str | None) -> str | None:
    """The representative's name on a c/o or Att. line that calls them one, title removed:
    "Att.: partsrepræsentant Jens Holm" -> "Jens Holm"."""
    if not attention or not _REPRESENTATIVE_TITLE.search(_plain(attention)):
        return None
    name = without_titles(attention)
    return name or None


def names_an_organisation(name: str | None) -> bool:
    """Whether a name line is a firm's or a company's ("Advokatfirmaet Holm", "Holm & Co")."""
    return bool(name) and ("&" in (name or "") or bool(_ORGANISATION.search(_plain(name or ""))))


def without_titles(text: str) -> str:
    """A name line without c/o, Att. and title words ("Advokat Jens Holm" -> "Jens Holm")."""
    words = re.sub(r"[:,.]", " ", text).split()
    kept = [w for w in words if _plain(w) not in TITLE_WORDS]
    return " ".join(kept)
