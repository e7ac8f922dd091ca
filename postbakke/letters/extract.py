"""Letter -> Fields: what the letter says, read by zone. Pure (no registers, no I/O).

Zones are those of a Danish municipal letter printed for a window envelope
(domain.md): letterhead at the top, the recipient block in the window at the
left, an info column at the right, subject and body below, a signature under
"Med venlig hilsen", a footer at the bottom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from postbakke.letters import ids, parties
from postbakke.letters.enclosures import EnclosureKind, find_enclosure
from postbakke.models import (
    BLOCK_LINE_GAP_MM,
    LETTERHEAD_BOTTOM_MM,
    WINDOW_BOTTOM_MM,
    WINDOW_LEFT_MM,
    WINDOW_RIGHT_MM,
    WINDOW_TOP_MM,
    EnvelopeWindow,
    Fields,
    FoundId,
    IdKind,
    IdRole,
    Letter,
    Line,
    Page,
    RecipientBlock,
    Word,
    parse_postcode_line,
)

# A CPR number is legible through the envelope (CPR-loven § 54) only when its
# box lies inside the address field (`EnvelopeWindow`, DIN 5008 form B by
# default); each edge may be passed by this much. A letter folded and put into
# the envelope can shift ~1 mm, and after deskewing the residual skew is
# <= 0.5 degree, ~0.7 mm over the field's 85 mm: 2 mm covers both, while a
# subject line set under the field (its top >= 2.5 mm below the edge at the
# standard's line spacing) or an info block beside it stays outside.
WINDOW_TOLERANCE_MM = 2.0
INFO_LEFT_MM = 112.0
INFO_BOTTOM_MM = 125.0
FOOTER_TOP_MM = 265.0
# Words read by OCR with a mean confidence below this (0-100) are too unsure
# to accuse anyone on; measured: clean 200-dpi pages read at 85-95.
LOW_PAGE_CONFIDENCE = 55.0
# A two-line subject: the second line follows within this gap (one line of
# 10-12 pt type leaves ~1.5-3 mm; the salutation comes after a blank line).
SUBJECT_LINE_GAP_MM = 4.0
# A copy list ("Kopi til:" and the lines under it) ends at a blank line: rows of it
# follow each other within this gap (one line of 10-12 pt type leaves ~1.5-3 mm).
COPY_LIST_GAP_MM = 4.0
# A signature is within this distance below "Med venlig hilsen".
SIGNATURE_REACH_MM = 35.0

_ATTENTION = re.compile(r"^(?:c/o|c/0|att\.?|att:|attention|ved\b)\s*:?\s*", re.IGNORECASE)
_INFO_LABEL = re.compile(
    r"^(?:dato|sagsnr|sags nr|j\.?\s?nr|journalnr|sagsbehandler|direkte|tlf|telefon|e-?mail"
    r"|mail|cpr|cvr|vores ref|deres ref|reference|side \d|initialer|ref\.?)\b",
    re.IGNORECASE,
)
_GREETING = re.compile(r"(?:venlig\s+hilsen|mvh\b|hilsen\s*$)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+\s?@\s?[\w-]+(?:[.,][\w-]+)*[.,][a-z]{2,4}\b",
                    re.IGNORECASE)
# Debian's Danish model has no "@": on a 200-dpi bitonal (fax-like) scan OCR reads
# "amh@favrskov.dk" as "amhQfavrskov.dk", "amh&favrskov.dk", "amhæfavrskov.dk",
# "amh GØ favrskov.dk" (the "@" split off as a word of its own), "amh @ favrskov.dk" or
# "amh@favrskov,dk"; the label as "E-maiI:", "E-mai1", "E-rnail", "Email" or "Mail".
# After such a label the words up to the one ending in a top-level domain are the
# address (at most _EMAIL_WORDS of them), joined without their spaces; the matcher
# compares the reading with the directory's addresses, "@" or not.
_EMAIL_LABELLED = re.compile(r"^e?(?:m|rn)a[il1|!]{2}$")
_EMAIL_END = re.compile(r"[.,][a-z]{2,4}$")
_EMAIL_WORDS = 4
# A domain's last part standing alone after the address, its dot lost (training corpus,
# a bitonal 200-dpi scan: "E-mail: kkæfavrskov dk").
_TOP_LEVEL_DOMAIN = re.compile(r"dk|com|net|org|eu|nu|se|no|de|info")
_CASEWORKER = re.compile(r"^(?:sagsbehandler|kontaktperson)\s*:?\s*(.+)$", re.IGNORECASE)
_INITIALS = re.compile(
    r"^(?:initialer|vores ref\.?|ref\.?)\s*:?\s*([A-ZÆØÅ]{2,5})\b", re.IGNORECASE
)
# "Afs.:" / "Afsender:" opens a return-address line; OCR reads "Afs" as "Ats" or "Als".
_RETURN_ADDRESS = re.compile(r"^a[fti]s(?:ender)?\s*[.:]", re.IGNORECASE)
# The municipality's name in a window line, as OCR read it on the bench corpus's harsh
# scans ("Favrskav Kommune", "Føvrskov Kommune"): partial ratio 94; a recipient's
# name or street 35-55, "Kommunevej 4" 74, "Favrskov Gymnasium" 76.
RETURN_ADDRESS_MATCH = 85
# A street line: words, then a house number ("Fjeldhøjengen 90", "Skovvej 4B, 1. tv.").
_STREET = re.compile(r"^[^\W\d_][\w. -]*?\s\d{1,4}\s?[A-Za-z]?\b(?:[,.].*)?$")
_REGARDING = re.compile(r"^ved(?:r|rørende)\b", re.IGNORECASE)
_SALUTATION = re.compile(r"^(?:kære|hej|til)\b", re.IGNORECASE)
_NAME_LIKE = re.compile(r"^[A-ZÆØÅ][\wæøåÆØÅ.'-]*(?:\s+[A-ZÆØÅ][\wæøåÆØÅ.'-]*){1,4}$")


def mentions_enclosure(text: str) -> bool:
    """Whether a letter's text names a physical enclosure (a health card, an original)."""
    return find_enclosure(text).kind is EnclosureKind.PHYSICAL


