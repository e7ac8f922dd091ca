"""Fields + registers -> who the letter is to and who sent it, with the evidence.

Past this stage no CPR number exists in clear: the printed IDs are turned into
pseudonyms here and only those travel on.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from postbakke.letters import parties
from postbakke.models import (
    EnrolmentEntry,
    Fields,
    RecipientBlock,
    SenderMatch,
    StaffMember,
)

# An ID read below this confidence (OCR confidence times repair/checksum
# penalties, see ids.py) is not enough to accuse anyone on its own.
SURE_ID_CONFIDENCE = 0.6
# A found register entry whose name scores below this against the printed
# recipient name is a different person/company than the address says
# (token_set_ratio; OCR noise on a right name scored >= 75 on generated scans).
NAME_CONTRADICTS = 55
# Fuzzy name+address match without a printed ID: name and street must both be
# this close (token_sort_ratio / ratio, 0-100). High on purpose: a namesake at
# another address must never match.
NAME_MATCH = 88
STREET_MATCH = 85
# Name and street both this close when the postcode line could not be read: over the
# whole register instead of one postcode, so stricter.
NAME_ADDRESS_NO_POSTCODE = 92
# A staff name read from a signature matches a directory entry at this score
# when no other entry comes within SENDER_MARGIN of it.
SENDER_NAME_MATCH = 85
SENDER_MARGIN = 5
# A staff member's full name found within a line of the letter (partial_ratio): one
# misread letter in a 12-letter name scores ~92.
SENDER_IN_TEXT_MATCH = 90
# One misread character in a 15-character address scores ~93.
EMAIL_MATCH = 90
DEPARTMENT_MATCH = 85
# An unsure reading may differ from the visible digits of the ID of the person the
# address names in this many places (on the bench corpus's harsh scans a misread
# CPR had one birth-date digit and two serial digits wrong).
MAX_MISREAD_DIGITS = 1
# Suggestions for a person (never a decision): a name or a street at least this close.
SUGGEST_NAME = 70
SUGGEST_STREET = 80
NEAREST_NAMES = 50
# A name line garbled or partly lost (a pen stroke, a stain, a misread word): the address
# may still decide when exactly one register entry lives at it (street at STREET_MATCH,
# the same postcode, the city at CITY_MATCH when read) and what was read of the name
# agrees with that entry. Agreeing means: the name's first and last words (of >= 3
# letters; middle names may be lost) are each read at NAME_WORD_MATCH (fuzz.ratio: one
# wrong letter in an 8-letter word scores ~88), and the words found hold at least
# NAME_FRAGMENT_SHARE of the name's letters. A child named "Mette Petersen" at the
# address of "Lone Mette Petersen" (the child need not be in the register) lacks the
# first name, so it is no match; two entries at one address never match this way.
NAME_WORD_MATCH = 85
NAME_FRAGMENT_SHARE = 0.6
NAME_WORD_MIN_LETTERS = 3
CITY_MATCH = 80
# The salutation names the recipient again ("Kære Lone Mette Petersen"): when the block's
# name line was not read at all it stands in for it (body lines are normalised first).
_SALUTATION_NAME = re.compile(r"^(?:kære|til)\s+(.+)$")


def normalise(text: str) -> str:
    """Lower-case, no punctuation, single spaces; æøå kept (they matter in names)."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\wæøå ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()



@dataclass
class Registers:
    """The registers as the matcher needs them: by pseudonym and by postcode."""

    by_pseudonym: dict[str, EnrolmentEntry]
    by_postcode: dict[str, list[EnrolmentEntry]]
    staff: list[StaffMember]

    @classmethod
    def build(cls, entries: list[EnrolmentEntry], staff: list[StaffMember]) -> Registers:
        by_postcode: dict[str, list[EnrolmentEntry]] = defaultdict(list)
        for entry in entries:
            by_postcode[entry.postcode].append(entry)
        return cls({e.pseudonym: e for e in entries}, dict(by_postcode), staff)

    @property
    def departments(self) -> list[str]:
        return sorted({m.department for m in self.staff})


def addressee_names(block: RecipientBlock) -> list[str]:
    """The names the letter is addressed to, titles left out ("Advokat Jens Holm" -> "Jens
    Holm"): the name line and any c/o or Att. line. When the c/o or Att. line names a
    representative, the name line is the citizen they act for, unless it names their firm
    ("Advokatfirmaet Holm / Att.: partsrepræsentant Jens Holm")."""
    if block.representative:
        firm = [block.name] if block.name and parties.names_an_organisation(block.name) else []
        return [block.representative, *firm]
    names = [parties.without_titles(t) for t in (block.name, block.attention) if t]
    return [n for n in names if n]


