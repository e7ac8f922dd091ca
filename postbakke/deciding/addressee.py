"""Who a letter is to: the addressee in the address block, the other printed IDs as evidence.

The one place that decides it (domain.md, "Who the letter is to, and who it is about").
The address block names the addressee (and says when it is an estate or a
representative); a CPR or CVR printed elsewhere is the addressee's only when it fits:
it stands in the block, its words say it is the addressee's, or the register entry it
points to carries the addressee's name. A child's, a deceased's, a represented
citizen's or a copy party's number tells whom the letter is about, never whom it is
to; the addressee is then found by name and address, and every doubt is a problem for
a person (rule 1: review, never a guess).

Past this stage no CPR number exists in clear: the printed IDs are turned into
pseudonyms here and only those travel on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from postbakke.deciding.match import (
    MAX_MISREAD_DIGITS,
    NAME_CONTRADICTS,
    NAME_MATCH,
    SURE_ID_CONFIDENCE,
    Registers,
    address_candidate,
    name_address_candidates,
    name_score,
    salutation_names,
)
from postbakke.identifiers import cpr_birth_date, is_child_on
from postbakke.letters import parties
from postbakke.models import (
    EnrolmentEntry,
    Fields,
    FoundId,
    IdKind,
    IdRole,
    MatchMethod,
    Reason,
    RecipientBlock,
    RecipientMatch,
)
from postbakke.privacy import Pseudonymiser

# Roles whose numbers are never the addressee's, whatever the register says.
_ABOUT_SOMEONE_ELSE = frozenset({IdRole.COPY, IdRole.DECEASED, IdRole.REPRESENTED})


@dataclass(frozen=True)
class _Judged:
    """A printed ID and whether it is the addressee's: True, False, or None (cannot tell)."""

    found: FoundId
    fits: bool | None


def match_recipient(
    fields: Fields, registers: Registers, pseudonymiser: Pseudonymiser, letter_date: date
) -> RecipientMatch:
    block = fields.recipient_block
    if fields.low_confidence and not fields.recipient_ids:
        return RecipientMatch(problem=Reason.LOW_CONFIDENCE, evidence="siden kunne ikke læses")
    if block.estate:
        return RecipientMatch(
            estate=True, evidence="adressefeltet nævner et dødsbo; afdødes Digital Post er lukket",
        )
    if any(f.role is IdRole.DECEASED for f in fields.recipient_ids):
        return RecipientMatch(
            problem=Reason.AMBIGUOUS,
            evidence="brevet nævner en afdød, men adressefeltet nævner ikke dødsboet",
        )
    judged = [
        _Judged(f, _fits_addressee(f, block, registers, pseudonymiser, letter_date))
        for f in fields.recipient_ids
    ]
    others = [j.found for j in judged if j.fits is False]
    own = [j for j in judged if j.fits is not False]
    if any(j.found.label is not None for j in own):
        own = [j for j in own if j.found.label is not None]
    for fits in (True, None):
        ids = [j.found for j in own if j.fits is fits]
        distinct = {(f.kind, f.digits) for f in ids}
        if len(distinct) > 1:
            kinds = {k for k, _ in distinct}
            masked = ", ".join(sorted({f.masked for f in ids}))
            return RecipientMatch(
                kind=kinds.pop() if len(kinds) == 1 else None, printed_id=True,
                problem=Reason.AMBIGUOUS, evidence=f"flere mulige modtagere: {masked}",
            )
        if ids:
            best = max(ids, key=lambda f: f.confidence)
            return _by_printed_id(best, block, registers, pseudonymiser, letter_date)
    found = _by_name_and_address(fields, registers, letter_date)
    if others and found.evidence:
        masked = ", ".join(sorted({f.masked for f in others}))
        whose = _roles(others, letter_date)
        found = replace(found, evidence=f"{found.evidence}; {masked} er en andens ({whose})")
    return found


