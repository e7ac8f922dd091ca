"""The verdict table of domain.md, row by row."""

import pytest

from postbakke.deciding.verdict import decide
from postbakke.models import (
    Enrolment,
    IdKind,
    MatchMethod,
    Reason,
    RecipientMatch,
    VerdictKind,
)

LEAK, LEGIT, REVIEW = VerdictKind.LEAK, VerdictKind.LEGITIMATE, VerdictKind.REVIEW

CASES = [
    ("enrolled person by id", RecipientMatch(kind=IdKind.CPR, method=MatchMethod.ID,
     enrolment=Enrolment.ENROLLED, printed_id=True, id_sure=True), LEAK, Reason.ENROLLED),
    ("enrolled by name+address", RecipientMatch(kind=IdKind.CPR,
     method=MatchMethod.NAME_ADDRESS, enrolment=Enrolment.ENROLLED), LEAK, Reason.ENROLLED),
    ("exempt person", RecipientMatch(kind=IdKind.CPR, method=MatchMethod.ID,
     enrolment=Enrolment.EXEMPT, printed_id=True), LEGIT, Reason.EXEMPT),
    ("exempt by name+address", RecipientMatch(kind=IdKind.CPR,
     method=MatchMethod.NAME_ADDRESS, enrolment=Enrolment.EXEMPT), LEGIT, Reason.EXEMPT),
    ("company not in register", RecipientMatch(kind=IdKind.CVR, printed_id=True,
     id_sure=True), LEAK, Reason.COMPANY_OBLIGED),
    ("unlabelled cvr-like number", RecipientMatch(kind=IdKind.CVR, printed_id=True,
     id_sure=False), REVIEW, Reason.LOW_CONFIDENCE),
    ("cpr not in register", RecipientMatch(kind=IdKind.CPR, printed_id=True, id_sure=True),
     REVIEW, Reason.CPR_NOT_IN_REGISTER),
    ("nothing found", RecipientMatch(), REVIEW, Reason.NO_RECIPIENT),
    ("ambiguous", RecipientMatch(kind=IdKind.CPR, printed_id=True, problem=Reason.AMBIGUOUS),
     REVIEW, Reason.AMBIGUOUS),
    ("unsure reading of an enrolled id", RecipientMatch(kind=IdKind.CPR, method=MatchMethod.ID,
     enrolment=Enrolment.ENROLLED, problem=Reason.LOW_CONFIDENCE), REVIEW,
     Reason.LOW_CONFIDENCE),
    ("enrolled child under 15", RecipientMatch(kind=IdKind.CPR, method=MatchMethod.ID,
     enrolment=Enrolment.ENROLLED, child_under_15=True), LEGIT, Reason.CHILD_UNDER_15),
    ("manual decision, enrolled", RecipientMatch(kind=IdKind.CVR, method=MatchMethod.MANUAL,
     enrolment=Enrolment.ENROLLED), LEAK, Reason.ENROLLED),
]


@pytest.mark.parametrize(("case", "match", "kind", "reason"), CASES, ids=[c[0] for c in CASES])
def test_verdict_table(case, match, kind, reason):
    verdict = decide(match)
    assert (verdict.kind, verdict.reason) == (kind, reason), case


def test_physical_enclosure_is_never_a_leak():
    enrolled = RecipientMatch(kind=IdKind.CPR, method=MatchMethod.ID,
                              enrolment=Enrolment.ENROLLED, printed_id=True, id_sure=True)
    company = RecipientMatch(kind=IdKind.CVR, printed_id=True, id_sure=True)
    for match in (enrolled, company):
        assert decide(match, physical_enclosure=True).kind is VerdictKind.LEGITIMATE


def test_no_unsure_recipient_is_ever_a_leak():
    """Whatever else is set, a recipient problem means review."""
    for problem in (Reason.AMBIGUOUS, Reason.LOW_CONFIDENCE):
        for enrolment in Enrolment:
            for kind in IdKind:
                match = RecipientMatch(kind=kind, method=MatchMethod.ID, enrolment=enrolment,
                                       printed_id=True, id_sure=True, problem=problem)
                assert decide(match).kind is VerdictKind.REVIEW
