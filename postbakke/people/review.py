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
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Protocol

from rapidfuzz import fuzz
from stdnum.dk import cvr as stdnum_cvr

from postbakke.clock import local_moment
from postbakke.deciding.match import NAME_MATCH, STREET_MATCH, normalise
from postbakke.deciding.verdict import decide
from postbakke.errors import DecisionConflict as DecisionConflict
from postbakke.errors import DecisionError as DecisionError
from postbakke.identifiers import cpr_birth_date, is_child_on
from postbakke.letters.extract import mentions_enclosure
from postbakke.models import Decision as Decision
from postbakke.models import (
    Enrolment,
    EnrolmentEntry,
    IdKind,
    MatchMethod,
    Reason,
    RecipientBlock,
    RecipientMatch,
    StaffMember,
    Verdict,
    VerdictKind,
)
from postbakke.people.duplicates import undo_new_letter
from postbakke.people.followup import sync_letters
from postbakke.privacy import Pseudonymiser, masked_id
from postbakke.store import LetterKey, LetterRecord, Store

# A typed CPR: ten digits, the date's parts and the serial apart by a space, a hyphen,
# a dot or a slash as people write them ("010190-1234", "01.01.90-1234", "010190 1234").
_CPR_INPUT = re.compile(r"^\d{2}[ .\-/]?\d{2}[ .\-/]?\d{2}[ .\-/]?\d{4}$")
_CVR_INPUT = re.compile(r"^\d{8}$")
# A note (postponed, justified paper) is a sentence or two: the form says so, and the
# server refuses more rather than cut what a person wrote.
MAX_NOTE_CHARS = 500
def checked_note(note: str, empty_message: str) -> str:
    """A person's note, trimmed: refused when empty or longer than MAX_NOTE_CHARS."""
    note = note.strip()
    if not note:
        raise DecisionError(empty_message)
    if len(note) > MAX_NOTE_CHARS:
        raise DecisionError(f"noten er {len(note)} tegn; højst {MAX_NOTE_CHARS} tegn")
    return note


def local_clock(iso: str | None) -> str:
    """An ISO time stored in UTC as the clock in Copenhagen ("10:42"); "" for none."""
    moment = local_moment(iso)
    return f"{moment:%H:%M}" if moment else ""


def make_decision(
    *, cpr: str | None, cvr: str | None, no_recipient: bool, sender: str | None,
    pseudonymiser: Pseudonymiser, own_cvrs: frozenset[str], staff: list[StaffMember],
    justified_note: str | None = None,
) -> Decision:
    """Validate a person's input (exactly one of cpr, cvr, no_recipient, justified_note)."""
    if sum((cpr is not None, cvr is not None, no_recipient, justified_note is not None)) != 1:
        raise DecisionError("angiv præcis én af --cpr, --cvr, --no-recipient og --justified")
    member = _staff_member(sender, staff) if sender is not None else None
    who_sender = member.name if member else None
    who_department = member.department if member else None
    if justified_note is not None:
        note = checked_note(justified_note, "skriv en note om, hvorfor papir var det rigtige")
        return Decision(recipient_kind=None, sender=who_sender, department=who_department,
                        justified=True, note=note)
    if no_recipient:
        return Decision(recipient_kind=None, sender=who_sender, department=who_department)
    if cpr is not None:
        return decision_for_cpr(cpr, pseudonymiser, who_sender, who_department)
    digits = parse_cvr(cvr or "", own_cvrs)
    return Decision(
        recipient_kind=IdKind.CVR, recipient_pseudonym=pseudonymiser.pseudonym(digits),
        recipient_masked=digits, sender=who_sender, department=who_department,
    )


def parse_cpr(typed: str) -> str:
    """A typed CPR's 10 digits, checked by date and century (never by the old checksum).

    The messages never repeat the number: it may be a real one, mistyped.
    """
    if not _CPR_INPUT.match(typed.strip()):
        raise DecisionError("CPR-nummeret skal skrives DDMMÅÅ-SSSS (10 cifre)")
    digits = re.sub(r"\D", "", typed)
    if cpr_birth_date(digits) is None and _valid_date_any_century(digits):
        raise DecisionError("ugyldigt CPR-nummer: 7. ciffer passer ikke til årstallet "
                            "(fødselsdatoen ligger i fremtiden eller findes ikke)")
    if cpr_birth_date(digits) is None:
        raise DecisionError("ugyldigt CPR-nummer: fødselsdatoen findes ikke")
    return digits


