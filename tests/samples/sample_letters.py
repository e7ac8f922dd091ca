"""Letters built by hand for the generator's tests: a recipient, a spec, where words sit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pdfplumber

from postbakke.identifiers import cpr_birth_date
from postbakke_samples.letters import LetterSpec
from postbakke_samples.world import Company, Person, World

PT_TO_MM = 25.4 / 72


def adult(world: World, status: str | None) -> Person:
    """The first person with this register status born before 2005 (an adult on the letters)."""
    return next(
        p for p in world.persons
        if p.status == status and (born := cpr_birth_date(p.cpr)) and born.year < 2005
    )


def letter_spec(world: World, recipient: Person | Company, **kw: object) -> LetterSpec:
    sender = world.staff[0]
    base = LetterSpec(
        layout="classic",
        recipient=recipient,
        sender=sender,
        department=sender.department,
        subject="Afgørelse om hjemmehjælp",
        id_placement="info",
        id_form="hyphen" if isinstance(recipient, Person) else "plain",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def words_mm(pdf_path: Path, page: int = 0) -> list[dict[str, float | str]]:
    with pdfplumber.open(pdf_path) as pdf:
        words = pdf.pages[page].extract_words()
    return [
        {
            "text": w["text"],
            "x0": w["x0"] * PT_TO_MM,
            "x1": w["x1"] * PT_TO_MM,
            "top": w["top"] * PT_TO_MM,
            "bottom": w["bottom"] * PT_TO_MM,
        }
        for w in words
    ]


def in_zone(word: dict[str, float | str], zone: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = zone
    return (
        x0 <= float(word["x0"])
        and float(word["x1"]) <= x1
        and y0 <= float(word["top"])
        and float(word["bottom"]) <= y1
    )
