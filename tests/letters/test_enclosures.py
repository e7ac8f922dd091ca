"""Physical enclosures as Danish letters word them: tables of sentences and what they mean."""

from __future__ import annotations

import pytest

from postbakke.letters.enclosures import EnclosureKind, find_enclosure

PHYSICAL = [
    "Vedlagt finder du dit nye sundhedskort.",
    "Dit nye sundhedskort er vedlagt.",
    "Vi sender dig hermed dit kørekort, som du afleverede hos Borgerservice.",
    "Hermed sendes dit pas retur.",
    "Vi returnerer hermed de originale papirer, du sendte os.",
    "Vi returnerer hermed dine originale dokumenter.",
    "Din parkeringstilladelse vedlægges.",
    "I kuverten ligger nøglerne til boligen.",
    "Medsendt er en blanket til underskrift og returnering.",
    "Bilag: Sundhedskort",
    "Bilag: Klagevejledning, parkeringskort",
    "Bilag 1: Blanket til underskrift og returnering",
    "Vedlagt: affaldsmærkater",
    "Som aftalt er dit handicapparkeringskort vedlagt dette brev.",
    "Vedlagt finder du dit nye sundheds-\nkort og en klagevejledning.",
    "Vedlaqt finder du dit nye sundhedskart.",  # as OCR reads it
    "Vi har bilagt dit eksamensbevis i original.",
    "Hermed følger nøglebrikken til containerpladsen.",
    # the "Bilag" label as OCR reads it on a harsh scan
    "Blag: Parkeringstilladelse",
    "Bilaq 1: Sundhedskort",
    "Bilog: Kørekort",
]
UNPLACED = [
    "Vedlagt finder du det omtalte materiel.",
    "Bilag: Rød mappe",
    "I kuverten ligger det, vi talte om.",
    "Medsendt er en kuglepen.",
]
NONE = [
    "Du indkaldes hermed til en samtale i Jobcenter Favrskov.",
    "Du får hermed byggetilladelse til at opføre en carport på din ejendom.",
    "Hermed sender vi aftalen om virksomhedspraktik, som vi talte om ved vores møde.",
    "Hermed sender vi kontrakten om levering af hjælpemidler til kommunens borgere.",
    "Vedlagt finder du en klagevejledning.",
    "Afgørelsen er vedlagt.",
    "Bilag: Klagevejledning",
    "Husk at medbringe dit pas og dit sundhedskort til samtalen.",
    "Vi bekræfter hermed, at vi har modtaget jeres indbetaling.",
    "Du kan bestille et nyt sundhedskort på borger.dk.",
    "I modtager hermed opkrævning af ejendomsskat for jeres erhvervsejendom.",
    # a short label that is no "Bilag", before a physical word
    "Beløb: 500 kr for et nyt sundhedskort",
    "Bilen: kørekort er fundet i orden",
    "Blad: pas på glat føre",
]


@pytest.mark.parametrize(
    ("sentences", "kind"),
    [(PHYSICAL, EnclosureKind.PHYSICAL), (UNPLACED, EnclosureKind.UNPLACED),
     (NONE, EnclosureKind.NONE)],
    ids=["physical", "unplaced", "none"],
)
def test_enclosure_phrasings(sentences: list[str], kind: EnclosureKind) -> None:
    wrong = [(s, find_enclosure(s).kind.value) for s in sentences if find_enclosure(s).kind != kind]
    assert not wrong, f"expected {kind.value}: {wrong}"


def test_a_physical_enclosure_wins_over_an_unplaced_one():
    text = "Vedlagt finder du det omtalte materiel.\nBilag: Sundhedskort"
    assert find_enclosure(text).kind is EnclosureKind.PHYSICAL
