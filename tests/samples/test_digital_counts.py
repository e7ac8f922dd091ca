"""Fictional digital counts for the demo: every department, every week, the same for a seed."""

from __future__ import annotations

from postbakke.outputs.digital import IsoWeek
from postbakke_samples.digital_counts import demo_counts


def test_demo_counts_cover_every_department_and_week():
    counts = demo_counts(["A", "B"], IsoWeek(2026, 48), 4, seed=1)
    assert len(counts) == 8
    assert {c.week for c in counts} == {"2026-W45", "2026-W46", "2026-W47", "2026-W48"}
    assert counts == demo_counts(["A", "B"], IsoWeek(2026, 48), 4, seed=1)
