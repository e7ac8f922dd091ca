"""A person's decision on a letter the tool could not decide: who it is to, and its verdict.

The CPR number a person types is pseudonymised here, at once, and only the
pseudonym, the masked form and the birth date travel on. The verdict is not
typed: it is recomputed from the enrolment register by the same verdict table
(`verdict.decide`) as for any scanned letter, with the recipient found by hand.

A decision is stored apart from the letter, keyed by the letter's file content
hash and first page (its identity in the store), and applied again whenever
that letter is stored again (a re-scan after its letters were removed), so a
person never has to decide the same letter twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from stdnum.dk import cvr as stdnum_cvr

from postbakke.deciding.registers import EnrolmentEntry, StaffMember
from postbakke.deciding.verdict import decide
from postbakke.errors import ExitCode, PostbakkeError
from postbakke.identifiers import cpr_birth_date, is_child_on
from postbakke.letters.extract import _ENCLOSURE
from postbakke.models import IdKind, MatchMethod, Reason, RecipientMatch
from postbakke.privacy import Pseudonymiser, masked_id

_CPR_INPUT = re.compile(r"^\d{6}[- ]?\d{4}$")
_CVR_INPUT = re.compile(r"^\d{8}$")


class DecisionError(PostbakkeError):
    exit_code = ExitCode.BAD_ARGS


@dataclass(frozen=True, slots=True)
class Decision:
    """What a person decided; no ID in clear."""

    recipient_kind: IdKind | None  # None: no recipient with a Danish ID
    recipient_pseudonym: str | None = None
    recipient_masked: str | None = None
    birth_date: str | None = None  # ISO, persons only: a child's letter is never a leak
    sender: str | None = None  # as in the staff directory; None: keep what the scan found
    department: str | None = None
    decided_at: str | None = None

    def __repr__(self) -> str:
        return (f"Decision(kind={self.recipient_kind}, masked={self.recipient_masked!r}, "
                f"sender={self.sender!r})")


def make_decision(
    *, cpr: str | None, cvr: str | None, no_recipient: bool, sender: str | None,
    pseudonymiser: Pseudonymiser, own_cvrs: frozenset[str], staff: list[StaffMember],
) -> Decision:
    """Validate a person's input (exactly one of cpr, cvr, no_recipient) into a Decision."""
    if sum((cpr is not None, cvr is not None, no_recipient)) != 1:
        raise DecisionError("angiv præcis én af --cpr, --cvr og --no-recipient")
    member = _staff_member(sender, staff) if sender is not None else None
    who = {"sender": member.name, "department": member.department} if member else {}
    if no_recipient:
        return Decision(recipient_kind=None, **who)
    if cpr is not None:
        if not _CPR_INPUT.match(cpr.strip()):
            # never repeat the number: it may be a real one, mistyped
            raise DecisionError("CPR-nummeret skal skrives DDMMÅÅ-SSSS (10 cifre)")
        digits = re.sub(r"\D", "", cpr)
        born = cpr_birth_date(digits)  # date and century; the old checksum is not used
        if born is None:
            raise DecisionError("ugyldigt CPR-nummer: fødselsdatoen findes ikke")
        return Decision(
            recipient_kind=IdKind.CPR, recipient_pseudonym=pseudonymiser.pseudonym(digits),
            recipient_masked=masked_id("cpr", digits),
            birth_date=born.isoformat(), **who,
        )
    digits = re.sub(r"[\s-]", "", cvr or "")
    if not _CVR_INPUT.match(digits) or not stdnum_cvr.is_valid(digits):
        raise DecisionError(f"'{cvr}' er ikke et gyldigt CVR-nummer (8 cifre)")
    if digits in own_cvrs:
        raise DecisionError(f"{digits} er kommunens eget CVR-nummer og kan ikke være modtager")
    return Decision(
        recipient_kind=IdKind.CVR, recipient_pseudonym=pseudonymiser.pseudonym(digits),
        recipient_masked=digits, **who,
    )


def _staff_member(name: str, staff: list[StaffMember]) -> StaffMember:
    wanted = " ".join(name.split()).casefold()
    found = [m for m in staff if m.name.casefold() == wanted]
    if not found:
        raise DecisionError(
            f"'{name}' står ikke i medarbejderkartoteket (skriv navnet som i kartoteket)"
        )
    if len(found) > 1:
        raise DecisionError(f"'{name}' står flere gange i medarbejderkartoteket")
    return found[0]


def has_physical_enclosure(reason: str, ocr_text: str | None) -> bool:
    """Whether the letter had a physical enclosure, as far as the store still tells."""
    return reason == Reason.PHYSICAL_ENCLOSURE.value or bool(
        ocr_text and _ENCLOSURE.search(ocr_text)
    )


def decided_recipient(
    decision: Decision, entry: EnrolmentEntry | None, letter_date: date
) -> RecipientMatch:
    """The recipient as a person found it, looked up in the register."""
    if decision.recipient_kind is None:
        return RecipientMatch(method=MatchMethod.MANUAL, evidence="ingen modtager med dansk id")
    birth = decision.birth_date or (entry.birth_date if entry else None)
    child = is_child_on(birth, letter_date)
    base = RecipientMatch(
        kind=decision.recipient_kind, pseudonym=decision.recipient_pseudonym,
        masked=decision.recipient_masked, printed_id=True, id_sure=True, child_under_15=child,
    )
    if entry is None:
        # Not in the register: the domain table's "printed ID, not in the register" rows
        # (a CVR is a leak, company_obliged; a CPR stays for review, cpr_not_in_register).
        return replace(base, evidence=f"{decision.recipient_masked} står ikke i registret")
    return replace(
        base, method=MatchMethod.MANUAL, enrolment=entry.status,
        evidence=f"{decision.recipient_masked} fundet i registret",
    )


class LetterLike(Protocol):
    """What apply_decision reads of a letter (a store.LetterRecord)."""

    scanned_on: str
    reason: str
    ocr_text: str | None


def apply_decision(
    letter: LetterLike, decision: Decision, entry: EnrolmentEntry | None
) -> dict[str, object]:
    """The letter's changed fields after a person's decision (pure)."""
    letter_date = date.fromisoformat(letter.scanned_on)
    recipient = decided_recipient(decision, entry, letter_date)
    verdict = decide(recipient, has_physical_enclosure(letter.reason, letter.ocr_text))
    changes: dict[str, object] = {
        "recipient_kind": recipient.kind.value if recipient.kind else None,
        "recipient_pseudonym": recipient.pseudonym,
        "recipient_masked": recipient.masked,
        "match": MatchMethod.MANUAL.value,
        "enrolment": recipient.enrolment.value if recipient.enrolment else None,
        "verdict": verdict.kind.value,
        "reason": verdict.reason.value,
        "evidence": f"afgjort manuelt {(decision.decided_at or '')[:10]}: {recipient.evidence}",
    }
    if decision.sender is not None:
        changes["sender"] = decision.sender
        changes["department"] = decision.department
    return changes