@dataclass(frozen=True)
class ExtractOptions:
    own_cvrs: frozenset[str] = frozenset()
    municipality_name: str = ""
    window: EnvelopeWindow = EnvelopeWindow()


def zone_of(line: Line, first_page: bool) -> str:
    """Where a line sits: letterhead, window, info, footer, or body.

    Only a letter's first page has a letterhead, window and info column; a
    batch's letter may start at any page of the file.
    """
    if line.y0 >= FOOTER_TOP_MM:
        return "footer"
    if not first_page:
        return "body"
    if line.y1 <= LETTERHEAD_BOTTOM_MM:
        return "letterhead"
    if line.x0 >= INFO_LEFT_MM and line.y0 <= INFO_BOTTOM_MM:
        return "info"
    if (
        WINDOW_LEFT_MM <= line.x0 <= WINDOW_RIGHT_MM
        and WINDOW_TOP_MM <= line.y0 <= WINDOW_BOTTOM_MM
    ):
        return "window"
    return "body"


def _number_words(hit: FoundId, row: list[Line]) -> list[Word]:
    """The words a number was read from: those whose digits are part of it."""
    words = [w for ln in row for w in ln.words]
    return [w for w in words if (d := re.sub(r"\D", "", w.text)) and d in hit.digits]


def in_window(hit: FoundId, row: list[Line], window: EnvelopeWindow) -> bool:
    """Whether the number's own words lie inside the envelope's address field.

    The number's box, not its line's: a line may run from the window into the
    info column. Without word boxes the line's box stands in.
    """
    words = _number_words(hit, row) or [w for ln in row for w in ln.words]
    if words:
        box = (min(w.x0 for w in words), min(w.y0 for w in words),
               max(w.x1 for w in words), max(w.y1 for w in words))
    else:
        box = (min(ln.x0 for ln in row), min(ln.y0 for ln in row),
               max(ln.x1 for ln in row), max(ln.y1 for ln in row))
    return window.holds(*box, tolerance_mm=WINDOW_TOLERANCE_MM)