def _roles(others: list[FoundId], letter_date: date) -> str:
    """Whose the other numbers are, in Danish, for the evidence a person reads."""
    words = {
        IdRole.CHILD: "barn", IdRole.DECEASED: "afdød", IdRole.REPRESENTED: "den repræsenterede",
        IdRole.COPY: "kopimodtager", IdRole.ADDRESSEE: "adressat",
    }
    named = {words[f.role] for f in others if f.role is not None}
    named |= {"barn" for f in others if f.role is None and f.kind is IdKind.CPR
              and is_child_on(cpr_birth_date(f.digits, today=letter_date), letter_date)}
    return ", ".join(sorted(named)) or "navnet i registret er et andet"


def _fits_addressee(
    found: FoundId, block: RecipientBlock, registers: Registers,
    pseudonymiser: Pseudonymiser, letter_date: date,
) -> bool | None:
    """Whether a printed ID is the addressee's (see the module's docstring)."""
    if found.role in _ABOUT_SOMEONE_ELSE:
        return False
    entry = registers.by_pseudonym.get(pseudonymiser.pseudonym(found.digits))
    names_fit = entry is not None and name_score(block, entry) >= NAME_MATCH
    child = found.kind is IdKind.CPR and is_child_on(
        cpr_birth_date(found.digits, today=letter_date), letter_date)
    if found.role is IdRole.CHILD:
        # "jeres søn", "Barnets CPR-nr.": a child's number is the parents' letter's subject;
        # an adult's number with a stray child word is the addressee's if the register says so
        return True if (names_fit and not child) else False
    if found.role is IdRole.ADDRESSEE:
        return True
    if entry is not None:
        if names_fit or (not block.name and not block.representative):
            return True
        if block.on_behalf_of or block.representative:
            # the block names a citizen acted for: a number whose register entry does not
            # carry the addressee's own name is theirs, however alike the two names are
            # ("Henrik Thomas Jakobsen / på vegne af Henrik Thygesen" scores between
            # NAME_CONTRADICTS and NAME_MATCH, and a sure ID would have won: a wrong leak)
            return False
        if name_score(block, entry) < NAME_CONTRADICTS:
            return False  # the register names someone else: a letter about them
        return None
    if (block.on_behalf_of or block.representative) and found.kind is IdKind.CPR:
        return False  # a representative's letter: the CPR is the citizen's they act for
    if child:
        if parties.addressed_to_parents(block.lines):
            return False  # "Til forældrene til ...": the parents' letter, about the child
        if _adult_addressee(block, registers, letter_date):
            return False  # a child's number in a letter to an adult at the child's address
        if not _read_whole(block):
            # no register entry to compare with, and a block read too poorly to show that
            # it names no adult (a parent's street under a pen stroke): evidence only, so
            # the letter is found by name and address or goes to review, never taken for
            # a letter to the child (a silent miss when the parent is enrolled)
            return False
    return None


def _read_whole(block: RecipientBlock) -> bool:
    """Whether the block was read with a name, a street with its house number and a postcode."""
    return bool(block.name and block.postcode and block.street
                and any(c.isdigit() for c in block.street))


def _adult_addressee(block: RecipientBlock, registers: Registers, letter_date: date) -> bool:
    """Whether the block names an adult the register knows (a parent), not a child."""
    return any(
        not is_child_on(e.birth_date, letter_date)
        for e in name_address_candidates(block, registers)
    )


