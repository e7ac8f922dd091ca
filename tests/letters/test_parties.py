"""Whose a number is and whom the address block says the addressee acts for: pure text rules.

Tables hold the phrasings a reader can check by eye; hypothesis puts any two names into
the block's forms, so no name can make a representative's line look like a plain one.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postbakke.letters.parties import (
    addressed_to_parents,
    on_behalf_of,
    role_of,
    split_on_behalf,
)
from postbakke.models import IdRole

FAST = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(("line", "expected"), [
    ("Værge for Karen Lund", ("", "Karen Lund")),
    ("Som værge for Karen Lund", ("", "Karen Lund")),
    ("Værge for: Karen Lund", ("", "Karen Lund")),
    ("på vegne af Karen Lund", ("", "Karen Lund")),
    ("P.v.a. Karen Lund", ("", "Karen Lund")),
    ("p. v. a. Karen Lund", ("", "Karen Lund")),
    ("pva Karen Lund", ("", "Karen Lund")),  # the dots lost on a poor scan
    ("som partsrepræsentant for Karen Lund", ("", "Karen Lund")),
    ("Repræsentant for Karen Lund", ("", "Karen Lund")),
    ("Jens Holm, værge for Karen Lund", ("Jens Holm", "Karen Lund")),
    ("Jens Holm, som værge for Karen Lund", ("Jens Holm", "Karen Lund")),
    ("Jens Holm (værge for Karen Lund)", ("Jens Holm", "Karen Lund")),
    ("Jens Holm, p.v.a. Karen Lund", ("Jens Holm", "Karen Lund")),
])
def test_a_line_saying_whom_the_addressee_acts_for_is_cut_in_two(line, expected):
    assert split_on_behalf(line) == expected, line
    assert on_behalf_of(line) == expected[1], line


@pytest.mark.parametrize("line", [
    "Jens Holm", "Karen Lund", "Skovvej 4", "8370 Hadsten", "c/o Jens Holm",
    "Att.: advokat Jens Holm", "Advokatfirmaet Holm & Partnere", "Pia Vagn Andersen",
    "Boet efter Karen Lund", "Værgemålsafdelingen", "Jens Holm, Skovvej 4",
])
def test_a_plain_block_line_names_nobody_acted_for(line):
    assert split_on_behalf(line) is None, line
    assert on_behalf_of(line) is None, line


_NAME = st.lists(
    st.sampled_from(["Jens", "Karen", "Ida", "Holm", "Lund", "Sørensen", "Ærø", "Pia", "Vagn",
                     "Bach", "Østergaard", "Anne-Marie"]),
    min_size=2, max_size=4,
).map(" ".join)


@FAST
@given(guardian=_NAME, citizen=_NAME,
       cue=st.sampled_from(["værge for", "som værge for", "p.v.a.", "på vegne af"]))
def test_any_two_names_are_told_apart_on_one_line(guardian, citizen, cue):
    assert split_on_behalf(f"{guardian}, {cue} {citizen}") == (guardian, citizen)
    assert split_on_behalf(f"{cue.capitalize()} {citizen}") == ("", citizen)


@FAST
@given(name=_NAME)
def test_a_name_alone_is_never_read_as_acting_for_someone(name):
    assert split_on_behalf(name) is None


@pytest.mark.parametrize(("before", "role"), [
    ("P.v.a. Karen Lund, cpr.nr.", IdRole.REPRESENTED),
    ("Myndlingens CPR-nr.", IdRole.REPRESENTED),
    ("Du modtager brevet som værge. CPR-nr.", IdRole.REPRESENTED),
    ("Vedr. CPR-nr.", None),  # no word says whose: the register and the block decide
    ("Partens cpr.nr.", None),
])
def test_the_words_before_a_number_say_whose_it_is(before, role):
    assert role_of(before) is role, before


@pytest.mark.parametrize(("lines", "expected"), [
    (["Til forældrene til Emil Hansen", "Anne Hansen"], True),
    (["Til forældremyndighedsindehaveren", "Anne Hansen"], True),
    (["Forældre til Ida Lund"], True),
    (["Anne Hansen", "Skovvej 4"], False),
    (["Emil Hansen", "c/o Anne Hansen"], False),
    (["Boet efter Karen Lund"], False),
])
def test_a_block_addressed_to_the_parents_is_recognised(lines, expected):
    assert addressed_to_parents(lines) is expected, lines