def _rows(lines: list[Line], first_page: bool) -> list[tuple[str, list[Line]]]:
    """Lines of one zone on one baseline: a label and its value may be columns apart."""
    rows: list[tuple[str, list[Line]]] = []
    for line in sorted(lines, key=lambda ln: (ln.y0, ln.x0)):
        zone = zone_of(line, first_page)
        for row_zone, row in rows:
            ref = row[0]
            overlap = min(ref.y1, line.y1) - max(ref.y0, line.y0)
            if row_zone == zone and overlap > 0.5 * min(ref.y1 - ref.y0, line.y1 - line.y0):
                row.append(line)
                break
        else:
            rows.append((zone, [line]))
    return rows


def _number_confidence(hit: FoundId, row: list[Line]) -> float:
    """The OCR confidence (0..1) of the words a number was read from: the lowest of them.

    Only the number's own words count: a label or a name beside it read badly
    ("cvR" at 0 next to "13977917" at 96 on a harsh scan) says nothing about
    its digits. Words are the number's when their digits are part of it.
    """
    words = [w for ln in row for w in ln.words]
    own = _number_words(hit, row)
    return min(w.conf for w in (own or words)) / 100.0


def find_letter_ids(letter: Letter, options: ExtractOptions) -> tuple[list[FoundId], bool]:
    """All recipient-ID candidates of the letter, and whether a CPR shows in the window.

    Each ID carries whose it is as far as the words say (`FoundId.role`): a number in
    the address block is the addressee's, one on a copy line or in the lines under it
    is the copy party's, and elsewhere the words around it tell (letters.parties).
    """
    found: list[FoundId] = []
    window_cpr = False
    for index, page in enumerate(letter.pages):
        copy_bottom: float | None = None  # the last row of a copy list under the signature
        for zone, row in _rows(page.lines, index == 0):
            if zone in ("letterhead", "footer"):
                continue  # the sender's own numbers live there
            row.sort(key=lambda ln: ln.x0)
            text = " ".join(ln.text for ln in row)
            top, bottom = min(ln.y0 for ln in row), max(ln.y1 for ln in row)
            if parties.is_copy_line(text):
                copy_bottom = bottom
            elif copy_bottom is not None and top - copy_bottom <= COPY_LIST_GAP_MM:
                copy_bottom = bottom  # the copy list goes on: "Advokatfirmaet Holm", "CVR ..."
            else:
                copy_bottom = None
            for hit in ids.find_ids(text, options.own_cvrs):
                conf = _number_confidence(hit, row)
                role = hit.role
                if copy_bottom is not None:
                    role = IdRole.COPY
                elif (zone == "window" and role is None
                      and in_window(hit, row, options.window)):
                    # in the address field itself; the window zone is wider (a subject
                    # moved up or a skewed scan reaches into it) and says nothing of whose
                    role = IdRole.ADDRESSEE
                hit = replace(hit, zone=zone, y_mm=row[0].y0, role=role,
                              confidence=round(hit.confidence * conf, 4))
                if (
                    index == 0 and hit.kind is IdKind.CPR
                    and in_window(hit, row, options.window)
                ):
                    window_cpr = True
                found.append(hit)
    return found, window_cpr


def _is_return_address(text: str, municipality_name: str) -> bool:
    """The sender's own small-print line in the window ("Afs.: Favrskov Kommune, Skovvej 20, ..."),
    also as OCR reads it on a poor scan ("Ats.: Favrskav Kommune")."""
    if _RETURN_ADDRESS.match(text):
        return True
    if not municipality_name:
        return False
    score = fuzz.partial_ratio(municipality_name.lower(), text.lower())
    return score >= RETURN_ADDRESS_MATCH


