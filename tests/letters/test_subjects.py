"""The kind of a letter from its subject: no names, CPR/CVR, dates or case numbers."""

from __future__ import annotations

import pytest

from postbakke.letters.subjects import UNKNOWN_KIND, letter_kind

KINDS = [
    ("Indkaldelse til samtale", "Indkaldelse til samtale"),
    ("Indkaldelse til samtale d. 3. december 2026", "Indkaldelse til samtale"),
    ("Indkaldelse til samtale den 03.12.2026 kl. 10.00", "Indkaldelse til samtale"),
    ("Indkaldelse til samtale, sagsnr. 2026-1234", "Indkaldelse til samtale"),
    ("Indkaldelse til samtale - Jens Hansen", "Indkaldelse til samtale"),
    ("Jens Peter Hansen - Indkaldelse til samtale", "Indkaldelse til samtale"),
    ("Vedr. Indkaldelse til samtale", "Indkaldelse til samtale"),
    ("Afgørelse om hjemmehjælp (sagsnr. 27.12.04-P20-3-26)", "Afgørelse om hjemmehjælp"),
    ("Afgørelse om kontanthjælp til Jens Hansen", "Afgørelse om kontanthjælp"),
    ("Afgørelse om kontanthjælp, cpr.nr. 010203-XXXX", "Afgørelse om kontanthjælp"),
    ("Afgørelse om løntilskud, CVR-nr. 12 34 56 78", "Afgørelse om løntilskud"),
    ("Partshøring", "Partshøring"),
    ("partshøring", "Partshøring"),
    ("Påbud om tømning af bundfældningstank", "Påbud om tømning af bundfældningstank"),
]
NO_KIND = [
    None,
    "",
    "Vedr. Jens Hansen, cpr.nr. 010203-XXXX",
    "Vedr. Karen Lund, CPR-nr. 120345-XXXX",
    "Vedr. Tømrerfirmaet Hansen ApS, CVR-nr. 12345678",
    "Vedr. Granhøj Vognmandsforretning A/S, CVR-nr. 15 80 85 78",
    "Vedr. Lyngå Consult ApS, CVR-nr. 44410265",
    "Sagsnr. 2026-1234",
    "12.11.2026",
]


@pytest.mark.parametrize(("subject", "kind"), KINDS)
def test_kind_of_letter(subject, kind):
    assert letter_kind(subject) == kind, subject


@pytest.mark.parametrize("subject", NO_KIND)
def test_subject_with_nothing_but_who_or_when_has_no_kind(subject):
    assert letter_kind(subject) == UNKNOWN_KIND, subject


def test_kind_never_keeps_digits():
    for subject, _ in KINDS:
        assert not any(c.isdigit() for c in letter_kind(subject)), subject


def test_kinds_are_ranked_by_letters_then_by_name():
    from postbakke.letters.subjects import rank_kinds

    subjects = [
        "Partshøring", "Indkaldelse til samtale d. 3. december 2026", None,
        "Indkaldelse til samtale, sagsnr. 2026-1234", "Afgørelse om hjemmehjælp",
    ]
    assert rank_kinds(subjects) == (
        ("Indkaldelse til samtale", 2), (UNKNOWN_KIND, 1), ("Afgørelse om hjemmehjælp", 1),
        ("Partshøring", 1),
    )
    assert rank_kinds([]) == ()