def name_score(block: RecipientBlock, entry: EnrolmentEntry) -> float:
    """How well the addressee's name (or c/o / Att. line) agrees with the register's name.

    Without a name line there is nothing to contradict: a c/o or Att. line alone names
    someone else ("Att.: Direktionen"), so it can support a name but not refute an ID
    (the bench corpus's brev-160, whose name line OCR lost, went to review as ambiguous).
    """
    if not block.name and not block.representative:
        return 100.0
    register_name = normalise(entry.name)
    printed = [normalise(t) for t in addressee_names(block)]
    return max((fuzz.token_set_ratio(p, register_name) for p in printed), default=100.0)



def _block_names_and_streets(block: RecipientBlock) -> tuple[list[str], list[str]]:
    """What may be the name and what may be the street, normalised.

    The parsed name and street first; then every line of the block on its own, so
    that an extra line ("Personligt", a second name, a department) or a line joined
    wrongly does not hide the right one. Lines are only compared, never trusted alone:
    name, street and postcode must all agree with one register entry.
    """
    names = addressee_names(block)
    streets = [block.street] if block.street else []
    for line in block.lines:
        if block.representative and parties.without_titles(line) not in names:
            streets.append(line)  # the name line is the citizen the representative acts for
            continue
        cut = parties.split_on_behalf(line)
        if cut is not None:  # the citizen acted for is no name of the addressee's
            if not cut[0]:
                continue
            line = cut[0]
        if line not in names and line != block.street:
            names.append(parties.without_titles(line))
            streets.append(line)
    def clean(texts: list[str]) -> list[str]:
        return [n for n in dict.fromkeys(normalise(t) for t in texts) if n]
    return clean(names), clean(streets)


def name_address_candidates(block: RecipientBlock, registers: Registers) -> list[EnrolmentEntry]:
    """Register entries whose name, street and postcode all agree with the printed address.

    Without a readable postcode line (a pen stroke over it) the name and the street
    must each agree at NAME_ADDRESS_NO_POSTCODE, over the whole register.
    """
    names, streets = _block_names_and_streets(block)
    if not names or not streets:
        return []
    if block.postcode:
        pool = registers.by_postcode.get(block.postcode, [])
        name_match, street_match = NAME_MATCH, STREET_MATCH
    else:
        pool = list(registers.by_pseudonym.values())
        name_match = street_match = NAME_ADDRESS_NO_POSTCODE
    found = []
    for entry in pool:
        register_street = normalise(entry.street)
        street_lines = [s for s in streets if fuzz.ratio(s, register_street) >= street_match]
        if not street_lines:
            continue
        register_name = normalise(entry.name)
        if any(fuzz.token_sort_ratio(n, register_name) >= name_match
               for n in names if n not in street_lines):
            found.append(entry)
    return found


def _name_words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if len(w) >= NAME_WORD_MIN_LETTERS]


def name_fragment_agrees(read: list[str], register_name: str) -> bool:
    """Whether what was read of a name (lines, possibly garbled or cut) names this entry.

    See NAME_FRAGMENT_SHARE: the first and last name words must be found, and most of
    the name's letters; a read word may stand for one name word only once.
    """
    wanted = _name_words(register_name)
    read_words = [w for text in read for w in _name_words(text)]
    if not wanted or not read_words:
        return False
    found: list[int] = []
    used: set[int] = set()
    for index, word in enumerate(wanted):
        scores = [(fuzz.ratio(word, r), i) for i, r in enumerate(read_words) if i not in used]
        best = max(scores, default=(0.0, -1))
        if best[0] >= NAME_WORD_MATCH:
            found.append(index)
            used.add(best[1])
    if 0 not in found or len(wanted) - 1 not in found:
        return False
    share = sum(len(wanted[i]) for i in found) / sum(len(w) for w in wanted)
    return share >= NAME_FRAGMENT_SHARE


def salutation_names(lines: tuple[str, ...]) -> list[str]:
    """The names after "Kære" / "Til" in the letter's body, normalised."""
    names = []
    for line in lines:
        found = _SALUTATION_NAME.match(normalise(line))
        if found:
            names.append(found.group(1))
    return names