def _by_name_and_address(
    fields: Fields, registers: Registers, letter_date: date
) -> RecipientMatch:
    candidates = name_address_candidates(fields.recipient_block, registers)
    if len(candidates) > 1:
        return RecipientMatch(
            problem=Reason.AMBIGUOUS,
            evidence=f"{len(candidates)} personer i registret passer på navn og adresse",
        )
    if len(candidates) == 1:
        entry = candidates[0]
        return RecipientMatch(
            kind=entry.kind, pseudonym=entry.pseudonym, masked=entry.masked,
            method=MatchMethod.NAME_ADDRESS, enrolment=entry.status,
            child_under_15=is_child_on(entry.birth_date, letter_date),
            evidence="fundet på navn og adresse",
        )
    at_address = address_candidate(
        fields.recipient_block, registers, salutation_names(fields.sender_lines)
    )
    if at_address is not None and not fields.low_confidence:
        return RecipientMatch(
            kind=at_address.kind, pseudonym=at_address.pseudonym, masked=at_address.masked,
            method=MatchMethod.NAME_ADDRESS, enrolment=at_address.status,
            child_under_15=is_child_on(at_address.birth_date, letter_date),
            evidence="fundet på adressen, hvor kun én i registret bor; navnet er delvist læst",
        )
    if fields.low_confidence:
        return RecipientMatch(problem=Reason.LOW_CONFIDENCE, evidence="siden kunne ikke læses")
    return RecipientMatch(evidence="intet id og ingen entydig navn/adresse i registret")


def _by_printed_id(
    found: FoundId,
    block: RecipientBlock,
    registers: Registers,
    pseudonymiser: Pseudonymiser,
    letter_date: date,
) -> RecipientMatch:
    pseudonym = pseudonymiser.pseudonym(found.digits)
    sure = found.label is not None and found.confidence >= SURE_ID_CONFIDENCE
    child = False
    if found.kind is IdKind.CPR:
        child = is_child_on(cpr_birth_date(found.digits, today=letter_date), letter_date)
    base = RecipientMatch(
        kind=found.kind, pseudonym=pseudonym, masked=found.masked,
        printed_id=True, id_sure=sure, child_under_15=child,
    )
    entry = registers.by_pseudonym.get(pseudonym)
    if entry is None:
        evidence = f"{found.kind.value.upper()} {found.masked} står ikke i tilmeldingsregistret"
        if found.confidence < SURE_ID_CONFIDENCE:
            misread = _misread_register_entry(found, block, registers)
            if misread is not None:
                return RecipientMatch(
                    kind=misread.kind, pseudonym=misread.pseudonym, masked=misread.masked,
                    method=MatchMethod.NAME_ADDRESS, enrolment=misread.status,
                    child_under_15=is_child_on(misread.birth_date, letter_date),
                    evidence="fundet på navn og adresse; det trykte nummer er læst usikkert",
                )
            if found.kind is IdKind.CPR:
                return replace(base, problem=Reason.LOW_CONFIDENCE, evidence=evidence)
        return replace(base, evidence=evidence)
    score = name_score(block, entry)
    if score < NAME_CONTRADICTS:
        return replace(
            base, problem=Reason.AMBIGUOUS,
            evidence=f"id peger på {entry.name}, men adressefeltet siger {block.name}",
        )
    corroborated = bool(block.name) and score >= NAME_MATCH
    if not sure and not corroborated:
        return replace(
            base, problem=Reason.LOW_CONFIDENCE,
            evidence=f"usikker læsning af {found.masked}",
        )
    return replace(
        base, method=MatchMethod.ID, enrolment=entry.status,
        evidence=f"{found.kind.value.upper()} {found.masked} fundet i registret",
        child_under_15=child or is_child_on(entry.birth_date, letter_date),
    )


def _misread_register_entry(
    found: FoundId, block: RecipientBlock, registers: Registers
) -> EnrolmentEntry | None:
    """The one register entry the address names, if the unsure number may be its ID misread.

    A number read unsurely is no evidence either way, so the name and address
    decide, as for a letter without a printed number; the entry's visible
    digits (a CPR's birth date, a CVR in full) may differ from what was read
    in at most MAX_MISREAD_DIGITS places, so a quite different number (another
    person's) is not overruled. A clear number one digit off an entry is read
    surely and never gets here.
    """
    candidates = [e for e in name_address_candidates(block, registers) if e.kind == found.kind]
    if len(candidates) != 1:
        return None
    entry = candidates[0]
    visible = [(i, c) for i, c in enumerate(entry.masked.replace("-", "")) if c.isdigit()]
    differing = sum(1 for i, c in visible if i >= len(found.digits) or found.digits[i] != c)
    return entry if differing <= MAX_MISREAD_DIGITS else None
