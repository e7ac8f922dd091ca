"""The fictional world: valid CPR and CVR numbers, every case the mix needs, its registers."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from stdnum.dk import cpr as stdnum_cpr
from stdnum.dk import cvr as stdnum_cvr

from postbakke.identifiers import cpr_birth_date
from postbakke_samples.world import (
    REFERENCE_DATE,
    World,
    cpr_checksum_ok,
    format_cpr,
    is_child,
    write_registers,
)


def test_register_csvs_hold_exactly_the_people_in_the_register(
    world: World, tmp_path: Path
) -> None:
    enrolment, staff = write_registers(world, tmp_path)
    with enrolment.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "status", "name", "street", "postcode", "city"]
    expected = {format_cpr(p.cpr): p.status for p in world.persons if p.status} | {
        c.cvr: c.status for c in world.companies if c.status
    }
    assert {r["id"]: r["status"] for r in rows} == expected
    assert len(rows) == len(expected)
    assert all(r["status"] in ("tilmeldt", "fritaget") for r in rows)
    with staff.open(encoding="utf-8", newline="") as f:
        staff_rows = list(csv.DictReader(f))
    assert list(staff_rows[0]) == ["name", "initials", "email", "phone", "department"]
    assert [r["name"] for r in staff_rows] == [s.name for s in world.staff]


def test_every_cpr_is_valid_by_date_and_century(world: World) -> None:
    mod11: Counter[bool] = Counter()
    for p in world.persons:
        assert stdnum_cpr.validate(p.cpr) == p.cpr
        assert stdnum_cpr.get_birth_date(p.cpr) == cpr_birth_date(p.cpr)
        ok = cpr_checksum_ok(p.cpr)
        mod11[ok] += 1
        if not ok:  # cpr.dk issues numbers without modulus 11 on 1 January
            assert p.cpr[:4] == "0101", p.name
    assert mod11[True] and mod11[False]
    assert len({p.cpr for p in world.persons}) == len(world.persons)


def test_every_cvr_passes_modulus_11_and_is_not_the_municipality(world: World) -> None:
    assert stdnum_cvr.is_valid(world.municipality_cvr)
    for c in world.companies:
        assert stdnum_cvr.validate(c.cvr) == c.cvr
        assert c.cvr != world.municipality_cvr
        assert c.name.endswith(("ApS", "A/S"))


def test_world_holds_every_case_the_mix_needs(world: World) -> None:
    statuses = Counter(p.status for p in world.persons)
    assert statuses["tilmeldt"] > statuses["fritaget"] >= 2 and statuses[None] >= 2
    registered = {p.name: p for p in world.persons if p.status}
    namesakes = [p for p in world.persons if p.status is None and p.name in registered]
    assert namesakes and all(p.street != registered[p.name].street for p in namesakes)
    children = [p for p in world.persons if is_child(p.cpr, REFERENCE_DATE)]
    assert len(children) == 2 and all(p.status is None for p in children)
    assert {c.status for c in world.companies} == {"tilmeldt", None}
    # The trap: some direct phone numbers pass the CVR check.
    assert any(stdnum_cvr.is_valid(s.phone.replace(" ", "")) for s in world.staff)


# --------------------------------------------------------------------------- text-layer letters