def _valid_date_any_century(digits: str) -> bool:
    """Whether DDMMYY is a date in some century (the 7th digit then is what is wrong)."""
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    for century in (1800, 1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def parse_cvr(typed: str, own_cvrs: frozenset[str]) -> str:
    """A typed CVR's 8 digits, checked by modulus 11; never the municipality's own."""
    digits = re.sub(r"[\s-]", "", typed)
    if not _CVR_INPUT.match(digits) or not stdnum_cvr.is_valid(digits):
        raise DecisionError("det er ikke et gyldigt CVR-nummer (8 cifre, kontrolciffer)")
    if digits in own_cvrs:
        raise DecisionError(f"{digits} er kommunens eget CVR-nummer og kan ikke være modtager")
    return digits


def decision_for_cpr(typed: str, pseudonymiser: Pseudonymiser, sender: str | None = None,
                     department: str | None = None) -> Decision:
    digits = parse_cpr(typed)
    born = cpr_birth_date(digits)
    return Decision(
        recipient_kind=IdKind.CPR, recipient_pseudonym=pseudonymiser.pseudonym(digits),
        recipient_masked=masked_id("cpr", digits),
        birth_date=born.isoformat() if born else None, sender=sender, department=department,
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


def had_physical_enclosure(letter: LetterLike) -> bool:
    """Whether the letter had a physical enclosure: the finding kept at scan time.

    A letter stored before the finding was kept (schema step 7: None) falls back
    to what the store still tells: its verdict's reason, or its text while
    retention has not cleared it.
    """
    if letter.physical_enclosure is not None:
        return letter.physical_enclosure
    return letter.reason == Reason.PHYSICAL_ENCLOSURE or bool(
        letter.ocr_text and mentions_enclosure(letter.ocr_text)
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
    if entry is None and decision.looked_up is not None:
        # Not in the register export, but a person looked the recipient up in Digital
        # Post: their statement decides, and the evidence says it is theirs.
        return replace(
            base, method=MatchMethod.MANUAL, enrolment=decision.looked_up,
            evidence=f"{decision.recipient_masked} står ikke i registret; "
                     f"{decision.looked_up.value} ifølge opslag i Digital Post"
                     f"{' (' + decision.note + ')' if decision.note else ''}",
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
    reason: Reason
    ocr_text: str | None
    physical_enclosure: bool | None


def apply_decision(
    letter: LetterLike, decision: Decision, entry: EnrolmentEntry | None
) -> dict[str, object]:
    """The letter's changed fields after a person's decision (pure)."""
    letter_date = date.fromisoformat(letter.scanned_on)
    recipient = decided_recipient(decision, entry, letter_date)
    # A person's decision settles the recipient; an enclosure the scan could not place
    # (unplaced_enclosure) is not asked again: the person saw the letter.
    verdict = decide(recipient, had_physical_enclosure(letter))
    if decision.justified:
        verdict = Verdict(VerdictKind.LEGITIMATE, Reason.JUSTIFIED_PAPER)
        recipient = replace(recipient, evidence=f"papir begrundet: {decision.note or ''}")
    changes: dict[str, object] = {
        "recipient_kind": recipient.kind,
        "recipient_pseudonym": recipient.pseudonym,
        "recipient_masked": recipient.masked,
        "match": MatchMethod.MANUAL,
        "enrolment": recipient.enrolment,
        "verdict": verdict.kind,
        "reason": verdict.reason,
        "evidence": f"afgjort manuelt {(decision.decided_at or '')[:10]}: {recipient.evidence}",
    }
    if decision.sender is not None:
        changes["sender"] = decision.sender
        changes["department"] = decision.department
    return changes


def with_decision(store: Store, letter: LetterRecord, decision: Decision) -> LetterRecord:
    """The letter as a person decided it, the recipient looked up in the stored register."""
    entry = store.registers.enrolment_entry(decision.recipient_pseudonym)
    return replace(letter, **apply_decision(letter, decision, entry))  # type: ignore[arg-type]


def with_stored_decisions(store: Store, letters: list[LetterRecord]) -> list[LetterRecord]:
    """The letters with a person's earlier decision on any of them applied again.

    A letter stored again (its file scanned anew after its letters were removed)
    has the same key, so a person never decides the same letter twice.
    """
    decisions: dict[str, dict[int, Decision]] = {}
    result = []
    for letter in letters:
        if letter.file_hash not in decisions:
            decisions[letter.file_hash] = store.decisions.of_file(letter.file_hash)
        decision = decisions[letter.file_hash].get(letter.first_page)
        result.append(letter if decision is None else with_decision(store, letter, decision))
    return result


def record_decision(store: Store, letter_id: int, decision: Decision) -> LetterRecord:
    """Keep a person's decision on a letter and apply it, in one transaction (no log entry).

    The letter leaves the review queue's postponed ones, and its follow-up follows
    its new verdict and sender.
    """
    with store.transaction():
        return _record(store, letter_id, _stored_letter(store, letter_id), decision)


def _stored_letter(store: Store, letter_id: int) -> LetterRecord:
    letter = store.letters.get(letter_id)
    if letter is None:
        raise DecisionError(f"brev nr. {letter_id} findes ikke")
    return letter


def _record(store: Store, letter_id: int, letter: LetterRecord,
            decision: Decision) -> LetterRecord:
    """record_decision on the letter as read in the caller's transaction."""
    decision = replace(decision, decided_at=datetime.now(UTC).isoformat(timespec="seconds"))
    store.decisions.save(letter.key, decision)
    store.review.set_postponement(letter.key, None, None)
    decided = with_decision(store, letter, decision)
    store.letters.update(letter_id, _decided_fields(decided))
    sync_letters(store, [letter.key])
    return decided


# -- the review station's operations (the CLI and the web station share them) ----------

# What a decision may change on a letter: saved before it, so it can be undone.
DECIDED_FIELDS = (
    "recipient_kind", "recipient_pseudonym", "recipient_masked", "match", "enrolment",
    "verdict", "reason", "evidence", "sender", "department",
)


def _decided_fields(letter: LetterRecord) -> dict[str, object]:
    return {name: getattr(letter, name) for name in DECIDED_FIELDS}


def letter_version(store: Store, letter_id: int) -> int:
    """The id of the letter's newest logged change (0: none): what a form was opened on."""
    last = store.decisions.last_logged(letter_id=letter_id)
    return int(last["id"]) if last else 0


def decide_letter(
    store: Store, letter_id: int, decision: Decision, actor: str,
    expected_version: int | None = None,
) -> LetterRecord:
    """Record a person's decision, apply it, and log what changed, in one transaction
    (the letter read once).

    `expected_version` (from the form the person saw) refuses a decision on a letter
    someone else has decided in the meantime.
    """
    with store.transaction():
        letter = _stored_letter(store, letter_id)
        if expected_version is not None and letter_version(store, letter_id) != expected_version:
            last = store.decisions.last_logged(letter_id=letter_id) or {}
            if (last.get("actor") == actor and last.get("action") == "decide"
                    and _same_decision(store.decisions.row(letter.key), decision)):
                return letter  # the same person's same decision again (a second Enter)
            raise DecisionConflict(
                f"brev nr. {letter_id} er netop afgjort af {last.get('actor', 'en anden')} "
                f"kl. {local_clock(last.get('at'))}; se den nye afgørelse"
            )
        before = {"letter": _decided_fields(letter), "decision": store.decisions.row(letter.key),
                  "postponed": store.review.postponement(letter.key)}
        decided = _record(store, letter_id, letter, decision)
        store.decisions.log(
            actor=actor, letter_id=letter_id, key=letter.key, action="decide", before=before,
            after={"letter": _decided_fields(decided)}, note=decision.note,
        )
    return decided


def postpone_letter(
    store: Store, letter_id: int, note: str, actor: str, expected_version: int | None = None,
) -> None:
    """Put a letter off with a note: it leaves the queue for the list of postponed letters
    (it stays for review)."""
    note = checked_note(note, "skriv en note om, hvorfor brevet udsættes")
    with store.transaction():
        letter = _stored_letter(store, letter_id)
        old = store.review.postponement(letter.key)
        if expected_version is not None and letter_version(store, letter_id) != expected_version:
            if old is not None and old["actor"] == actor and old["note"] == note:
                return  # the same person put it off with the same note a moment ago
            raise DecisionConflict(f"brev nr. {letter_id} er netop ændret af en anden")
        store.review.set_postponement(letter.key, note, actor)
        store.decisions.log(
            actor=actor, letter_id=letter_id, key=letter.key, action="postpone",
            before={"letter": _decided_fields(letter), "postponed": old},
            after={"postponed": note}, note=note,
        )


def undo_last(store: Store, actor: str) -> int | None:
    """Undo this person's newest decision or postponement; the letter's id, or None.

    Refused when someone else has changed that letter since.
    """
    with store.transaction():
        last = store.decisions.last_logged(actor=actor)
        if last is None or last["action"] == "undo":
            return None
        letter_id = int(last["letter_id"])
        newest = store.decisions.last_logged(letter_id=letter_id)
        if newest is None or newest["id"] != last["id"]:
            raise DecisionConflict(
                f"brev nr. {letter_id} er ændret af en anden siden; det kan ikke fortrydes"
            )
        before = last["before"]
        key = LetterKey(last["file_hash"], int(last["first_page"]))
        current = _decided_fields(_stored_letter(store, letter_id))
        if last["action"] == "decide":
            store.decisions.restore_row(key, before.get("decision"))
            store.letters.update(letter_id, before["letter"])
            sync_letters(store, [key])
        elif last["action"] == "new_letter":  # "det er et nyt brev" taken back
            undo_new_letter(store, letter_id, before)
        postponed = before.get("postponed")
        store.review.set_postponement(key, postponed["note"] if postponed else None,
                                      postponed["actor"] if postponed else None)
        store.decisions.log(
            actor=actor, letter_id=letter_id, key=key, action="undo",
            before={"letter": current}, after={"letter": before.get("letter", current)},
            note=f"fortryder ændring nr. {last['id']}",
        )
    return letter_id


def replace_note(decision: Decision, note: str) -> Decision:
    """The decision with why it was made, in a person's words (kept with it)."""
    return replace(decision, note=note)


def _same_decision(row: dict | None, decision: Decision) -> bool:
    """Whether a stored decision row says what this new decision says (who the letter is to,
    justified or not, looked up as what)."""
    if row is None:
        return False
    kind = decision.recipient_kind.value if decision.recipient_kind else None
    looked_up = decision.looked_up.value if decision.looked_up else None
    return (row.get("recipient_kind") == kind
            and row.get("recipient_pseudonym") == decision.recipient_pseudonym
            and bool(row.get("justified")) == decision.justified
            and row.get("looked_up") == looked_up)


def decision_by_look_up(letter: LetterRecord, status: Enrolment, actor: str,
                        typed: str | None = None,
                        pseudonymiser: Pseudonymiser | None = None) -> Decision:
    """A person looked the letter's CPR up in Digital Post (the municipality's own look-up)
    and found the recipient enrolled or exempt: their statement, recorded as theirs.

    The CPR is the one typed, or else the one printed on the letter (kept as a pseudonym).
    """
    if typed and typed.strip():
        if pseudonymiser is None:
            raise DecisionError("intet at slå op med")
        decision = decision_for_cpr(typed, pseudonymiser)
    elif letter.recipient_kind is IdKind.CPR and letter.recipient_pseudonym:
        decision = Decision(recipient_kind=IdKind.CPR,
                            recipient_pseudonym=letter.recipient_pseudonym,
                            recipient_masked=letter.recipient_masked)
    else:
        raise DecisionError("skriv CPR-nummeret (c), før du angiver, hvad opslaget viste")
    return looked_up_as(decision, status, actor)


def looked_up_as(decision: Decision, status: Enrolment, actor: str) -> Decision:
    """A decision on a CPR that the person looked up in Digital Post, as theirs."""
    return replace(decision, looked_up=status, note=f"{status.value} ifølge {actor}s opslag")


# Whether a register entry lives at the printed address: the street as close as the
# name+address match demands of it (match.STREET_MATCH), and the same postcode when both
# are known. A namesake elsewhere is another person until a person confirms twice.
def address_differences(block: RecipientBlock | None, entry: EnrolmentEntry) -> dict[str, bool]:
    """Which of name, street and postcode of a register entry differ from the address block."""
    if block is None:
        return {"name": True, "street": True, "postcode": True}
    name = bool(block.name) and fuzz.token_sort_ratio(
        normalise(block.name or ""), normalise(entry.name)) < NAME_MATCH
    street = not block.street or fuzz.ratio(
        normalise(block.street), normalise(entry.street)) < STREET_MATCH
    postcode = bool(block.postcode) and block.postcode != entry.postcode
    return {"name": name, "street": street, "postcode": postcode}


def at_other_address(block: RecipientBlock | None, entry: EnrolmentEntry) -> bool:
    differences = address_differences(block, entry)
    return differences["street"] or differences["postcode"]


def decision_for_entry(entry: EnrolmentEntry, sender: str | None = None,
                       department: str | None = None) -> Decision:
    """The decision a person makes by picking a register entry (a suggestion)."""
    return Decision(
        recipient_kind=entry.kind, recipient_pseudonym=entry.pseudonym,
        recipient_masked=entry.masked, birth_date=entry.birth_date,
        sender=sender, department=department,
    )
