"""A person's data in the workspace: what is held (GDPR art. 15) and erasing it (art. 17).

A person is found by the pseudonym of their CPR number, typed by the one asking
(never on the command line). Both are logged in the audit log with who asked and
why; neither shows anyone else's data.

Erasure removes what identifies the person in their letters (page images, OCR
text, subject, evidence, printed recipient block, the pseudonym and masked
number, the decisions' recipient fields, their entry in the copy of the
enrolment register) and keeps each letter's verdict, department, sender and
kind: the department's statistics do not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from postbakke.errors import PostbakkeError
from postbakke.models import FollowUp
from postbakke.store import LetterKey, Store


class PersonError(PostbakkeError):
    """A request about a person that cannot be carried out (Danish message)."""


@dataclass(frozen=True)
class PersonData:
    """What the workspace holds about one person."""

    masked: str  # DDMMYY-XXXX
    enrolment: dict | None  # status, name and address from the register's copy
    letters: list[dict]  # date, department, sender, verdict, reason, kind, images
    followups: list[FollowUp]  # the follow-ups their letters belong to
    decisions: list[dict]  # the review decisions on their letters (who, when, what)


def _reason_given(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PersonError("angiv en begrundelse (fx sagsnummeret på borgerens anmodning)")
    return reason


def person_data(store: Store, pseudonym: str, masked: str, actor: str,
                reason: str) -> PersonData:
    """Everything held about the person with this pseudonym; logged in the audit log."""
    reason = _reason_given(reason)
    letters = store.audit.letters_of_person(pseudonym)
    followups: dict[int, FollowUp] = {}
    for letter in letters:
        found = store.followups.of_letter(LetterKey(letter["file_hash"], letter["first_page"]))
        if found is not None:
            followups[found.id] = found
    decisions = [
        {"at": row["at"], "actor": row["actor"], "letter_id": row["letter_id"],
         "action": row["action"]}
        for row in store.decisions.log_of([letter["id"] for letter in letters])
    ]
    entry = store.registers.enrolment_entry(pseudonym)
    enrolment = None if entry is None else {
        "status": entry.status.value, "name": entry.name, "street": entry.street,
        "postcode": entry.postcode, "city": entry.city}
    store.audit.log(actor, "person vist", masked, reason)
    return PersonData(masked, enrolment, letters, list(followups.values()), decisions)


@dataclass(frozen=True)
class Erased:
    letters: int
    images: int


def erase_person(store: Store, pseudonym: str, masked: str, actor: str,
                 reason: str) -> Erased:
    """Erase the person's personal data, keep the anonymous counts; logged."""
    reason = _reason_given(reason)
    letters = store.audit.letters_of_person(pseudonym)
    images = 0
    for letter in letters:
        for name in letter["image_paths"]:
            path = Path(name)
            if path.exists():
                path.unlink()
                images += 1
    store.audit.erase_person(pseudonym, [letter["id"] for letter in letters])
    store.audit.log(actor, "person slettet", masked,
                     f"{reason} ({len(letters)} breve, {images} sidebilleder)")
    return Erased(len(letters), images)