def recipient_block(page: Page, municipality_name: str = "") -> RecipientBlock:
    """Name, c/o or Att. line, street, postcode and city from the window zone."""
    lines = [ln for ln in page.lines if zone_of(ln, True) == "window"]
    lines.sort(key=lambda ln: ln.y0)
    block: list[Line] = []
    for line in lines:
        text = line.text.strip()
        if not block and _is_return_address(text, municipality_name):
            continue  # a return-address line above the recipient
        if block and line.y0 - block[-1].y1 > BLOCK_LINE_GAP_MM:
            break
        if _INFO_LABEL.match(text) or ids.find_ids(text):
            if block and any(parse_postcode_line(b.text) for b in block):
                break
            continue  # an ID line inside the block is reported, not part of the address
        block.append(line)
        if parse_postcode_line(text):
            break
    if not block:
        return RecipientBlock()
    texts = [b.text.strip() for b in block]
    conf = min(b.conf for b in block) / 100.0
    postcode = city = street = None
    found_postcode = parse_postcode_line(texts[-1])
    if found_postcode:
        postcode, city = found_postcode
        texts = texts[:-1]
    attention = next((t for t in texts if _ATTENTION.match(t)), None)
    # "Værge for Karen Lund": the citizen the addressee acts for, not part of a name;
    # on the name line ("Jens Holm, værge for Karen Lund") only the head is the name
    behalf = next(((t, *cut) for t in texts if (cut := parties.split_on_behalf(t))), None)
    rest = [t for t in texts if t != attention]
    if behalf is not None:
        rest = [behalf[1] if t == behalf[0] else t for t in rest]
        rest = [t for t in rest if t]
    if postcode and (len(rest) >= 2 or (len(rest) == 1 and _STREET.match(rest[0]))):
        # the line above the postcode is the street; a lone line is the street only if
        # it looks like one (the name line can be lost on a poor scan)
        street = rest[-1]
        rest = rest[:-1]
    name = " ".join(rest) if rest else None
    all_lines = tuple(b.text.strip() for b in block)
    return RecipientBlock(
        name=name, attention=attention, street=street, postcode=postcode, city=city,
        confidence=conf, lines=all_lines,
        estate=parties.names_an_estate([t for t in texts if t != street]),
        on_behalf_of=behalf[2] if behalf else None,
        representative=parties.representative_of(attention),
    )


# Words of a department's or the municipality's name: a signature line holding one is
# the sender's unit ("Favrskov Kommune", "Jobcenter Favrskov"), not a person's name.
_UNIT_WORDS = re.compile(
    r"\b(?:kommunes?|jobcent(?:er|ret|eret)|cent(?:er|ret|eret)|afdeling(?:en)?"
    r"|sekretariat(?:et)?|team(?:et)?|borgerservice|forvaltning(?:en)?|enhed(?:en)?"
    r"|myndighed(?:en)?|rådhus(?:et)?|administration(?:en)?|staben|direktion(?:en)?"
    r"|kontor(?:et)?|service|region(?:en)?)\b", re.IGNORECASE)


def _signature(page: Page) -> str | None:
    """The sender's name under "Med venlig hilsen": a name-like line that is neither a
    label nor a department's or the municipality's name (a letter signed by the
    department only has no sender name)."""
    lines = page.lines
    for index, line in enumerate(lines):
        if not _GREETING.search(line.text):
            continue
        for candidate in lines[index + 1:]:
            if candidate.y0 - line.y1 > SIGNATURE_REACH_MM:
                break
            text = candidate.text.strip()
            if (_NAME_LIKE.match(text) and not _INFO_LABEL.match(text)
                    and not _UNIT_WORDS.search(text)):
                return text
    return None


def _info_value(pages: tuple[Page, ...], pattern: re.Pattern[str]) -> str | None:
    for index, page in enumerate(pages):
        for zone, row in _rows(page.lines, index == 0):
            if zone in ("letterhead", "footer"):
                continue
            text = " ".join(ln.text for ln in sorted(row, key=lambda ln: ln.x0)).strip()
            found = pattern.match(text)
            if found:
                return found.group(1).strip()
    return None


