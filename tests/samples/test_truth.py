"""Expected verdicts: the domain table, from what the letter shows and the register."""

from __future__ import annotations

from datetime import date

import pytest
from sample_letters import adult, letter_spec

from postbakke.identifiers import cpr_birth_date
from postbakke_samples.truth import expected_verdict
from postbakke_samples.world import Company, Person, World

# --------------------------------------------------------------------------- verdicts


def _child(world: World) -> Person:
    return next(p for p in world.persons if cpr_birth_date(p.cpr) > date(2011, 11, 25))


@pytest.mark.parametrize(
    ("case", "placement", "expected"),
    [
        ("person_tilmeldt", "info", ("leak", "enrolled")),
        ("person_tilmeldt", "subject", ("leak", "enrolled")),
        ("person_tilmeldt", "window", ("leak", "enrolled")),
        ("person_tilmeldt", "none", ("leak", "enrolled")),  # unique name+address
        ("person_fritaget", "info", ("legitimate", "exempt")),
        ("person_fritaget", "none", ("legitimate", "exempt")),
        ("person_unregistered", "info", ("review", "cpr_not_in_register")),
        ("person_unregistered", "none", ("review", "no_recipient")),
        ("child", "info", ("legitimate", "child_under_15")),
        ("child", "none", ("review", "no_recipient")),
        ("company_tilmeldt", "info", ("leak", "enrolled")),
        ("company_unregistered", "subject", ("leak", "company_obliged")),
        ("company_unregistered", "none", ("review", "no_recipient")),
    ],
)
def test_expected_verdict_follows_the_domain_table(
    world: World, case: str, placement: str, expected: tuple[str, str]
) -> None:
    recipient: Person | Company
    if case == "child":
        recipient = _child(world)
    elif case.startswith("person"):
        status = {"tilmeldt": "tilmeldt", "fritaget": "fritaget"}.get(case.split("_")[1])
        recipient = adult(world, status)
    else:
        cstatus = "tilmeldt" if case.endswith("tilmeldt") else None
        recipient = next(c for c in world.companies if c.status == cstatus)
    assert expected_verdict(letter_spec(world, recipient, id_placement=placement)) == expected


def test_an_enclosure_makes_a_would_be_leak_legitimate(world: World) -> None:
    """Issue 15: physical enclosures are generated; never a leak (domain.md)."""
    spec = letter_spec(world, adult(world, "tilmeldt"), enclosure=True)
    assert expected_verdict(spec) == ("legitimate", "physical_enclosure")
    exempt = letter_spec(world, adult(world, "fritaget"), enclosure=True)
    assert expected_verdict(exempt) == ("legitimate", "exempt")