def _name_readings(block: RecipientBlock, salutations: list[str]) -> list[str]:
    """What may hold the name: the block's lines but the street and the postcode line; the
    salutation only when the block kept no such line (its name line was lost)."""
    postcode_line = normalise(f"{block.postcode or ''} {block.city or ''}")
    street = normalise(block.street or "")
    read = [t for t in (normalise(x) for x in (block.name, block.attention, *block.lines) if x)
            if t and t not in (street, postcode_line)]
    return list(dict.fromkeys(read or salutations))


def address_candidate(
    block: RecipientBlock, registers: Registers, salutations: Sequence[str] = ()
) -> EnrolmentEntry | None:
    """The one register entry living at the printed address, if what was read of the name
    agrees with it (name_fragment_agrees); for a block whose name line was garbled or lost.

    None whenever two or more entries live at the address, the postcode was not read,
    the city contradicts, or the name read does not agree.
    """
    if not block.postcode or not block.street:
        return None
    street = normalise(block.street)
    at_address = [
        e for e in registers.by_postcode.get(block.postcode, [])
        if fuzz.ratio(street, normalise(e.street)) >= STREET_MATCH
    ]
    if len(at_address) != 1:
        return None
    entry = at_address[0]
    if block.city and fuzz.ratio(normalise(block.city), normalise(entry.city)) < CITY_MATCH:
        return None
    read = _name_readings(block, list(salutations))
    return entry if name_fragment_agrees(read, entry.name) else None


def _match_department(text: str | None, departments: list[str]) -> str | None:
    if not text:
        return None
    target = normalise(text)
    scored = [(fuzz.token_set_ratio(target, normalise(d)), d) for d in departments]
    scored = [s for s in scored if s[0] >= DEPARTMENT_MATCH]
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] - scored[1][0] < SENDER_MARGIN:
        return None
    return scored[0][1]


def _unique_best(
    scored: list[tuple[float, StaffMember]], threshold: float = SENDER_NAME_MATCH
) -> StaffMember | None:
    scored = sorted(scored, key=lambda s: s[0], reverse=True)
    if not scored or scored[0][0] < threshold:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < SENDER_MARGIN:
        return None
    return scored[0][1]


def match_sender(fields: Fields, registers: Registers, tray: str | None) -> SenderMatch:
    """Signature, case worker, e-mail, then initials against the staff directory.

    The department is the sender's; else the letterhead's; else the tray's.
    """
    staff = registers.staff
    member: StaffMember | None = None
    method: str | None = None
    for printed in (fields.sender_name, fields.caseworker_name):
        if member is None and printed:
            name = normalise(printed)
            member = _unique_best(
                [(fuzz.token_sort_ratio(name, normalise(m.name)), m) for m in staff]
            )
            method = "name" if member else None
    if member is None and fields.sender_email:
        member = _by_email(fields.sender_email, staff)
        method = "email" if member else None
    if member is None and fields.sender_initials:
        initials = fields.sender_initials.upper()
        same = [m for m in staff if m.initials and m.initials == initials]
        if len(same) == 1:
            member, method = same[0], "initials"
    if member is None and fields.sender_lines:
        member = _named_in_text(fields, staff)
        method = "text" if member else None
    if member is not None:
        return SenderMatch(name=member.name, department=member.department, method=method)
    departments = registers.departments
    department = next(
        filter(None, (_match_department(t, departments) for t in fields.letterhead_lines)), None
    )
    if department:
        return SenderMatch(department=department, method="letterhead")
    tray_department = _match_department(tray, departments) if tray else None
    if tray_department:
        # the tray's name is a department only when the tray is named after one
        return SenderMatch(department=tray_department, method="tray")
    return SenderMatch()


# Characters OCR may make of the "@" (Debian's Danish model has none): "Q", "&", "æ",
# "G", "GØ" split off as a word of its own, or nothing at all.
MAX_AT_READING = 3


def _fits_misread_at(read: str, address: str, slips: int = 0) -> bool:
    """Whether `read` is `address` with its "@" read as 0-3 other characters: the local
    part exactly (or with `slips` letters misread), the domain at EMAIL_MATCH (one misread
    letter in "favrskov.dk")."""
    local, at, domain = address.partition("@")
    if not (local and at and domain) or len(read) < len(local):
        return False
    if sum(a != b for a, b in zip(read, local, strict=False)) > slips:
        return False
    gap = len(read) - len(local) - len(domain)
    return (0 <= gap <= MAX_AT_READING
            and fuzz.ratio(read[len(read) - len(domain):], domain) >= EMAIL_MATCH)


