"""The verdict table of domain.md, as code. Pure.

The first rule of the tool: a letter is a "leak" only when it is sure; every
doubt ends in "review", which a person decides.
"""

from __future__ import annotations

from postbakke.models import (
    Enrolment,
    IdKind,
    MatchMethod,
    Reason,
    RecipientMatch,
    Verdict,
    VerdictKind,
)


def decide(
    recipient: RecipientMatch, physical_enclosure: bool = False, unplaced_enclosure: bool = False
) -> Verdict:
    """The verdict of domain.md's table. A letter that would be a leak but speaks of an
    enclosure the tool cannot place (`unplaced_enclosure`) goes to review instead."""
    verdict = _decide(recipient, physical_enclosure)
    if verdict.kind is VerdictKind.LEAK and unplaced_enclosure:
        return Verdict(VerdictKind.REVIEW, Reason.ENCLOSURE_UNCLEAR)
    return verdict


def _decide(recipient: RecipientMatch, physical_enclosure: bool) -> Verdict:
    if recipient.estate:
        # A deceased person's Digital Post closed at death: an estate is written to on
        # paper, whatever a stale register export says.
        return Verdict(VerdictKind.LEGITIMATE, Reason.ESTATE)
    if recipient.problem is not None:
        return Verdict(VerdictKind.REVIEW, recipient.problem)
    if recipient.method is MatchMethod.MANUAL and recipient.kind is None:
        # A person decided there is no recipient with a Danish ID: never a leak.
        return Verdict(VerdictKind.LEGITIMATE, Reason.NO_DANISH_ID)
    if recipient.method is not None:
        if recipient.enrolment is Enrolment.EXEMPT:
            return Verdict(VerdictKind.LEGITIMATE, Reason.EXEMPT)
        if recipient.child_under_15:
            return Verdict(VerdictKind.LEGITIMATE, Reason.CHILD_UNDER_15)
        if physical_enclosure:
            return Verdict(VerdictKind.LEGITIMATE, Reason.PHYSICAL_ENCLOSURE)
        if recipient.enrolment is Enrolment.ENROLLED:
            return Verdict(VerdictKind.LEAK, Reason.ENROLLED)
        return Verdict(VerdictKind.REVIEW, Reason.LOW_CONFIDENCE)
    if recipient.printed_id and recipient.kind is IdKind.CVR:
        if physical_enclosure:
            return Verdict(VerdictKind.LEGITIMATE, Reason.PHYSICAL_ENCLOSURE)
        if not recipient.id_sure:
            # An unlabelled 8-digit number passes the CVR check one time in
            # eleven by chance (phone numbers!): not enough to accuse anyone.
            return Verdict(VerdictKind.REVIEW, Reason.LOW_CONFIDENCE)
        return Verdict(VerdictKind.LEAK, Reason.COMPANY_OBLIGED)
    if recipient.printed_id and recipient.kind is IdKind.CPR:
        if recipient.child_under_15:
            return Verdict(VerdictKind.LEGITIMATE, Reason.CHILD_UNDER_15)
        return Verdict(VerdictKind.REVIEW, Reason.CPR_NOT_IN_REGISTER)
    return Verdict(VerdictKind.REVIEW, Reason.NO_RECIPIENT)