def _subject(page: Page) -> str | None:
    """The first line of the body area that is neither a label nor the salutation.

    A "Vedr. <name>, cpr.nr. ..." line names the person, not the kind of letter:
    the topic line right under it is joined on, so the report can group by it.
    """
    lines = [
        ln for ln in page.lines
        if zone_of(ln, True) == "body" and ln.y0 >= WINDOW_BOTTOM_MM - 10
    ]
    for index, line in enumerate(lines):
        text = line.text.strip()
        if len(text) < 4 or _INFO_LABEL.match(text) or _SALUTATION.match(text):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        if (
            _REGARDING.match(text) and following is not None
            and following.y0 - line.y1 < SUBJECT_LINE_GAP_MM
            and not _SALUTATION.match(following.text.strip())
        ):
            return f"{text} – {following.text.strip()}"
        return text
    return None


def _is_email_label(word: str) -> bool:
    return bool(_EMAIL_LABELLED.match(re.sub(r"[^\w|!]", "", word.lower())))


def _labelled_email(words: list[str]) -> str | None:
    """The address after an e-mail label among a row's words, as read ("@" or not)."""
    for index, word in enumerate(words):
        joined = word + words[index + 1] if index + 1 < len(words) else ""
        if _is_email_label(word):
            rest = words[index + 1:]
        elif joined and word.lower().startswith("e") and _is_email_label(joined):
            rest = words[index + 2:]  # "E- mail:" read as two words
        else:
            continue
        rest = [w for w in rest if w not in (":", ";")]
        for end, value in enumerate(rest[:_EMAIL_WORDS]):
            if _EMAIL_END.search(value.lower().rstrip(".")):
                return "".join(rest[:end + 1])
            if end and _TOP_LEVEL_DOMAIN.fullmatch(value.lower()):
                return "".join(rest[:end]) + "." + value  # the dot read as a space: "kk@x dk"
    return None


def _clean_email(text: str) -> str:
    """An address as read: lower case, no spaces, a comma before the domain's end a dot."""
    text = re.sub(r"\s+", "", text.lower()).rstrip(".,;:")
    text = re.sub(r",(?=[a-z]{2,4}$)", ".", text)
    # specks read as punctuation inside the address ("t;jøæfavrskov.dk", a bitonal scan's
    # "j"): no municipal address holds them
    return re.sub(r"[;:'\"`|,]", "", text)


def _email(letter: Letter) -> str | None:
    """The first e-mail address outside the letterhead and footer (the municipality's own
    mailbox lives there), read by row: an address and its label may be words apart."""
    for index, page in enumerate(letter.pages):
        for zone, row in _rows(page.lines, index == 0):
            if zone in ("letterhead", "footer"):
                continue
            words = [w.text for w in sorted((w for ln in row for w in ln.words),
                                            key=lambda w: w.x0)]
            text = " ".join(words) if words else " ".join(ln.text for ln in row)
            found = _EMAIL.search(text)
            value = found.group(0) if found else _labelled_email(text.split())
            if value:
                return _clean_email(value)
    return None


def is_low_confidence(page: Page) -> bool:
    return page.method == "ocr" and (page.mean_conf < LOW_PAGE_CONFIDENCE or len(page.words) < 15)


def extract_fields(letter: Letter, options: ExtractOptions) -> Fields:
    first = letter.pages[0]
    found, window_cpr = find_letter_ids(letter, options)
    signature = None
    for page in reversed(letter.pages):  # the signature closes the letter
        signature = _signature(page)
        if signature:
            break
    enclosure = find_enclosure("\n".join(p.text for p in letter.pages)).kind
    return Fields(
        recipient_ids=tuple(found),
        recipient_block=recipient_block(first, options.municipality_name),
        window_cpr=window_cpr,
        sender_name=signature,
        caseworker_name=_info_value(letter.pages, _CASEWORKER),
        sender_email=_email(letter),
        sender_initials=_info_value(letter.pages, _INITIALS),
        letterhead_lines=tuple(
            ln.text for ln in first.lines if zone_of(ln, True) == "letterhead"
        ),
        sender_lines=tuple(
            ln.text for index, page in enumerate(letter.pages) for ln in page.lines
            if zone_of(ln, index == 0) in ("body", "info", "footer")
        ),
        subject=_subject(first),
        physical_enclosure=enclosure is EnclosureKind.PHYSICAL,
        unplaced_enclosure=enclosure is EnclosureKind.UNPLACED,
        low_confidence=is_low_confidence(first),
    )
