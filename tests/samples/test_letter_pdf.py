"""Text-layer letters: the zones where the reader expects them, in every layout."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from sample_letters import adult, in_zone, letter_spec, words_mm

from postbakke_samples.letter_pdf import (
    INFO_ZONE_CLASSIC,
    WINDOW_ZONE,
    _id_label,
    render_letter_pdf,
)
from postbakke_samples.letters import ALL_LAYOUTS, make_letter_specs
from postbakke_samples.world import World, format_cpr

# --------------------------------------------------------------------------- text-layer letters


@pytest.mark.parametrize("layout", ALL_LAYOUTS)
def test_recipient_block_sits_in_the_window_zone(world: World, tmp_path: Path, layout: str) -> None:
    person = adult(world, "tilmeldt")
    pdf = tmp_path / "brev.pdf"
    render_letter_pdf(world, letter_spec(world, person, layout=layout, id_placement="window"), pdf)
    words = words_mm(pdf)
    window = [w for w in words if in_zone(w, WINDOW_ZONE)]
    window_text = " ".join(str(w["text"]) for w in window)
    assert person.name in window_text
    assert person.street in window_text
    assert f"{person.postcode} {person.city}" in window_text
    assert format_cpr(person.cpr) in window_text
    if layout == "modern":  # the sender's small return address, just above the block
        back = [w for w in words if w["text"] == "Afs.:"]
        assert len(back) == 1 and 45 < float(back[0]["top"]) < WINDOW_ZONE[1]
    # Nothing else in the window: the info column and letterhead stay outside.
    assert len(window) == len(
        " ".join(
            [
                person.name,
                person.street,
                person.postcode,
                person.city,
                "CPR-nr.",
                format_cpr(person.cpr),
            ]
        ).split()
    )


@pytest.mark.parametrize("layout", ALL_LAYOUTS)
def test_info_cpr_is_outside_the_window_and_labelled(
    world: World, tmp_path: Path, layout: str
) -> None:
    person = adult(world, "fritaget")
    pdf = tmp_path / "brev.pdf"
    render_letter_pdf(world, letter_spec(world, person, layout=layout, id_form="space"), pdf)
    words = words_mm(pdf)
    head = [w for w in words if w["text"] == person.cpr[:6]]
    assert len(head) == 1
    assert not in_zone(head[0], WINDOW_ZONE)
    if layout == "classic":
        assert in_zone(head[0], INFO_ZONE_CLASSIC)
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
    assert (
        f"{_id_label(letter_spec(world, person, layout=layout))} {person.cpr[:6]} "
        f"{person.cpr[6:]}" in text
    )


def test_text_pdf_carries_the_recipient_name_in_danish(world: World, tmp_path: Path) -> None:
    person = next(p for p in world.persons if any(ch in p.name + p.street for ch in "æøåÆØÅ"))
    pdf = tmp_path / "brev.pdf"
    render_letter_pdf(world, letter_spec(world, person, id_placement="subject"), pdf)
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
    assert person.name in text and person.street in text
    assert f"Vedr. {person.name}, cpr.nr. {format_cpr(person.cpr)}" in text
    assert "Tlf. 89 64 10 10" in text
    assert "Med venlig hilsen" in text


def test_later_pages_have_no_recipient_block(world: World, tmp_path: Path) -> None:
    company = next(c for c in world.companies if c.status == "tilmeldt")
    spec = letter_spec(world, company, n_pages=3, layout="compact", own_cvr="both")
    pdf = tmp_path / "brev.pdf"
    render_letter_pdf(world, spec, pdf)
    with pdfplumber.open(pdf) as doc:
        texts = [p.extract_text() for p in doc.pages]
    assert len(texts) == 3
    assert company.street in texts[0] and f"CVR-nr.: {company.cvr}" in texts[0]
    assert "CVR-nr. 29189714" in texts[0]
    for k, t in enumerate(texts, start=1):
        assert f"Side {k} af 3" in t
        if k > 1:
            assert company.street not in t and company.cvr not in t
    assert "Med venlig hilsen" in texts[2] and "Med venlig hilsen" not in texts[0]


def test_every_letter_of_the_default_mix_renders(world: World, tmp_path: Path) -> None:
    for i, spec in enumerate(make_letter_specs(world, 1, 30)):
        render_letter_pdf(world, spec, tmp_path / f"{i}.pdf")


# --------------------------------------------------------------------------- scans
