"""The letters of a tray: deterministic from the seed, the default mix covers every case."""

from __future__ import annotations

from collections import Counter

from postbakke_samples.letters import LAYOUTS, make_letter_specs
from postbakke_samples.truth import letter_truth
from postbakke_samples.world import World, make_world

# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_world_and_letters() -> None:
    assert make_world(5) == make_world(5)
    assert make_world(5) != make_world(6)
    w = make_world(5)
    assert make_letter_specs(w, 5, 30) == make_letter_specs(w, 5, 30)


def test_default_mix_covers_every_case(world: World) -> None:
    specs = make_letter_specs(world, 2, 30)
    truths = [letter_truth(s, f"brev-{i:03d}.pdf", "text") for i, s in enumerate(specs)]
    outcomes = Counter((t.verdict, t.reason) for t in truths)
    assert set(outcomes) == {
        ("leak", "enrolled"),
        ("legitimate", "exempt"),
        ("leak", "company_obliged"),
        ("review", "cpr_not_in_register"),
        ("review", "no_recipient"),
    }
    assert outcomes[("leak", "enrolled")] > len(specs) / 2
    assert any(t.window_cpr for t in truths)
    assert any(t.match == "name_address" for t in truths)
    assert {s.layout for s in specs} == set(LAYOUTS)
    assert any(s.n_pages > 1 for s in specs) and all(1 <= s.n_pages <= 3 for s in specs)
    assert not any(s.enclosure for s in specs)
    for t in truths:
        if t.reason == "no_recipient":
            assert t.recipient_kind is None and t.recipient_id is None
        else:
            assert t.recipient_kind in ("cpr", "cvr") and t.recipient_id


# --------------------------------------------------------------------------- batches