def _by_email(read: str, staff: list[StaffMember]) -> StaffMember | None:
    """The one staff member whose directory e-mail this reading is: the address itself;
    else the only one it fits with a misread "@"; else the closest by EMAIL_MATCH with
    no other within SENDER_MARGIN. Two that fit alike: none."""
    email = re.sub(r"\s+", "", read.lower())
    with_email = [(m, m.email.strip().lower()) for m in staff if m.email]
    exact = [m for m, address in with_email if address == email]
    if exact:  # one person (listed once, or in two departments) or none
        return exact[0] if len({m.name for m in exact}) == 1 else None
    fitting = [(m, a) for m, a in with_email if _fits_misread_at(email, a)]
    if fitting:
        if len({m.name for m, _ in fitting}) > 1:
            return None
        # a longer address the "@" reading may belong to with one letter misread is as
        # likely: "tjogfavrskov.dk" fits tj@ with "og" for the "@", and tjø@ with "ø"
        # read as "o" (training corpus, a harsh scan)
        local = fitting[0][1].partition("@")[0]
        if any(a.partition("@")[0].startswith(local) and len(a.partition("@")[0]) > len(local)
               and _fits_misread_at(email, a, slips=1) for _, a in with_email):
            return None
        return fitting[0][0]
    return _unique_best([(fuzz.ratio(email, address), m) for m, address in with_email],
                        EMAIL_MATCH)


def _named_in_text(fields: Fields, staff: list[StaffMember]) -> StaffMember | None:
    """The one staff member whose full name stands in the letter outside the address.

    For a letter whose signature, info column and e-mail could not be read (a stamp,
    JPEG artefacts, a page read badly): "Kontakt Peter Lund på tlf. ...", a name under
    the greeting that OCR broke. Lines naming the recipient are left out (a namesake).
    """
    recipient = normalise(fields.recipient_block.name or "")
    lines = [normalise(t) for t in fields.sender_lines]
    lines = [t for t in lines if t and not (recipient and recipient in t)
             and not re.match(r"(?:kære|hej|til)\b", t)]
    scored = []
    for member in staff:
        name = normalise(member.name)
        if len(name.split()) < 2:
            continue
        best = max((fuzz.partial_ratio(name, t) for t in lines if len(t) >= len(name) - 2),
                   default=0.0)
        scored.append((best, member))
    return _unique_best(scored, SENDER_IN_TEXT_MATCH)


def closest_candidates(
    block: RecipientBlock, entries: list[EnrolmentEntry], limit: int,
    normalised_names: list[str] | None = None,
) -> list[EnrolmentEntry]:
    """The register entries nearest to a printed name and address, best first.

    For a person deciding a letter without a printed ID: unlike
    `name_address_candidates` (which decides alone, so demands near-certainty) this
    ranks loosely and leaves the choice to the person; entries with neither a
    similar name nor a similar street are not offered. The nearest names over the
    whole register and everyone at the printed postcode are scored (rapidfuzz's C
    loop: ~20 ms over 100,000 entries).
    """
    names = [normalise(t) for t in (block.name, block.attention) if t]
    if not names:
        return []
    register_names = normalised_names or [normalise(e.name) for e in entries]
    pool: dict[int, None] = {}
    for name in names:
        for _, _, index in process.extract(name, register_names, scorer=fuzz.token_sort_ratio,
                                           limit=NEAREST_NAMES, score_cutoff=SUGGEST_NAME):
            pool[index] = None
    if block.postcode:
        pool.update((i, None) for i, e in enumerate(entries) if e.postcode == block.postcode)
    street = normalise(block.street or "")
    scored = []
    for index in pool:
        entry = entries[index]
        name_score = max(fuzz.token_sort_ratio(n, register_names[index]) for n in names)
        street_score = fuzz.ratio(street, normalise(entry.street)) if street else 0.0
        if name_score < SUGGEST_NAME and street_score < SUGGEST_STREET:
            continue
        same_postcode = bool(block.postcode) and block.postcode == entry.postcode
        scored.append((name_score + street_score + 20 * same_postcode, entry.name, entry))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [entry for _, _, entry in scored[:limit]]
