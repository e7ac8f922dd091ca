"""Fictional sample letters with known truth: the test fixtures and `make demo`'s tray.

Everything here is invented: people are random combinations of common Danish
first and last names with random (valid) CPR numbers, streets are made up,
companies are made up with valid modulus-11 CVR numbers. Only the municipality
(Favrskov Kommune, its CVR and switchboard number) and the postcodes are real,
because the reader must learn to ignore exactly those.

The generator is deterministic from a seed: `random.Random` for every choice,
a seeded numpy `Generator` for scan noise, and reportlab's invariant mode so a
text PDF is byte-identical between runs.

Layout zones (mm from the top-left corner of A4), which the reader relies on:

- letterhead            y 12-35   municipality, department, address, "Tlf. 89 64 10 10",
                                  sometimes "CVR-nr. 29189714" (own CVR, never a recipient)
- recipient block       x 22-100, y 53-78 (text), inside the window zone x 20-100, y 50-85
- info column (classic) x 125-195, y 50-80; (compact) x 145-195, y 50-78
- info block  (block)   x 20-100, y 92-119, right-aligned labels ending at x 50
- subject (bold)        y 110 (classic), 108 (compact), 130 (block)
- footer                y 283-290 ("Side k af N" right-aligned at x 190)
Pages 2..N have a small letterhead at y 15 and no recipient block.

make_tray writes one letter per file; make_batch a whole tray scanned into one
file, with PATCHT separator sheets and blank back pages (truth in batch.json);
make_corpus the evaluation corpus of `make bench` and `postbakke eval`: four
layouts (the three above and "modern"), several fonts, the register traps, and
scans at graded degradation levels, as single files and tray batches.
"""

from __future__ import annotations

import json
import random
import tempfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

# --------------------------------------------------------------------------- constants

REFERENCE_DATE = date(2026, 11, 25)  # the letters' date; "child under 15" is judged at this date
CHILD_AGE_LIMIT = 15

MUNICIPALITY_NAME = "Favrskov Kommune"
MUNICIPALITY_CVR = "29189714"
MUNICIPALITY_STREET = "Skovvej 20"
MUNICIPALITY_POSTTOWN = "8382 Hinnerup"
MUNICIPALITY_PHONE = "89 64 10 10"
MUNICIPALITY_WEB = "www.favrskov.dk"
EMAIL_DOMAIN = "favrskov.dk"

DEPARTMENTS = [
    "Jobcenter",
    "Teknik og Miljø",
    "Børn og Familie",
    "Borgerservice",
    "Social og Sundhed",
]
COMPANY_DEPARTMENTS = ["Jobcenter", "Teknik og Miljø", "Borgerservice", "Social og Sundhed"]

LAYOUTS = ("classic", "block", "compact")  # the default mix (make_tray, make_batch)
# "modern": a one-line letterhead over a rule, the sender's return address above the
# recipient in the window, label/value columns on the right, "Side k af N" at the top.
ALL_LAYOUTS = (*LAYOUTS, "modern")
ID_PLACEMENTS = ("info", "subject", "none", "window")
CPR_FORMS = ("hyphen", "plain", "space")
CVR_FORMS = ("plain", "spaced")

TRAY_DIR = "tray"  # make_tray writes the letters here, apart from registers/ and truth.json
SCAN_DPI = 300
SCAN_NOISE_SIGMA = 8.0  # grey levels; mild, like an office MFP at 300 dpi
SCAN_MAX_SKEW_DEG = 2.0
UPSIDE_DOWN_SHARE = 1 / 6
JPEG_QUALITY = 85

# Window zone and text placement, in mm from the top-left corner.
WINDOW_ZONE = (20.0, 50.0, 100.0, 85.0)  # x0, y0, x1, y1
WINDOW_X = 22.0
WINDOW_FIRST_BASELINE = 57.0
WINDOW_LEADING = 4.8
INFO_ZONE_CLASSIC = (125.0, 50.0, 195.0, 100.0)
PAGE_W_MM = 210.0
PAGE_H_MM = 297.0
BODY_X0 = 20.0
BODY_X1 = 190.0
BODY_MAX_Y = 272.0  # body text must end above the footer

# --------------------------------------------------------------------------- name pools

MALE_FIRST = [
    "Jens",
    "Peter",
    "Lars",
    "Michael",
    "Henrik",
    "Søren",
    "Thomas",
    "Niels",
    "Anders",
    "Rasmus",
    "Mads",
    "Jørgen",
    "Christian",
    "Martin",
    "Frederik",
    "Mikkel",
    "Jesper",
    "Morten",
    "Kasper",
    "Bent",
    "Poul",
    "Ole",
    "Hans",
    "Emil",
    "Bjørn",
    "Torben",
    "Kåre",
]
FEMALE_FIRST = [
    "Anne",
    "Kirsten",
    "Mette",
    "Hanne",
    "Anna",
    "Helle",
    "Susanne",
    "Lene",
    "Maria",
    "Marianne",
    "Camilla",
    "Inge",
    "Lone",
    "Pia",
    "Louise",
    "Charlotte",
    "Bodil",
    "Karen",
    "Ida",
    "Sofie",
    "Signe",
    "Birthe",
    "Åse",
    "Grethe",
    "Søs",
    "Dorthe",
    "Bente",
]
LAST_NAMES = [
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Jakobsen",
    "Mikkelsen",
    "Østergaard",
    "Lauridsen",
    "Bøgh",
    "Kjær",
    "Holm",
    "Frandsen",
    "Dahl",
    "Skov",
    "Thygesen",
    "Brøndum",
    "Vestergaard",
    "Søndergaard",
    "Nørgaard",
    "Lund",
    "Bach",
]
STREET_STEMS = [
    "Kær",
    "Bøge",
    "Mølleå",
    "Lærke",
    "Hjørne",
    "Rønne",
    "Fløj",
    "Søndre",
    "Nørre",
    "Grøn",
    "Tjørne",
    "Ege",
    "Fjeldhøj",
    "Pæone",
    "Åløkke",
    "Hvidtjørn",
    "Skærmyssel",
    "Præstø",
    "Ræveholt",
    "Ørnebjerg",
    "Gåsetårn",
    "Bækkelund",
    "Hørmark",
    "Tværå",
]
STREET_ENDINGS = [
    "vej",
    "vænget",
    "bakken",
    "toften",
    "gade",
    "stien",
    "have",
    "parken",
    "høj",
    "løkken",
    "engen",
    "kæret",
]
FLOORS = ["st. tv.", "st. th.", "1. tv.", "1. th.", "2. tv.", "2. th.", "3. mf."]
POSTTOWNS = [
    ("8370", "Hadsten"),
    ("8450", "Hammel"),
    ("8382", "Hinnerup"),
    ("8850", "Bjerringbro"),
    ("8881", "Thorsø"),
    ("8860", "Ulstrup"),
    ("8870", "Langå"),
    ("8380", "Trige"),
    ("8471", "Sabro"),
]
COMPANY_STEMS = [
    "Bøgely",
    "Nørrelund",
    "Skærbæk",
    "Kildegård",
    "Ådalens",
    "Højmark",
    "Fjordglimt",
    "Lyngå",
    "Hvidkær",
    "Østerå",
    "Granhøj",
    "Rødkilde",
    "Tvillingehøj",
    "Søholm",
    "Mølleåens",
    "Lærkehøj",
]
COMPANY_TRADES = [
    "VVS",
    "Tømrer og Snedker",
    "Entreprise",
    "Maskinstation",
    "Rengøring",
    "El-service",
    "Anlæg",
    "Transport",
    "Malerfirma",
    "Tagdækning",
    "Vognmandsforretning",
    "Auto",
    "Consult",
    "Byg",
    "Køleteknik",
]
ATTENTIONS = [
    "Att.: Bogholderiet",
    "Att.: Økonomiafdelingen",
    "Att.: Direktionen",
    "Att.: Lønkontoret",
]
TITLES = {
    "Jobcenter": ["Jobkonsulent", "Sagsbehandler", "Virksomhedskonsulent"],
    "Teknik og Miljø": ["Ingeniør", "Byggesagsbehandler", "Miljømedarbejder"],
    "Børn og Familie": ["Socialrådgiver", "Familierådgiver", "Sagsbehandler"],
    "Borgerservice": ["Borgerservicemedarbejder", "Sagsbehandler", "Specialkonsulent"],
    "Social og Sundhed": ["Visitator", "Socialrådgiver", "Sygeplejerske"],
}
ENCLOSURES = ["sundhedskort", "nyt sygesikringsbevis", "parkeringskort", "affaldsmærkater"]

MONTHS_DA = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
WEEKDAYS_DA = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]

# --------------------------------------------------------------------------- letter texts

# (subject, opening paragraph) per department, for persons ("du") and companies ("I").
PERSON_TOPICS: dict[str, list[tuple[str, str]]] = {
    "Jobcenter": [
        (
            "Indkaldelse til samtale",
            "Du indkaldes hermed til en samtale i Jobcenter Favrskov {moede} kl. {kl}. Samtalen "
            "handler om din jobsituation og om, hvilke muligheder du har for at komme i arbejde "
            "eller uddannelse.",
        ),
        (
            "Afgørelse om kontanthjælp",
            "Vi har behandlet din ansøgning om kontanthjælp. Du er berettiget til kontanthjælp fra "
            "{fra}, og ydelsen bliver udbetalt bagud den sidste hverdag i måneden.",
        ),
        (
            "Partshøring",
            "Inden vi træffer afgørelse i din sag, vil vi gerne give dig mulighed for at komme med "
            "dine bemærkninger til de oplysninger, vi har fået fra din læge og din arbejdsgiver.",
        ),
        (
            "Afgørelse om sygedagpenge",
            "Vi har vurderet, at du fortsat opfylder betingelserne for at modtage sygedagpenge. "
            "Din sag bliver fulgt op igen inden for otte uger.",
        ),
    ],
    "Teknik og Miljø": [
        (
            "Byggetilladelse til carport",
            "Du får hermed byggetilladelse til at opføre en carport på din ejendom, som "
            "beskrevet i din ansøgning. Tilladelsen bortfalder, hvis byggeriet ikke er "
            "påbegyndt inden et år.",
        ),
        (
            "Påbud om tømning af bundfældningstank",
            "Ved kommunens tilsyn blev det konstateret, at bundfældningstanken på din ejendom ikke "
            "er blevet tømt som foreskrevet. Du påbydes derfor at få tanken tømt senest {frist}.",
        ),
        (
            "Afgørelse om tilslutning til kloak",
            "Favrskov Kommune har besluttet, at din ejendom skal tilsluttes det offentlige "
            "spildevandsanlæg. Tilslutningen skal være gennemført senest {frist}.",
        ),
        (
            "Partshøring",
            "Kommunen har modtaget en klage over støj fra din varmepumpe. Inden vi beslutter, om "
            "der skal gøres noget, vil vi gerne høre dine bemærkninger.",
        ),
    ],
    "Børn og Familie": [
        (
            "Afgørelse om økonomisk friplads",
            "Du har søgt om økonomisk friplads til dit barns plads i dagtilbud. Vi har "
            "beregnet, at du er berettiget til en friplads på 60 procent fra {fra}.",
        ),
        (
            "Indkaldelse til møde om dit barn",
            "Vi vil gerne invitere dig til et møde om dit barns trivsel {moede} kl. {kl} på "
            "Rådhuset i Hinnerup.",
        ),
        (
            "Afgørelse om tilskud til privat pasning",
            "Vi har godkendt din ansøgning om tilskud til privat pasning. Tilskuddet udbetales "
            "månedsvis fra {fra}.",
        ),
    ],
    "Borgerservice": [
        (
            "Afgørelse om tilskud til briller",
            "Du har søgt om helbredstillæg til briller. Vi har bevilget et tilskud på 85 procent "
            "af din egenbetaling, og beløbet bliver udbetalt til din NemKonto.",
        ),
        (
            "Afgørelse om personligt tillæg",
            "Vi har behandlet din ansøgning om personligt tillæg til udgifter til tandbehandling. "
            "Du får bevilget tillægget som beskrevet nedenfor.",
        ),
        (
            "Afgørelse om lån til betaling af ejendomsskat",
            "Du har søgt om lån til betaling af ejendomsskat. Vi har godkendt din ansøgning, og "
            "lånet bliver tinglyst som pant i din ejendom.",
        ),
    ],
    "Social og Sundhed": [
        (
            "Afgørelse om hjemmehjælp",
            "Vi har vurderet dit behov for hjælp i hjemmet. Du får bevilget hjælp til rengøring "
            "hver anden uge fra {fra}.",
        ),
        (
            "Bevilling af hjælpemiddel",
            "Du har søgt om en rollator. Vi har bevilget hjælpemidlet, og det bliver leveret fra "
            "kommunens hjælpemiddeldepot inden for tre uger.",
        ),
        (
            "Afgørelse om madservice",
            "Vi har bevilget dig madservice med levering af en hovedret fem dage om ugen fra "
            "{fra}.",
        ),
        (
            "Indkaldelse til visitationssamtale",
            "Vi vil gerne besøge dig {moede} kl. {kl} for at tale om, hvilken hjælp du har brug "
            "for i hverdagen.",
        ),
    ],
}
COMPANY_TOPICS: dict[str, list[tuple[str, str]]] = {
    "Jobcenter": [
        (
            "Afgørelse om løntilskud",
            "Vi har godkendt jeres ansøgning om løntilskud til ansættelse af en ledig medarbejder. "
            "Løntilskuddet gælder fra {fra} og i seks måneder frem.",
        ),
        (
            "Refusion af sygedagpenge",
            "Vi har modtaget jeres anmodning om refusion af sygedagpenge for en medarbejder. "
            "Refusionen bliver udbetalt til jeres NemKonto inden for 14 dage.",
        ),
        (
            "Aftale om virksomhedspraktik",
            "Hermed sender vi aftalen om virksomhedspraktik, som vi talte om ved vores møde. "
            "Praktikken begynder {moede} og varer fire uger.",
        ),
    ],
    "Teknik og Miljø": [
        (
            "Påbud om oprydning",
            "Ved kommunens tilsyn på jeres adresse blev der fundet oplag af affald og udtjente "
            "maskiner på det fri areal. I påbydes at fjerne affaldet senest {frist}.",
        ),
        (
            "Miljøgodkendelse",
            "Favrskov Kommune meddeler hermed miljøgodkendelse af jeres virksomhed på de vilkår, "
            "der er beskrevet nedenfor.",
        ),
        (
            "Byggetilladelse til tilbygning til lagerhal",
            "I får hermed byggetilladelse til en tilbygning på 240 kvadratmeter til jeres "
            "lagerhal, som beskrevet i jeres ansøgning.",
        ),
        (
            "Opkrævning af gebyr for erhvervsaffald",
            "I modtager hermed opkrævning af gebyr for erhvervsaffald for 2026. Beløbet på "
            "1.245,00 kr. skal være betalt senest {frist}.",
        ),
    ],
    "Borgerservice": [
        (
            "Opkrævning af ejendomsskat",
            "I modtager hermed opkrævning af ejendomsskat for jeres erhvervsejendom. Første rate "
            "forfalder til betaling {frist}.",
        ),
        (
            "Kvittering for indbetaling",
            "Vi bekræfter hermed, at vi har modtaget jeres indbetaling. Der er ikke flere "
            "udeståender på jeres konto hos kommunen.",
        ),
    ],
    "Social og Sundhed": [
        (
            "Kontrakt om levering af hjælpemidler",
            "Hermed sender vi kontrakten om levering af hjælpemidler til kommunens borgere, som "
            "aftalt efter udbuddet.",
        ),
        (
            "Opfølgning på tilsynsbesøg",
            "Tak for et godt tilsynsbesøg. I dette brev samler vi op på de punkter, vi aftalte at "
            "følge op på.",
        ),
    ],
}
PERSON_MIDDLE = [
    "Afgørelsen er truffet efter de gældende regler på området. Vi har lagt vægt på de "
    "oplysninger, du selv har givet os, og på oplysningerne i din sag.",
    "Hvis dine forhold ændrer sig, skal du give os besked hurtigst muligt. Det gælder for "
    "eksempel, hvis du flytter, får arbejde eller ændrer din indkomst.",
    "Du er velkommen til at tage en bisidder med. Hvis du er forhindret, beder vi dig give "
    "besked senest dagen før.",
    "Har du bemærkninger, beder vi om at modtage dem senest 14 dage efter, at du har modtaget "
    "dette brev. Hører vi ikke fra dig, træffer vi afgørelse på det foreliggende grundlag.",
]
COMPANY_MIDDLE = [
    "Afgørelsen er truffet på baggrund af de oplysninger, I har indsendt, og kommunens tilsyn.",
    "Vi gør opmærksom på, at afgørelsen kan blive offentliggjort på kommunens hjemmeside.",
    "Har I bemærkninger, beder vi om at modtage dem senest 14 dage efter, at I har modtaget "
    "dette brev.",
]
PERSON_CONTACT = (
    "Hvis du har spørgsmål, er du velkommen til at kontakte mig på telefon {tlf} eller på "
    "e-mail {email}."
)
COMPANY_CONTACT = (
    "Hvis I har spørgsmål, er I velkomne til at kontakte mig på telefon {tlf} eller på "
    "e-mail {email}."
)
PERSON_CONTINUATION = [
    "Klagevejledning: Hvis du ikke er enig i afgørelsen, kan du klage. Klagen skal være "
    "modtaget senest fire uger efter, at du har modtaget afgørelsen. Du sender klagen til "
    "Favrskov Kommune, som genvurderer sagen. Fastholder vi afgørelsen, sender vi klagen "
    "videre til Ankestyrelsen.",
    "Du har ret til at se de dokumenter, der indgår i din sag. Hvis du ønsker aktindsigt, kan "
    "du kontakte sagsbehandleren.",
    "Favrskov Kommune behandler oplysninger om dig for at kunne behandle din sag. Du kan læse "
    "mere om dine rettigheder, og om hvordan vi behandler personoplysninger, på "
    "favrskov.dk/persondata.",
    "Vidste du, at du kan læse post fra kommunen i Digital Post på borger.dk og i appen "
    "Digital Post? Så får du dine breve hurtigere.",
    "Du kan til enhver tid lade dig repræsentere eller bistå af andre, for eksempel et "
    "familiemedlem eller en advokat.",
    "Efter retssikkerhedsloven har du pligt til at medvirke til at få de oplysninger frem, der "
    "er nødvendige for at behandle din sag. Hvis du ikke medvirker, kan det få betydning for "
    "afgørelsen.",
    "Begrundelse: Vi har vurderet din sag ud fra de oplysninger, der var til stede på "
    "tidspunktet for afgørelsen, herunder lægelige oplysninger og oplysninger fra dine "
    "tidligere sager i kommunen. Vi har ikke fundet grundlag for at fravige de almindelige "
    "regler.",
]
COMPANY_CONTINUATION = [
    "Klagevejledning: Hvis I ikke er enige i afgørelsen, kan I klage. Klagen skal være "
    "modtaget senest fire uger efter, at afgørelsen er meddelt. I sender klagen til Favrskov "
    "Kommune, som genvurderer sagen, før den eventuelt sendes videre til klageinstansen.",
    "I har ret til at se de dokumenter, der indgår i sagen. Hvis I ønsker aktindsigt, kan I "
    "kontakte sagsbehandleren.",
    "I kan læse mere om, hvordan Favrskov Kommune behandler oplysninger, på "
    "favrskov.dk/persondata.",
    "Virksomheder skal modtage post fra det offentlige i Digital Post. I kan læse jeres post "
    "på virk.dk eller i jeres eget system.",
    "Vi gør opmærksom på, at afgørelsen ikke fritager jer for at indhente de tilladelser, der "
    "måtte være nødvendige efter anden lovgivning.",
]


# --------------------------------------------------------------------------- world


@dataclass
class Person:
    name: str
    cpr: str  # 10 digits, no separator
    street: str
    postcode: str
    city: str
    status: str | None  # "tilmeldt", "fritaget", or None = not in the register


@dataclass
class Company:
    name: str
    cvr: str  # 8 digits
    street: str
    postcode: str
    city: str
    status: str | None
    attention: str | None = None  # "Att.: Bogholderiet"


@dataclass
class StaffMember:
    name: str
    initials: str
    email: str
    phone: str  # "89 64 23 17"
    department: str
    title: str = "Sagsbehandler"  # printed under the signature; not part of the staff CSV


@dataclass
class World:
    municipality_name: str = MUNICIPALITY_NAME
    municipality_cvr: str = MUNICIPALITY_CVR
    municipality_address: str = f"{MUNICIPALITY_STREET}, {MUNICIPALITY_POSTTOWN}"
    municipality_phone: str = MUNICIPALITY_PHONE
    persons: list[Person] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    staff: list[StaffMember] = field(default_factory=list)
    departments: list[str] = field(default_factory=lambda: list(DEPARTMENTS))


def cpr_checksum_ok(cpr: str) -> bool:
    """The old modulus-11 rule (weights 4,3,2,7,6,5,4,3,2,1); no longer required."""
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(w * int(d) for w, d in zip(weights, cpr, strict=True)) % 11 == 0


def cvr_checksum_ok(cvr: str) -> bool:
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    return (
        len(cvr) == 8
        and cvr[0] != "0"
        and sum(w * int(d) for w, d in zip(weights, cvr, strict=True)) % 11 == 0
    )


def cpr_birth_date(cpr: str) -> date:
    """Birth date with the century from the 7th digit (domain.md)."""
    day, month, yy, d7 = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if d7 <= 3:
        year = 1900 + yy
    elif d7 in (4, 9):
        year = 2000 + yy if yy <= 36 else 1900 + yy
    else:
        year = 2000 + yy if yy <= 57 else 1800 + yy
    return date(year, month, day)


def _seventh_digits(year: int) -> list[int]:
    """The 7th CPR digits that give `year` its century."""
    yy = year % 100
    if 1858 <= year <= 1899:
        return [5, 6, 7, 8]
    if 1900 <= year <= 1999:
        return [0, 1, 2, 3] + ([4, 9] if yy >= 37 else [])
    if 2000 <= year <= 2036:
        return [4, 9, 5, 6, 7, 8]
    if 2037 <= year <= 2057:
        return [5, 6, 7, 8]
    raise ValueError(f"no CPR century for {year}")


def _make_cpr(rng: random.Random, birth: date, male: bool, mod11: bool) -> str:
    """A CPR number for `birth`; the last digit is odd for men, even for women."""
    prefix = birth.strftime("%d%m") + f"{birth.year % 100:02d}"
    digits7 = _seventh_digits(birth.year)
    while True:
        body = prefix + f"{rng.choice(digits7)}{rng.randrange(10)}{rng.randrange(10)}"
        if mod11:
            weights = (4, 3, 2, 7, 6, 5, 4, 3, 2)
            last = -sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11
            if last == 10:
                continue
        else:
            last = rng.randrange(10)
        if last % 2 != (1 if male else 0):
            continue
        cpr = body + str(last)
        if cpr_checksum_ok(cpr) == mod11:
            return cpr


def _random_date(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _random_name(rng: random.Random, male: bool) -> str:
    first = rng.choice(MALE_FIRST if male else FEMALE_FIRST)
    if rng.random() < 0.25:  # a middle name, as in "Anne Mette Holm"
        second = rng.choice(MALE_FIRST if male else FEMALE_FIRST)
        if second != first:
            first = f"{first} {second}"
    return f"{first} {rng.choice(LAST_NAMES)}"


def _random_street(rng: random.Random) -> str:
    street = f"{rng.choice(STREET_STEMS)}{rng.choice(STREET_ENDINGS)} {rng.randint(1, 120)}"
    if rng.random() < 0.2:
        street += rng.choice("ABC")
    if rng.random() < 0.25:
        street += f", {rng.choice(FLOORS)}"
    return street


def _mod11_cvr(rng: random.Random) -> str:
    while True:
        cvr = str(rng.randint(10_000_000, 99_999_999))
        if cvr_checksum_ok(cvr) and cvr != MUNICIPALITY_CVR:
            return cvr


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split()).lower()


def make_world(seed: int, n_persons: int = 60, n_companies: int = 15) -> World:
    """A fictional population of Favrskov: citizens, companies and municipal staff.

    Statuses are assigned by count, not by chance, so that every case the letter
    mix needs exists whatever the seed: namesake pairs (same name, different
    address, only one of them in the register), adults missing from the
    register, exempt adults, and (from 20 persons up) two children under 15.
    """
    if n_persons < 8 or n_companies < 2:
        raise ValueError("make_world needs at least 8 persons and 2 companies")
    rng = random.Random(f"world-{seed}")
    used_names: set[str] = set()
    used_cprs: set[str] = set()
    used_addresses: set[tuple[str, str]] = set()

    def new_address() -> tuple[str, str, str]:
        while True:
            street = _random_street(rng)
            postcode, city = rng.choice(POSTTOWNS)
            if (street, postcode) not in used_addresses:
                used_addresses.add((street, postcode))
                return street, postcode, city

    def new_person(adult: bool, name: str | None = None, male: bool | None = None) -> Person:
        if male is None:
            male = rng.random() < 0.5
        if name is None:
            while True:
                name = _random_name(rng, male)
                if name not in used_names:
                    break
        used_names.add(name)
        mod11 = rng.random() >= 0.15  # ~15 % of numbers issued without modulus 11
        while True:
            if adult:
                birth = _random_date(rng, date(1938, 1, 1), date(2007, 12, 31))
            else:
                birth = _random_date(rng, date(2012, 6, 1), date(2019, 12, 31))
            if not mod11:  # cpr.dk issues numbers without modulus 11 on 1 January
                birth = birth.replace(month=1, day=1)
            cpr = _make_cpr(rng, birth, male, mod11)
            if cpr not in used_cprs:
                used_cprs.add(cpr)
                break
        street, postcode, city = new_address()
        return Person(name, cpr, street, postcode, city, status=None)

    n_children = 2 if n_persons >= 20 else 0
    n_pairs = max(1, n_persons // 20)
    n_unregistered = max(2, round(n_persons * 0.07))
    n_plain = n_persons - n_children - 2 * n_pairs
    persons: list[Person] = []

    # Namesake pairs: the first is in the register, the second is not.
    for _ in range(n_pairs):
        male = rng.random() < 0.5
        while True:
            name = _random_name(rng, male)
            if name not in used_names:
                break
        first = new_person(True, name, male)
        second = new_person(True, name, male)
        first.status = "tilmeldt"
        persons += [first, second]
    plain = [new_person(True) for _ in range(n_plain)]
    registered = plain[n_unregistered:]
    n_exempt = max(2, round(len(registered) * 0.11))
    for i, person in enumerate(registered):
        person.status = "fritaget" if i < n_exempt else "tilmeldt"
    persons += plain
    persons += [new_person(False) for _ in range(n_children)]
    rng.shuffle(persons)

    companies: list[Company] = []
    used_company_names: set[str] = set()
    used_cvrs: set[str] = set()
    n_company_unregistered = max(1, round(n_companies / 3))
    for i in range(n_companies):
        while True:
            suffix = "ApS" if rng.random() < 0.7 else "A/S"
            cname = f"{rng.choice(COMPANY_STEMS)} {rng.choice(COMPANY_TRADES)} {suffix}"
            if cname not in used_company_names:
                used_company_names.add(cname)
                break
        while True:
            cvr = _mod11_cvr(rng)
            if cvr not in used_cvrs:
                used_cvrs.add(cvr)
                break
        street, postcode, city = new_address()
        attention = rng.choice(ATTENTIONS) if rng.random() < 0.4 else None
        status = None if i < n_company_unregistered else "tilmeldt"
        companies.append(Company(cname, cvr, street, postcode, city, status, attention))
    rng.shuffle(companies)

    staff: list[StaffMember] = []
    used_initials: set[str] = set()
    used_phones: set[str] = {MUNICIPALITY_PHONE}
    for department in DEPARTMENTS:
        for _ in range(3):
            male = rng.random() < 0.4
            while True:
                name = _random_name(rng, male)
                if name not in used_names:
                    used_names.add(name)
                    break
            initials = _initials(name)
            if initials in used_initials:
                initials = initials[:-1] + name.split()[-1][:2].lower()
            n = 2
            base = initials
            while initials in used_initials:
                initials = f"{base}{n}"
                n += 1
            used_initials.add(initials)
            # A third of the direct numbers pass the CVR modulus-11 check on purpose:
            # "89 64 23 17" next to "Direkte tlf." must never become a recipient CVR.
            want_cvr_like = len(staff) % 3 == 0
            while True:
                digits = f"8964{rng.randrange(10000):04d}"
                phone = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
                if phone not in used_phones and cvr_checksum_ok(digits) == want_cvr_like:
                    used_phones.add(phone)
                    break
            staff.append(
                StaffMember(
                    name=name,
                    initials=initials,
                    email=f"{initials}@{EMAIL_DOMAIN}",
                    phone=phone,
                    department=department,
                    title=rng.choice(TITLES[department]),
                )
            )
    return World(persons=persons, companies=companies, staff=staff)


def format_cpr(cpr: str, form: str = "hyphen") -> str:
    if form == "hyphen":
        return f"{cpr[:6]}-{cpr[6:]}"
    if form == "space":
        return f"{cpr[:6]} {cpr[6:]}"
    if form == "plain":
        return cpr
    raise ValueError(f"unknown CPR form {form!r}")


def format_cvr(cvr: str, form: str = "plain") -> str:
    if form == "plain":
        return cvr
    if form == "spaced":
        return " ".join(cvr[i : i + 2] for i in range(0, 8, 2))
    raise ValueError(f"unknown CVR form {form!r}")


def write_registers(world: World, out_dir: Path) -> tuple[Path, Path]:
    """enrolment.csv (only those with a status) and staff.csv, as in contract.md."""
    import csv

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    enrolment = out_dir / "enrolment.csv"
    staff = out_dir / "staff.csv"
    with enrolment.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "status", "name", "street", "postcode", "city"])
        for p in world.persons:
            if p.status is not None:
                writer.writerow([format_cpr(p.cpr), p.status, p.name, p.street, p.postcode, p.city])
        for c in world.companies:
            if c.status is not None:
                writer.writerow([c.cvr, c.status, c.name, c.street, c.postcode, c.city])
    with staff.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "initials", "email", "phone", "department"])
        for s in world.staff:
            writer.writerow([s.name, s.initials, s.email, s.phone, s.department])
    return enrolment, staff


# --------------------------------------------------------------------------- letters


@dataclass
class LetterSpec:
    layout: str  # "classic", "block", "compact"
    recipient: Person | Company
    sender: StaffMember
    department: str
    subject: str  # the topic; with id_placement "subject" a "Vedr. ..." line comes first
    id_placement: str  # "info", "subject", "none", "window"
    id_form: str  # CPR: "hyphen", "plain", "space"; CVR: "plain", "spaced"
    n_pages: int = 1  # 1-3
    enclosure: bool = False  # "Vedlagt: sundhedskort": a physical enclosure
    attention: str | None = None  # "c/o ..." (person) or "Att.: ..." (company) window line
    case_number: str = "27.12.04-G01-3-26"
    letter_date: date = REFERENCE_DATE
    own_cvr: str = "none"  # where the municipality's CVR is printed: none/letterhead/footer/both
    salutation: bool = False  # "Kære <name>" opening the body
    p_number: str | None = None  # a 10-digit P-nr. in a company letter's body (looks like a CPR)
    pages_text: list[list[str]] = field(default_factory=list)  # paragraphs per page
    category: str = ""  # which case of the mix this letter stands for
    font: str = ""  # a FONT_FAMILIES key; "" = the layout's own font


@dataclass
class LetterTruth:
    file: str  # file name, no folder (the export's `source`)
    pages: list[int]  # 1-based pages within that file
    recipient_kind: str | None  # "cpr", "cvr" or None
    recipient_id: str | None  # digits in clear: test data only
    recipient_name: str
    department: str
    sender: str
    verdict: str
    reason: str
    window_cpr: bool
    degradation: str  # "text", or e.g. "scan300-skew-1.5-noise-upside-down"
    layout: str
    match: str | None = None  # "id", "name_address" or None, as in the letters export
    enrolment: str | None = None  # the matched register status
    id_placement: str = "none"
    category: str = ""
    separator_before: bool = False  # batch: a PATCHT separator sheet lies just before the letter
    blank_backs: bool = False  # batch: scanned duplex, each page followed by its blank back
    # make_corpus: "text" or a DEGRADATION_LEVELS name, and what was done to the scan
    # (dpi, skew per page, noise, blur, JPEG quality, contrast, edges, marks).
    level: str = ""
    degradation_details: dict[str, Any] = field(default_factory=dict)
    font: str = ""


def _date_da(d: date) -> str:
    return f"{d.day}. {MONTHS_DA[d.month - 1]} {d.year}"


def _case_number(rng: random.Random) -> str:
    # KLE number, facet, running number, year: "27.12.04-G01-3-26"
    kle = f"{rng.randint(0, 32):02d}.{rng.randint(0, 40):02d}.{rng.randint(0, 20):02d}"
    facet = rng.choice(["G01", "G02", "K07", "P20", "A00", "P19"])
    return f"{kle}-{facet}-{rng.randint(1, 999)}-26"


def _p_number(rng: random.Random) -> str:
    """A P-number whose first six digits form a valid date: a CPR look-alike."""
    day, month, year = rng.randint(10, 19), rng.randint(1, 12), rng.randint(0, 99)
    return f"{day}{month:02d}{year:02d}{rng.randint(0, 9999):04d}"


def _body_pages(
    rng: random.Random,
    recipient: Person | Company,
    department: str,
    opening: str,
    sender: StaffMember,
    n_pages: int,
    salutation: bool,
    p_number: str | None,
) -> list[list[str]]:
    is_person = isinstance(recipient, Person)
    meeting = REFERENCE_DATE + timedelta(days=rng.randint(8, 30))
    fill = {
        "moede": f"{WEEKDAYS_DA[meeting.weekday()]} den {_date_da(meeting)}",
        "kl": rng.choice(["9.00", "10.00", "10.30", "13.00", "14.15"]),
        "fra": _date_da(date(2026, rng.choice([9, 10, 11]), 1)),
        "frist": _date_da(REFERENCE_DATE + timedelta(days=rng.choice([30, 45, 60]))),
    }
    first: list[str] = []
    if salutation:
        first.append(f"Kære {recipient.name}")
    first.append(opening.format(**fill))
    middle = PERSON_MIDDLE if is_person else COMPANY_MIDDLE
    first += rng.sample(middle, rng.randint(1, 2))
    if p_number:
        first.append(
            f"Afgørelsen gælder jeres produktionsenhed med P-nr. {p_number} på adressen "
            f"{recipient.street}, {recipient.postcode} {recipient.city}."
        )
    contact = (PERSON_CONTACT if is_person else COMPANY_CONTACT).format(
        tlf=sender.phone, email=sender.email
    )
    pages = [first]
    pool = list(PERSON_CONTINUATION if is_person else COMPANY_CONTINUATION)
    rng.shuffle(pool)
    for _ in range(1, n_pages):
        k = rng.randint(3, 4)
        if len(pool) < k:
            pool = list(PERSON_CONTINUATION if is_person else COMPANY_CONTINUATION)
            rng.shuffle(pool)
        pages.append([pool.pop() for _ in range(k)])
    pages[-1].append(contact)
    return pages


# The default mix: (category, weight). See make_letter_specs.
LETTER_MIX: list[tuple[str, int]] = [
    ("person_enrolled_id", 8),  # CPR in info or subject, tilmeldt -> leak/enrolled
    ("company_enrolled", 4),  # CVR printed, tilmeldt -> leak/enrolled
    ("person_exempt_id", 3),  # CPR printed, fritaget -> legitimate/exempt
    ("company_unregistered", 3),  # CVR printed, not in register -> leak/company_obliged
    ("person_noid_registered", 4),  # no ID, unique name+address -> by status
    ("person_cpr_unregistered", 2),  # CPR printed, not in register -> review/cpr_not_in_register
    ("person_noid_namesake", 2),  # no ID, namesake elsewhere in register -> review/no_recipient
    ("person_window_cpr", 1),  # CPR in the window block (CPR-loven § 54), in register
]
# make_corpus's mix adds the traps: a registered person written to without an ID
# who has a namesake at another address (found by name+address all the same), and
# a person outside the register whose CPR is one digit off a register entry (must
# not match it; corpus_world adds such people).
CORPUS_MIX: list[tuple[str, int]] = [
    ("person_enrolled_id", 7),
    ("company_enrolled", 4),
    ("person_exempt_id", 3),
    ("company_unregistered", 3),
    ("person_noid_registered", 3),
    ("person_cpr_unregistered", 2),
    ("person_noid_namesake", 2),
    ("person_noid_namesake_registered", 1),  # no ID, registered, namesake elsewhere -> by status
    ("person_cpr_one_off", 2),  # CPR one digit off a register entry -> review
    ("person_window_cpr", 1),
]


def _mix_counts(n: int, mix: Sequence[tuple[str, int]] = LETTER_MIX) -> list[str]:
    """Categories for n letters in the mix's proportions, each at least once if n allows."""
    if n <= len(mix):
        return [name for name, _ in mix[:n]]
    total = sum(w for _, w in mix)
    counts = {name: max(1, round(w * n / total)) for name, w in mix}
    while sum(counts.values()) > n:
        biggest = max(counts, key=lambda k: counts[k])
        counts[biggest] -= 1
    while sum(counts.values()) < n:
        counts[mix[0][0]] += 1
    return [name for name, _ in mix for _ in range(counts[name])]


def _one_digit_off(rng: random.Random, cpr: str, taken: set[str]) -> str:
    """The CPR with one serial digit (8th or 9th) changed: same birth date, century and sex.

    Still a valid CPR by date and century, so only the register can tell the two apart.
    """
    while True:
        index = rng.choice([7, 8])
        digit = rng.choice([d for d in "0123456789" if d != cpr[index]])
        typo = cpr[:index] + digit + cpr[index + 1 :]
        if typo not in taken:
            return typo


def make_letter_specs(
    world: World,
    seed: int,
    n: int,
    page_weights: Sequence[float] | None = None,
    *,
    mix: Sequence[tuple[str, int]] = LETTER_MIX,
    layouts: Sequence[str] = LAYOUTS,
    layout_weights: Sequence[float] = (2, 1, 1),
    fonts: Sequence[str] = (),
) -> list[LetterSpec]:
    """A realistic day's tray of n letters: mostly leaks, some exempt, some for review.

    By default about 15 % of the letters have 2 or 3 pages; `page_weights` (the
    weights of 1, 2, 3, ... pages) draws every letter's length instead. `mix`,
    `layouts` and `fonts` (FONT_FAMILIES keys, drawn evenly; none = each layout's
    own) widen the variety for make_corpus; the defaults give make_tray's letters.
    """
    rng = random.Random(f"letters-{seed}")
    name_counts = Counter(p.name for p in world.persons)
    registered_names = Counter(p.name for p in world.persons if p.status is not None)
    registered_cprs = {p.cpr for p in world.persons if p.status is not None}
    adults = [p for p in world.persons if not _is_child(p.cpr, REFERENCE_DATE)]
    pools: dict[str, list[Person] | list[Company]] = {
        "person_enrolled_id": [p for p in adults if p.status == "tilmeldt"],
        "person_exempt_id": [p for p in adults if p.status == "fritaget"],
        "person_cpr_unregistered": [
            p for p in adults if p.status is None and name_counts[p.name] == 1
        ],
        "person_noid_registered": [
            p for p in adults if p.status is not None and name_counts[p.name] == 1
        ],
        "person_noid_namesake": [
            p for p in adults if p.status is None and registered_names[p.name] >= 1
        ],
        "person_noid_namesake_registered": [
            p for p in adults if p.status is not None and name_counts[p.name] >= 2
        ],
        "person_cpr_one_off": [
            p for p in adults if p.status is None and _one_digit_from(p.cpr, registered_cprs)
        ],
        "person_window_cpr": [p for p in adults if p.status is not None],
        "company_enrolled": [c for c in world.companies if c.status == "tilmeldt"],
        "company_unregistered": [c for c in world.companies if c.status is None],
    }
    for name, _ in mix:
        if not pools.get(name):
            raise ValueError(f"the world has no recipient for {name}")
    queues: dict[str, list[Person | Company]] = {}

    def draw(category: str) -> Person | Company:
        if not queues.get(category):
            queue: list[Person | Company] = list(pools[category])
            rng.shuffle(queue)
            queues[category] = queue
        return queues[category].pop()

    categories = _mix_counts(n, mix)
    rng.shuffle(categories)
    chosen_layouts = list(layouts[: min(n, len(layouts))])
    chosen_layouts += rng.choices(layouts, weights=layout_weights, k=n - len(chosen_layouts))
    rng.shuffle(chosen_layouts)
    # Fonts from their own stream, so that the default letters stay as they were.
    font_rng = random.Random(f"fonts-{seed}")
    chosen_fonts = [fonts[i % len(fonts)] for i in range(n)] if fonts else [""] * n
    font_rng.shuffle(chosen_fonts)
    if page_weights is None:
        n_multi = max(1, round(n * 0.15)) if n >= 4 else 0
        multi = set(rng.sample(range(n), n_multi))
    else:
        sizes = range(1, len(page_weights) + 1)
        lengths = rng.choices(sizes, weights=page_weights, k=n)

    specs: list[LetterSpec] = []
    for i, category in enumerate(categories):
        recipient = draw(category)
        is_person = isinstance(recipient, Person)
        if category == "person_window_cpr":
            placement = "window"
        elif category.startswith("person_noid"):
            placement = "none"
        else:
            placement = "info" if rng.random() < 0.65 else "subject"
        if is_person:
            id_form = rng.choices(CPR_FORMS, weights=[6, 2, 2])[0]
            department = rng.choice(DEPARTMENTS)
            topics = PERSON_TOPICS[department]
        else:
            id_form = rng.choices(CVR_FORMS, weights=[7, 3])[0]
            department = rng.choice(COMPANY_DEPARTMENTS)
            topics = COMPANY_TOPICS[department]
        sender = rng.choice([s for s in world.staff if s.department == department])
        subject, opening = rng.choice(topics)
        if page_weights is None:
            n_pages = rng.choice([2, 3]) if i in multi else 1
        else:
            n_pages = lengths[i]
        if isinstance(recipient, Company):
            attention = recipient.attention
        elif rng.random() < 0.15:
            attention = "c/o " + _random_name(rng, rng.random() < 0.5)
        else:
            attention = None
        salutation = is_person and rng.random() < 0.5
        p_number = _p_number(rng) if not is_person and rng.random() < 0.3 else None
        own_cvr = rng.choices(["none", "letterhead", "footer", "both"], weights=[4, 2, 3, 1])[0]
        pages_text = _body_pages(
            rng, recipient, department, opening, sender, n_pages, salutation, p_number
        )
        specs.append(
            LetterSpec(
                layout=chosen_layouts[i],
                recipient=recipient,
                sender=sender,
                department=department,
                subject=subject,
                id_placement=placement,
                id_form=id_form,
                n_pages=n_pages,
                enclosure=False,
                attention=attention,
                case_number=_case_number(rng),
                letter_date=REFERENCE_DATE,
                own_cvr=own_cvr,
                salutation=salutation,
                p_number=p_number,
                pages_text=pages_text,
                category=category,
                font=chosen_fonts[i],
            )
        )
    return specs


# --------------------------------------------------------------------------- verdict


def _is_child(cpr: str, on: date) -> bool:
    birth = cpr_birth_date(cpr)
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return age < CHILD_AGE_LIMIT


def expected_verdict(spec: LetterSpec) -> tuple[str, str]:
    """(verdict, reason) per domain.md's table, from what the letter shows and the register.

    The recipient is identified by a printed ID (info, subject or window), or
    else by name+address, which the world guarantees to be unique for everyone
    in the register. Namesakes elsewhere never make a match.
    """
    if spec.enclosure:
        # Never a leak (domain.md), but no reason code is agreed for it yet.
        raise NotImplementedError("no reason code for physical enclosures yet")
    r = spec.recipient
    printed = spec.id_placement != "none"
    if isinstance(r, Person):
        identified = printed or r.status is not None
        if identified and _is_child(r.cpr, spec.letter_date):
            return "legitimate", "child_under_15"
        if r.status is None:
            return ("review", "cpr_not_in_register") if printed else ("review", "no_recipient")
    elif r.status is None:
        return ("leak", "company_obliged") if printed else ("review", "no_recipient")
    if r.status == "tilmeldt":
        return "leak", "enrolled"
    if r.status == "fritaget":
        return "legitimate", "exempt"
    raise ValueError(f"unknown status {r.status!r}")


def letter_truth(spec: LetterSpec, file: str, degradation: str) -> LetterTruth:
    verdict, reason = expected_verdict(spec)
    r = spec.recipient
    printed = spec.id_placement != "none"
    kind = "cpr" if isinstance(r, Person) else "cvr"
    digits = r.cpr if isinstance(r, Person) else r.cvr
    known = printed or r.status is not None
    status = r.status
    if status is not None:
        match: str | None = "id" if printed else "name_address"
    else:
        match = None
    return LetterTruth(
        file=file,
        pages=list(range(1, spec.n_pages + 1)),
        recipient_kind=kind if known else None,
        recipient_id=digits if known else None,
        recipient_name=r.name,
        department=spec.department,
        sender=spec.sender.name,
        verdict=verdict,
        reason=reason,
        window_cpr=isinstance(r, Person) and spec.id_placement == "window",
        degradation=degradation,
        layout=spec.layout,
        match=match,
        enrolment=status,
        id_placement=spec.id_placement,
        category=spec.category,
        font=font_family(spec.font) if spec.font else "",
    )


# --------------------------------------------------------------------------- rendering

_FONTS = {
    "classic": ("Helvetica", "Helvetica-Bold"),
    "block": ("Helvetica", "Helvetica-Bold"),
    "compact": ("Times-Roman", "Times-Bold"),
    "modern": ("Helvetica", "Helvetica-Bold"),
}

# Font families a letter may be set in: (regular, bold). The reportlab built-ins are
# always there; DejaVu comes from Debian's fonts-dejavu-core when it is installed,
# else its stand-in is used (and named in the truth), so a corpus never needs it.
FONT_FAMILIES: dict[str, tuple[str, str]] = {
    "helvetica": ("Helvetica", "Helvetica-Bold"),
    "times": ("Times-Roman", "Times-Bold"),
    "courier": ("Courier", "Courier-Bold"),
    "helvetica-oblique": ("Helvetica-Oblique", "Helvetica-BoldOblique"),
    "dejavu-sans": ("DejaVuSans", "DejaVuSans-Bold"),
    "dejavu-serif": ("DejaVuSerif", "DejaVuSerif-Bold"),
}
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT_STAND_INS = {"dejavu-sans": "helvetica-oblique", "dejavu-serif": "times"}
CORPUS_FONTS = ("helvetica", "times", "courier", "dejavu-sans", "dejavu-serif")
# Body text shrinks in steps of this (pt) down to BODY_MIN_SIZE when a wide font
# (Courier) would run the page past BODY_MAX_Y; the default letters always fit.
BODY_SIZE_STEP = 0.5
BODY_MIN_SIZE = 7.5


def font_family(family: str) -> str:
    """The family a letter is really set in: DejaVu's stand-in when its TTF is missing."""
    if family in _FONT_STAND_INS:
        names = FONT_FAMILIES[family]
        if not all((DEJAVU_DIR / f"{name}.ttf").is_file() for name in names):
            return _FONT_STAND_INS[family]
    return family


def _letter_fonts(spec: LetterSpec) -> tuple[str, str]:
    """(regular, bold) reportlab font names for the letter, TTFs registered on first use."""
    if not spec.font:
        return _FONTS[spec.layout]
    family = font_family(spec.font)
    if family not in FONT_FAMILIES:
        raise ValueError(f"unknown font {spec.font!r}; use one of {sorted(FONT_FAMILIES)}")
    names = FONT_FAMILIES[family]
    if family.startswith("dejavu"):
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name in names:
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(DEJAVU_DIR / f"{name}.ttf")))
    return names


def _printed_id(spec: LetterSpec) -> str:
    r = spec.recipient
    if isinstance(r, Person):
        return format_cpr(r.cpr, spec.id_form)
    return format_cvr(r.cvr, spec.id_form)


def _id_label(spec: LetterSpec) -> str:
    """The label before an ID in the info column/block, varying with the layout."""
    if isinstance(spec.recipient, Person):
        return {"classic": "CPR-nr.:", "block": "CPR-nr.", "compact": "Cpr.nr.:",
                "modern": "Personnr."}[spec.layout]
    return {"classic": "CVR-nr.:", "block": "CVR-nr.", "compact": "CVR-nr.:",
            "modern": "CVR"}[spec.layout]


def _body_height(
    paragraphs: list[str], font: str, size: float, leading: float, gap: float,
    closing: bool, enclosure: bool,
) -> float:
    """Millimetres the body takes at this size, with the signature block on the last page."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit

    lines = sum(len(simpleSplit(p, font, size, (BODY_X1 - BODY_X0) * mm)) for p in paragraphs)
    height = lines * leading + gap * len(paragraphs)
    if closing:  # "Med venlig hilsen", a gap, name, title, department (and an enclosure)
        height += 14 + 3 * leading + (4 + leading if enclosure else 0)
    return height


def render_letter_pdf(world: World, spec: LetterSpec, path: Path) -> None:
    """Draw the letter as an A4 PDF with a text layer (reportlab), byte-stable per spec."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    if spec.layout not in ALL_LAYOUTS:
        raise ValueError(f"unknown layout {spec.layout!r}")
    if spec.id_placement not in ID_PLACEMENTS:
        raise ValueError(f"unknown id_placement {spec.id_placement!r}")
    pages_text = spec.pages_text or _body_pages(
        random.Random(f"body-{spec.case_number}-{spec.recipient.name}"),
        spec.recipient,
        spec.department,
        PERSON_TOPICS["Borgerservice"][0][1]
        if isinstance(spec.recipient, Person)
        else COMPANY_TOPICS["Borgerservice"][0][1],
        spec.sender,
        spec.n_pages,
        spec.salutation,
        spec.p_number,
    )
    if len(pages_text) != spec.n_pages:
        raise ValueError("pages_text must have one entry per page")
    regular, bold = _letter_fonts(spec)
    layout = spec.layout
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(f"{world.municipality_name} – {spec.subject}")
    c.setAuthor(world.municipality_name)

    def text(x_mm: float, y_mm: float, s: str, font: str, size: float, align: str = "left") -> None:
        """Draw s with its baseline y_mm from the top; align left/right/center at x_mm."""
        c.setFont(font, size)
        y = (PAGE_H_MM - y_mm) * mm
        if align == "right":
            c.drawRightString(x_mm * mm, y, s)
        elif align == "center":
            c.drawCentredString(x_mm * mm, y, s)
        else:
            c.drawString(x_mm * mm, y, s)

    def width_mm(s: str, font: str, size: float) -> float:
        return c.stringWidth(s, font, size) / mm

    def fit(lines: list[str], font: str, size: float, max_w: float) -> float:
        while size > 6 and max(width_mm(s, font, size) for s in lines) > max_w:
            size -= 0.25
        return size

    own_cvr_line = f"CVR-nr. {world.municipality_cvr}"
    head_cvr = spec.own_cvr in ("letterhead", "both")
    foot_cvr = spec.own_cvr in ("footer", "both")
    phone_line = f"Tlf. {world.municipality_phone}"

    for page_no in range(1, spec.n_pages + 1):
        # ---- letterhead
        if page_no == 1:
            if layout == "classic":
                text(20, 19, world.municipality_name, bold, 18)
                text(20, 25.5, spec.department, regular, 12)
                text(20, 30.5, world.municipality_address, regular, 8)
                extra = f"   ·   {own_cvr_line}" if head_cvr else ""
                text(20, 34.5, f"{phone_line}   ·   {MUNICIPALITY_WEB}{extra}", regular, 8)
            elif layout == "block":
                text(20, 19, world.municipality_name, bold, 16)
                text(20, 25, spec.department, regular, 11)
                right = [MUNICIPALITY_STREET, MUNICIPALITY_POSTTOWN, phone_line]
                if head_cvr:
                    right.append(own_cvr_line)
                for k, s in enumerate(right):
                    text(190, 17 + 4.2 * k, s, regular, 8, "right")
            elif layout == "compact":  # right-aligned letterhead
                text(190, 19, world.municipality_name, bold, 16, "right")
                text(190, 25, spec.department, regular, 11, "right")
                text(190, 30, world.municipality_address, regular, 8, "right")
                extra = f" · {own_cvr_line}" if head_cvr else ""
                text(190, 34, f"{phone_line}{extra}", regular, 8, "right")
            else:  # modern: name and department on one row over a rule, contact below
                text(20, 21, world.municipality_name, bold, 16)
                text(190, 21, spec.department, regular, 11, "right")
                c.setLineWidth(0.6)
                c.line(20 * mm, (PAGE_H_MM - 24.5) * mm, 190 * mm, (PAGE_H_MM - 24.5) * mm)
                extra = f" · {own_cvr_line}" if head_cvr else ""
                text(20, 30, f"{world.municipality_address} · {phone_line}{extra}", regular, 8)
        else:
            small = f"{world.municipality_name} · {spec.department} · Sagsnr. {spec.case_number}"
            if layout == "compact":
                text(190, 15, small, regular, 8, "right")
            else:
                text(20, 15, small, regular, 8)
        if layout == "modern":  # page numbers at the top right, none in the footer
            text(190, 15 if page_no > 1 else 11, f"Side {page_no} af {spec.n_pages}",
                 regular, 8, "right")

        # ---- recipient block, info, subject (page 1 only)
        if page_no == 1:
            r = spec.recipient
            window = [r.name]
            if spec.attention:
                window.append(spec.attention)
            window += [r.street, f"{r.postcode} {r.city}"]
            if spec.id_placement == "window":
                label = "CPR-nr." if isinstance(r, Person) else "CVR-nr."
                window.append(f"{label} {_printed_id(spec)}")
            wsize = fit(
                window, regular, 10.5 if layout == "compact" else 10, WINDOW_ZONE[2] - WINDOW_X - 1
            )
            for k, s in enumerate(window):
                text(WINDOW_X, WINDOW_FIRST_BASELINE + WINDOW_LEADING * k, s, regular, wsize)
            if layout == "modern":  # the sender's return address, small, above the recipient
                back = f"Afs.: {world.municipality_name}, {world.municipality_address}"
                text(WINDOW_X, WINDOW_FIRST_BASELINE - 5.5, back, regular,
                     fit([back], regular, 6.5, WINDOW_ZONE[2] - WINDOW_X - 1))

            s_ = spec.sender
            if layout == "block":
                rows = [
                    ("Dato", _date_da(spec.letter_date)),
                    ("Sagsnr.", spec.case_number),
                    ("Sagsbehandler", s_.name),
                    ("Telefon", s_.phone),
                    ("E-mail", s_.email),
                ]
                if spec.id_placement == "info":
                    rows.append((_id_label(spec), _printed_id(spec)))
                for k, (label, value) in enumerate(rows):
                    y = 96 + 4.6 * k
                    text(50, y, label, bold, 9, "right")
                    text(53, y, value, regular, 9)
                subject_y = 130.0
            elif layout == "modern":
                rows = [
                    ("Dato", _date_da(spec.letter_date)),
                    ("Journalnr.", spec.case_number),
                    ("Kontaktperson", s_.name),
                    ("Direkte tlf.", s_.phone),
                    ("Mail", s_.email),
                ]
                if spec.id_placement == "info":
                    rows.append((_id_label(spec), _printed_id(spec)))
                label_size = fit([r_[0] for r_ in rows], bold, 8.5, 150 - INFO_ZONE_CLASSIC[0])
                value_size = fit([r_[1] for r_ in rows], regular, 8.5, 195 - 153)
                for k, (label, value) in enumerate(rows):
                    y = 54 + 4.3 * k
                    text(150, y, label, bold, label_size, "right")
                    text(153, y, value, regular, value_size)
                subject_y = 112.0
            else:
                info = [
                    f"Dato: {_date_da(spec.letter_date)}",
                    f"Sagsnr.: {spec.case_number}",
                    f"Sagsbehandler: {s_.name}",
                    f"Direkte tlf.: {s_.phone}",
                    f"E-mail: {s_.email}",
                ]
                if spec.id_placement == "info":
                    info.append(f"{_id_label(spec)} {_printed_id(spec)}")
                if layout == "classic":
                    x0, size, step = 125.0, fit(info, regular, 9, 70), 4.6
                    subject_y = 110.0
                else:
                    x0, size, step = 145.0, fit(info, regular, 8.5, 48), 4.0
                    subject_y = 108.0
                for k, s in enumerate(info):
                    text(x0, 54 + step * k, s, regular, size)

            subject_lines = [spec.subject]
            if spec.id_placement == "subject":
                if isinstance(r, Person):
                    subject_lines.insert(0, f"Vedr. {r.name}, cpr.nr. {_printed_id(spec)}")
                else:
                    subject_lines.insert(0, f"Vedr. {r.name}, CVR-nr. {_printed_id(spec)}")
            ssize = fit(subject_lines, bold, 11, BODY_X1 - BODY_X0)
            for k, s in enumerate(subject_lines):
                text(BODY_X0, subject_y + 5.5 * k, s, bold, ssize)
            y = subject_y + 5.5 * (len(subject_lines) - 1) + 10
        else:
            y = 30.0

        # ---- body
        size, leading, gap = (10.5, 4.8, 3.0) if layout == "compact" else (10.0, 4.8, 3.0)
        paragraphs = pages_text[page_no - 1]
        closing = page_no == spec.n_pages
        while size > BODY_MIN_SIZE and y + _body_height(
            paragraphs, regular, size, leading, gap, closing, spec.enclosure
        ) > BODY_MAX_Y:
            size -= BODY_SIZE_STEP
            leading = round(size * 0.48, 2)
        for paragraph in pages_text[page_no - 1]:
            for line in simpleSplit(paragraph, regular, size, (BODY_X1 - BODY_X0) * mm):
                text(BODY_X0, y, line, regular, size)
                y += leading
            y += gap
        if page_no == spec.n_pages:
            y += 2
            text(BODY_X0, y, "Med venlig hilsen", regular, size)
            y += 12
            for s in (
                spec.sender.name,
                spec.sender.title,
                f"{world.municipality_name}, {spec.department}",
            ):
                text(BODY_X0, y, s, regular, size)
                y += leading
            if spec.enclosure:
                y += 4
                item = ENCLOSURES[sum(map(ord, spec.case_number)) % len(ENCLOSURES)]
                text(BODY_X0, y, f"Vedlagt: {item}", regular, size)
                y += leading
        if y > BODY_MAX_Y:
            raise ValueError(f"page {page_no} of the letter overflows ({y:.0f} mm)")

        # ---- footer
        parts = [world.municipality_name, MUNICIPALITY_STREET, MUNICIPALITY_POSTTOWN, phone_line]
        if foot_cvr:
            parts.append(f"CVR {world.municipality_cvr}")
        footer = " · ".join(parts)
        if layout == "block":
            text(20, 284, footer, regular, 7.5)
        elif layout == "modern":
            text(105, 284, " · ".join(parts[:3]), regular, 7.5, "center")
            rest = [phone_line, MUNICIPALITY_WEB] + parts[4:]
            text(105, 288, " · ".join(rest), regular, 7.5, "center")
        else:
            text(105, 284, footer, regular, 7.5, "center")
        if layout != "modern":
            text(190, 290, f"Side {page_no} af {spec.n_pages}", regular, 8, "right")
        c.showPage()
    c.save()


# --------------------------------------------------------------------------- scanning


def render_scan(
    pdf_path: Path,
    out_path: Path,
    dpi: int = SCAN_DPI,
    skew_deg: float = 0.0,
    noise: float = 0.0,
    upside_down: bool = False,
    seed: int = 0,
) -> None:
    """Raster a PDF like a mailroom scanner would, in grayscale, and degrade it.

    skew_deg turns the page counter-clockwise around its centre (OpenCV's sign),
    filling with white; noise is the Gaussian sigma in grey levels and also adds
    a few salt-and-pepper specks; upside_down turns every page 180 degrees.
    The output format follows the suffix: .png and .jpg hold one page, .tif and
    .pdf (image only, no text layer) hold all pages.
    """
    import cv2
    import pypdfium2 as pdfium
    from PIL import Image

    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    rng = np.random.default_rng(seed)
    images: list[Image.Image] = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            pil = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            arr: np.ndarray = np.asarray(pil, dtype=np.uint8)
            if upside_down:
                arr = np.ascontiguousarray(arr[::-1, ::-1])
            if skew_deg:
                h, w = arr.shape
                matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
                arr = cv2.warpAffine(
                    arr,
                    matrix,
                    (w, h),
                    flags=cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT,
                    borderValue=255,
                )
            if noise > 0:
                arr = _add_noise(arr, noise, rng)
            images.append(Image.fromarray(arr, mode="L"))
    finally:
        pdf.close()
    if not images:
        raise ValueError(f"{pdf_path} has no pages")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".png", ".jpg", ".jpeg"):
        if len(images) > 1:
            raise ValueError(f"{suffix} holds one page; this letter has {len(images)}")
        if suffix == ".png":
            images[0].save(out_path, dpi=(dpi, dpi))
        else:
            images[0].save(out_path, quality=JPEG_QUALITY, dpi=(dpi, dpi))
    elif suffix in (".tif", ".tiff"):
        images[0].save(
            out_path,
            save_all=True,
            append_images=images[1:],
            compression="tiff_deflate",
            dpi=(dpi, dpi),
        )
    elif suffix == ".pdf":
        images[0].save(out_path, save_all=True, append_images=images[1:], resolution=float(dpi))
    else:
        raise ValueError(f"unsupported scan format {suffix!r}")


def _add_noise(arr: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Paper grey, Gaussian sensor noise and a few dust specks."""
    h, w = arr.shape
    out = arr.astype(np.float32) * 0.94 + 6.0  # white paper scans at ~245, black at ~6
    out += rng.normal(0.0, sigma, size=arr.shape).astype(np.float32)
    n_specks = 150
    ys = rng.integers(0, h - 3, n_specks)
    xs = rng.integers(0, w - 3, n_specks)
    sizes = rng.integers(1, 4, n_specks)
    dark = rng.random(n_specks) < 0.7
    for y, x, s, d in zip(ys, xs, sizes, dark, strict=True):
        out[y : y + s, x : x + s] = 20.0 if d else 255.0
    return np.clip(out, 0, 255).astype(np.uint8)


def scan_degradation(dpi: int, skew_deg: float, noise: float, upside_down: bool) -> str:
    label = f"scan{dpi}-skew{skew_deg:.1f}"
    if noise > 0:
        label += "-noise"
    if upside_down:
        label += "-upside-down"
    return label


# --------------------------------------------------------------------------- tray


def make_tray(
    out_dir: Path,
    seed: int,
    n_letters: int,
    scanned_share: float = 0.5,
    world: World | None = None,
    dpi: int = SCAN_DPI,
) -> list[LetterTruth]:
    """A day's out-tray: one letter per file under out_dir/tray/, plus registers and truth.

    Writes out_dir/tray/brev-NNN.{pdf,png,tif,jpg}, out_dir/registers/enrolment.csv,
    out_dir/registers/staff.csv and out_dir/truth.json (a list of LetterTruth dicts).
    Text-layer letters are PDFs; scans are mixed among .png, .tif, .jpg and image-only
    .pdf (multi-page letters only as .tif or .pdf). Registers already there must be the
    same world's; truth.json keeps the entries of other files (make_batch's batches).
    """
    out_dir = Path(out_dir)
    tray = out_dir / TRAY_DIR
    tray.mkdir(parents=True, exist_ok=True)
    if world is None:
        world = make_world(seed)
    _ensure_registers(world, out_dir / "registers")
    specs = make_letter_specs(world, seed, n_letters)
    rng = random.Random(f"tray-{seed}")
    n_scanned = round(n_letters * scanned_share)
    scanned = sorted(rng.sample(range(n_letters), n_scanned))
    n_upside = round(n_scanned * UPSIDE_DOWN_SHARE)
    if n_scanned >= 3:
        n_upside = max(1, n_upside)
    upside = set(rng.sample(scanned, n_upside))
    formats = [".png", ".tif", ".jpg", ".pdf"]
    rng.shuffle(formats)
    truths: list[LetterTruth] = []
    with tempfile.TemporaryDirectory(prefix="postbakke-samples-") as tmp:
        k = 0
        for i, spec in enumerate(specs):
            stem = f"brev-{i + 1:03d}"
            if i not in scanned:
                name = f"{stem}.pdf"
                render_letter_pdf(world, spec, tray / name)
                truths.append(letter_truth(spec, name, "text"))
                continue
            suffix = formats[k % len(formats)]
            k += 1
            if spec.n_pages > 1 and suffix in (".png", ".jpg"):
                suffix = ".tif" if suffix == ".png" else ".pdf"
            source = Path(tmp) / f"{stem}.pdf"
            render_letter_pdf(world, spec, source)
            skew = round(rng.uniform(-SCAN_MAX_SKEW_DEG, SCAN_MAX_SKEW_DEG), 2)
            is_upside = i in upside
            name = f"{stem}{suffix}"
            render_scan(
                source,
                tray / name,
                dpi=dpi,
                skew_deg=skew,
                noise=SCAN_NOISE_SIGMA,
                upside_down=is_upside,
                seed=seed * 1000 + i,
            )
            degradation = scan_degradation(dpi, skew, SCAN_NOISE_SIGMA, is_upside)
            truths.append(letter_truth(spec, name, degradation))
    _merge_truth(out_dir / "truth.json", truths)
    return truths


# --------------------------------------------------------------------------- batches
#
# A mailroom puts a whole tray through the office scanner at once: one file with
# many letters, separator sheets between some, blank back pages where the
# scanner ran duplex, every sheet skewed on its own, some letters upside down.

SEPARATOR_TEXT = "PATCHT"  # what Paperless-ngx and capture software read as patch code T
SEPARATOR_CAPTION = "PATCH T - skilleark"
SEPARATOR_KINDS = ("code128", "qr")
SEPARATOR_MAX_SKEW_DEG = 1.0  # separator sheets are often card; they go through straighter
BATCH_FORMATS = (".pdf", ".tif", ".tiff")
BATCH_FILE = "batch.json"  # next to truth.json: every page of every batch file with its role
# Letters of 1, 2, 3 pages (more when max_pages allows): most 1, some 2, a few 3;
# 40 letters give ~60 content pages.
BATCH_PAGE_WEIGHTS = (60.0, 28.0, 12.0)
BATCH_LONGER_WEIGHT = 4.0
# The batch is stored as JPEG (in the PDF or the TIFF), as office scanners do.
# Pure sensor noise of sigma 8 costs ~1.3 MB a page at quality 75; a scanner's
# own processing smooths the grain first (Gaussian, 1 px at 300 dpi: left-over
# paper noise ~2 grey levels) and at quality 60 a page costs ~0.2-0.4 MB.
BATCH_JPEG_QUALITY = 60
SCANNER_SMOOTHING_PX_AT_300_DPI = 1.0
SPECKS_PER_PAGE = 150  # dust, 0.1-0.25 mm: far below a character
BLANK_SHADOW_SHARE = 0.5  # blank backs with a faint shadow along one edge of the sheet
BLANK_SHADOW_MAX_DEPTH = 45.0  # grey levels below the paper: stays far lighter than ink


def render_separator_sheet(path: Path, kind: str = "code128") -> None:
    """An A4 separator sheet: a large barcode reading PATCHT and a small caption, nothing else."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.code128 import Code128
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    if kind not in SEPARATOR_KINDS:
        raise ValueError(f"unknown separator kind {kind!r}; use one of {SEPARATOR_KINDS}")
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(SEPARATOR_CAPTION)
    centre_x = PAGE_W_MM / 2 * mm
    if kind == "code128":
        barcode = Code128(
            SEPARATOR_TEXT, barWidth=1.1 * mm, barHeight=60 * mm, quiet=True, humanReadable=False
        )
        bottom = (PAGE_H_MM - 150.0) * mm  # bars from 90 to 150 mm from the top
        barcode.drawOn(c, centre_x - barcode.width / 2, bottom)
    else:
        widget = QrCodeWidget(SEPARATOR_TEXT, barBorder=4, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        size = 90 * mm  # with its quiet zone: 29 modules of ~3.1 mm
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        bottom = (PAGE_H_MM - 165.0) * mm  # 75 to 165 mm from the top
        renderPDF.draw(drawing, c, centre_x - size / 2, bottom)
    c.setFont("Helvetica", 10)
    c.drawCentredString(centre_x, bottom - 10 * mm, SEPARATOR_CAPTION)
    c.showPage()
    c.save()


class _ScannerNoise:
    """Sensor noise after the scanner's smoothing, for every page of a batch.

    Drawing and smoothing fresh noise for each page took ~0.1 s of numpy work a
    page; one field a little larger than the page, cut at a new offset and
    flipped at random per page, costs one add.
    """

    MARGIN_PX = 128

    def __init__(self, shape: tuple[int, int], sigma: float, dpi: int, rng: np.random.Generator):
        import cv2

        h, w = shape
        raw = rng.standard_normal((h + self.MARGIN_PX, w + self.MARGIN_PX), dtype=np.float32)
        raw *= np.float32(sigma)
        field = cv2.GaussianBlur(raw, (0, 0), SCANNER_SMOOTHING_PX_AT_300_DPI * dpi / 300)
        self.field = np.rint(field).astype(np.int16)

    def cut(self, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        h, w = shape
        dy, dx = (int(v) for v in rng.integers(0, self.MARGIN_PX + 1, 2))
        piece = self.field[dy : dy + h, dx : dx + w]
        if piece.shape != (h, w):
            raise ValueError(f"page {shape} larger than the noise field")
        flip_y, flip_x = rng.random(2) < 0.5
        return piece[:: -1 if flip_y else 1, :: -1 if flip_x else 1]


# 0..255 -> paper grey: white paper scans at ~245, black at ~6 (as render_scan's _add_noise)
_PAPER_LUT = np.clip(np.arange(256) * 0.94 + 6.0, 0, 255).round().astype(np.uint8)


def _degrade_page(
    clean: np.ndarray,
    *,
    dpi: int,
    skew_deg: float,
    upside_down: bool,
    noise: _ScannerNoise | None,
    rng: np.random.Generator,
    shadow: tuple[str, float, float] | None = None,
) -> np.ndarray:
    """One sheet through the feeder: turned, skewed, smoothed, paper grey, noise, dust specks.

    shadow (edge, width in mm, depth in grey levels) darkens one edge of a blank sheet.
    """
    import cv2

    arr = clean
    if upside_down:
        arr = arr[::-1, ::-1]
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape
    if skew_deg and arr.min() < 255:  # turning a white page changes nothing
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
        arr = cv2.warpAffine(
            arr,
            matrix,
            (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
    if noise is not None:  # the optics and the scanner's processing soften the print a little
        arr = cv2.GaussianBlur(arr, (0, 0), SCANNER_SMOOTHING_PX_AT_300_DPI * dpi / 300)
    out = cv2.LUT(arr, _PAPER_LUT).astype(np.int16)
    if shadow is not None:
        edge, width_mm, depth = shadow
        n = max(2, round(width_mm / 25.4 * dpi))
        ramp = np.rint(depth * np.linspace(1.0, 0.0, n) ** 2).astype(np.int16)
        if edge == "top":
            out[:n, :] -= ramp[:, None]
        elif edge == "bottom":
            out[-n:, :] -= ramp[::-1, None]
        elif edge == "left":
            out[:, :n] -= ramp[None, :]
        else:
            out[:, -n:] -= ramp[None, ::-1]
    if noise is not None:
        out += noise.cut((h, w), rng)
        ys = rng.integers(0, h - 3, SPECKS_PER_PAGE)
        xs = rng.integers(0, w - 3, SPECKS_PER_PAGE)
        # dust is 0.1-0.25 mm whatever the dpi: 1-3 px at 300 dpi
        sizes = np.maximum(1, np.rint(rng.integers(1, 4, SPECKS_PER_PAGE) * dpi / 300))
        dark = rng.random(SPECKS_PER_PAGE) < 0.7
        for y, x, s, d in zip(ys, xs, sizes.astype(int), dark, strict=True):
            out[y : y + s, x : x + s] = 20 if d else 255
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def _jpeg_bytes(arr: np.ndarray, dpi: int, quality: int = BATCH_JPEG_QUALITY) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(arr, mode="L").save(
        buffer, "JPEG", quality=quality, optimize=True, dpi=(dpi, dpi)
    )
    return buffer.getvalue()


class _JpegPdfWriter:
    """An image-only PDF written page by page: one grey JPEG per page, nothing kept in memory.

    Byte-stable (no dates, no IDs), so a seed gives the same file every time.
    """

    def __init__(self, path: Path, dpi: int) -> None:
        self.dpi = dpi
        self.file = Path(path).open("wb")
        self.offsets: dict[int, int] = {}
        self.pages: list[int] = []
        self.file.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R >>")

    def _object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.file.tell()
        self.file.write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self.file.write(b"\nstream\n" + stream + b"\nendstream")
        self.file.write(b"\nendobj\n")

    def add(self, arr: np.ndarray, quality: int = BATCH_JPEG_QUALITY) -> None:
        h, w = arr.shape
        image = 3 + 3 * len(self.pages)
        content, page = image + 1, image + 2
        jpeg = _jpeg_bytes(arr, self.dpi, quality)
        self._object(
            image,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>" % (w, h, len(jpeg)),
            jpeg,
        )
        width_pt, height_pt = w * 72 / self.dpi, h * 72 / self.dpi
        draw = f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Im0 Do Q".encode()
        self._object(content, b"<< /Length %d >>" % len(draw), draw)
        self._object(
            page,
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt:.2f} {height_pt:.2f}] "
            f"/Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>".encode(),
        )
        self.pages.append(page)

    def close(self) -> None:
        kids = " ".join(f"{p} 0 R" for p in self.pages)
        self._object(2, f"<< /Type /Pages /Kids [{kids}] /Count {len(self.pages)} >>".encode())
        xref = self.file.tell()
        size = max(self.offsets) + 1
        self.file.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            self.file.write(b"%010d 00000 n \n" % self.offsets[number])
        self.file.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % size)
        self.file.write(b"startxref\n%d\n%%%%EOF\n" % xref)
        self.file.close()


class _JpegTiffWriter:
    """A multi-page grey TIFF with JPEG compression, appended page by page."""

    def __init__(self, path: Path, dpi: int) -> None:
        from PIL import TiffImagePlugin

        self.dpi = dpi
        self.file = Path(path).open("w+b")
        self.tiff = TiffImagePlugin.AppendingTiffWriter(self.file, True)

    def add(self, arr: np.ndarray, quality: int = BATCH_JPEG_QUALITY) -> None:
        from PIL import Image

        Image.fromarray(arr, mode="L").save(
            self.tiff,
            format="TIFF",
            compression="jpeg",
            quality=quality,
            dpi=(self.dpi, self.dpi),
        )
        self.tiff.newFrame()

    def close(self) -> None:
        self.tiff.close()
        self.file.close()


@dataclass
class _BatchPage:
    role: str  # "letter:<i>", "blank" or "separator"
    skew: float = 0.0
    upside_down: bool = False
    letter_page: int | None = None  # 1-based page within the letter, for its content pages
    shadow: tuple[str, float, float] | None = None  # blank: (edge, width mm, depth grey levels)


def batch_degradation(
    dpi: int, skew_deg: float, noise: float, upside_down: bool, blank_backs: bool
) -> str:
    """E.g. "batch300-skew1.2-noise-duplex-upside-down"; the skew is the first page's."""
    label = f"batch{dpi}-skew{skew_deg:.1f}"
    if noise > 0:
        label += "-noise"
    if blank_backs:
        label += "-duplex"
    if upside_down:
        label += "-upside-down"
    return label


def _render_pages(pdf_path: Path, dpi: int) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            pil = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            pages.append(np.asarray(pil, dtype=np.uint8))
        return pages
    finally:
        pdf.close()


def make_batch(
    out_dir: Path,
    seed: int,
    n_letters: int,
    *,
    world: World | None = None,
    separator_share: float = 0.5,
    blank_back_share: float = 0.5,
    fmt: str = ".pdf",
    dpi: int = SCAN_DPI,
    max_pages: int = 3,
    skew_max_deg: float = SCAN_MAX_SKEW_DEG,
    noise: float = SCAN_NOISE_SIGMA,
    upside_down_share: float = 0.1,
    name: str = "bakke-001",
    separator_kind: str = "code128",
) -> list[LetterTruth]:
    """A whole tray scanned at once: one file out_dir/tray/<name><fmt> holding n letters.

    Letters of 1..max_pages pages in the default mix. A `separator_share` part of
    the boundaries between letters gets a PATCHT separator sheet; a
    `blank_back_share` part of the letters went through duplex, every page
    followed by its blank back; an `upside_down_share` part went in upside down
    (all its pages). Every sheet has its own skew within +-skew_max_deg.
    fmt ".pdf" is an image-only PDF, ".tif" a multi-page TIFF, both grey JPEG.

    Also writes the registers (if absent; the same world may write them again),
    and adds the letters to out_dir/truth.json and the file's page roles to
    out_dir/batch.json, replacing earlier entries for the same file only, so
    several batches and make_tray's single files can share one tray.
    LetterTruth.pages are the letter's content pages, numbered within the file.
    """
    fmt = fmt.lower()
    if fmt not in BATCH_FORMATS:
        raise ValueError(f"unsupported batch format {fmt!r}; use one of {BATCH_FORMATS}")
    if separator_kind not in SEPARATOR_KINDS:
        raise ValueError(f"unknown separator kind {separator_kind!r}")
    if n_letters < 1 or max_pages < 1:
        raise ValueError("a batch needs at least one letter of at least one page")
    for share in (separator_share, blank_back_share, upside_down_share):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"a share must lie in 0..1, not {share}")
    out_dir = Path(out_dir)
    tray = out_dir / TRAY_DIR
    tray.mkdir(parents=True, exist_ok=True)
    if world is None:
        world = make_world(seed)
    _ensure_registers(world, out_dir / "registers")
    weights = list(BATCH_PAGE_WEIGHTS[:max_pages])
    weights += [BATCH_LONGER_WEIGHT] * (max_pages - len(weights))
    specs = make_letter_specs(world, seed, n_letters, page_weights=weights)

    # ---- the plan: which sheet goes where, drawn before any rendering
    rng = random.Random(f"batch-{seed}-{name}")
    boundaries = list(range(1, n_letters))
    separated = set(rng.sample(boundaries, round(len(boundaries) * separator_share)))
    duplex = set(rng.sample(range(n_letters), round(n_letters * blank_back_share)))
    upside = set(rng.sample(range(n_letters), round(n_letters * upside_down_share)))
    sep_skew = min(SEPARATOR_MAX_SKEW_DEG, skew_max_deg)

    def skew(limit: float) -> float:
        return round(rng.uniform(-limit, limit), 2)

    plan: list[_BatchPage] = []
    letter_pages: list[list[int]] = []
    for i, spec in enumerate(specs):
        if i in separated:
            turned = rng.random() < upside_down_share
            plan.append(_BatchPage("separator", skew(sep_skew), turned))
        numbers = []
        for k in range(1, spec.n_pages + 1):
            plan.append(_BatchPage(f"letter:{i}", skew(skew_max_deg), i in upside, k))
            numbers.append(len(plan))
            if i in duplex:
                shadow = None
                if rng.random() < BLANK_SHADOW_SHARE:
                    edge = rng.choice(["top", "bottom", "left", "right"])
                    depth = round(rng.uniform(15.0, BLANK_SHADOW_MAX_DEPTH), 1)
                    shadow = (edge, round(rng.uniform(0.5, 2.5), 2), depth)
                plan.append(_BatchPage("blank", plan[-1].skew, i in upside, shadow=shadow))
        letter_pages.append(numbers)

    # ---- the scan, page by page
    file_name = f"{name}{fmt}"
    noise_rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    writer_cls = _JpegPdfWriter if fmt == ".pdf" else _JpegTiffWriter
    with tempfile.TemporaryDirectory(prefix="postbakke-batch-") as tmp:
        separator_pdf = Path(tmp) / "skilleark.pdf"
        render_separator_sheet(separator_pdf, separator_kind)
        separator = _render_pages(separator_pdf, dpi)[0]
        white = np.full_like(separator, 255)
        field = _ScannerNoise(separator.shape, noise, dpi, noise_rng) if noise > 0 else None
        writer = writer_cls(tray / file_name, dpi)
        try:
            rendered: tuple[int, list[np.ndarray]] | None = None
            for entry in plan:
                if entry.role == "separator":
                    clean = separator
                elif entry.role == "blank":
                    clean = white
                else:
                    index = int(entry.role.split(":")[1])
                    if rendered is None or rendered[0] != index:
                        source = Path(tmp) / f"brev-{index + 1:03d}.pdf"
                        render_letter_pdf(world, specs[index], source)
                        rendered = (index, _render_pages(source, dpi))
                    clean = rendered[1][(entry.letter_page or 1) - 1]
                writer.add(
                    _degrade_page(
                        clean,
                        dpi=dpi,
                        skew_deg=entry.skew,
                        upside_down=entry.upside_down,
                        noise=field,
                        rng=noise_rng,
                        shadow=entry.shadow,
                    )
                )
        finally:
            writer.close()

    truths: list[LetterTruth] = []
    for i, spec in enumerate(specs):
        first = plan[letter_pages[i][0] - 1]
        label = batch_degradation(dpi, first.skew, noise, i in upside, i in duplex)
        truth = letter_truth(spec, file_name, label)
        truth.pages = letter_pages[i]
        truth.separator_before = i in separated
        truth.blank_backs = i in duplex
        truths.append(truth)
    record = {
        "file": file_name,
        "dpi": dpi,
        "separator_kind": separator_kind,
        "n_pages": len(plan),
        "pages": [
            {"page": number, **asdict(entry)} for number, entry in enumerate(plan, start=1)
        ],
    }
    _merge_json_dict(out_dir / BATCH_FILE, {file_name: record})
    _merge_truth(out_dir / "truth.json", truths)
    return truths


# --------------------------------------------------------------------------- corpus
#
# The evaluation corpus (issue 4): letters in four layouts and several fonts, every
# written form of CPR and CVR, the traps (no ID, namesakes, a CPR one digit off),
# and scans of graded badness. Text-layer letters and single-file scans sit next to
# tray batches in one tray folder; truth.json says what every letter is and what
# was done to its scan.

TEXT_LEVEL = "text"  # a PDF with a text layer: no scan at all
DEGRADATION_LEVELS = ("clean", "mild", "medium", "harsh")


@dataclass(frozen=True)
class LevelSpec:
    """How hard the scanner is on a letter; each letter draws its own values within these."""

    skew_deg: tuple[float, float]  # |skew| of each sheet, degrees
    noise_sigma: float  # Gaussian sensor noise, grey levels (before the scanner's smoothing)
    salt_pepper: float  # share of pixels flipped to black or white
    blur_px_at_300: tuple[float, float]  # extra optical blur (Gaussian sigma at 300 dpi)
    jpeg_quality: int  # of the stored scan (lower: more block artefacts)
    low_contrast_share: float  # grey print on grey paper
    dark_edge_share: float  # sheet off-centre on a black scanner lid: dark bands and corners
    mark_share: float  # a rubber stamp or pen strokes near the text
    upside_down_share: float  # the whole letter fed in upside down


# Chosen so that "clean" is an office MFP on good paper, "harsh" the worst the
# issue names (skew up to 3 degrees, blur, strong noise, heavy JPEG, faint grey
# print on grey paper); each step roughly doubles noise and artefacts.
LEVEL_SPECS: dict[str, LevelSpec] = {
    "clean": LevelSpec((0.0, 0.5), 3.0, 0.0, (0.0, 0.0), 80, 0.0, 0.0, 0.0, 0.0),
    "mild": LevelSpec((0.2, 1.5), 6.0, 0.0, (0.0, 0.5), 60, 0.0, 0.25, 0.2, 0.1),
    "medium": LevelSpec((0.8, 2.5), 10.0, 0.0005, (0.5, 0.9), 45, 0.35, 0.5, 0.45, 0.15),
    "harsh": LevelSpec((1.5, 3.0), 14.0, 0.0015, (0.8, 1.3), 30, 0.65, 0.7, 0.75, 0.2),
}
LOW_CONTRAST_INK = (70, 100)  # grey level of black print on a faint copy
LOW_CONTRAST_PAPER = (190, 215)  # ...and of its paper
DARK_EDGE_SHIFT_MM = ((1.5, 5.0), (1.0, 4.0))  # |dx|, |dy|: the footer must stay on the sheet
DARK_EDGE_GREY = (25, 70)  # the scanner's lid seen beside the sheet
STAMP_TEXTS = ("MODTAGET", "KOPI", "SCANNET", "BESVARET", "JOURNALISERET")
# Stamp centres (mm) near the text but off the window and the info column's ID rows.
STAMP_SPOTS = ((160.0, 32.0), (150.0, 124.0), (140.0, 250.0))
SUBJECT_Y_MM = {"classic": 110.0, "block": 130.0, "compact": 108.0, "modern": 112.0}
CORPUS_FORMATS = (".pdf", ".tif", ".jpg", ".png")  # single scanned letters
CORPUS_FORMAT_WEIGHTS = (4, 2, 3, 1)
PNG_MAX_DPI = 200  # a lossless noisy page at 300 dpi is ~6 MB; at 200 dpi ~2.5 MB


@dataclass
class _ScanPlan:
    """Everything drawn for one letter's scan, before any pixel is touched."""

    level: str
    dpi: int
    skews: list[float]  # per content page
    upside_down: bool
    noise_sigma: float
    salt_pepper: float
    blur_px_at_300: float
    jpeg_quality: int | None  # None: stored lossless (PNG)
    contrast: tuple[int, int] | None  # (ink, paper) grey levels of a faint copy
    dark_edges: tuple[float, float, int] | None  # sheet shift dx, dy (mm) and lid grey
    marks: list[dict[str, Any]] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "dpi": self.dpi,
            "skew_deg": self.skews,
            "upside_down": self.upside_down,
            "noise_sigma": self.noise_sigma,
            "salt_pepper": self.salt_pepper,
            "blur_px_at_300": self.blur_px_at_300,
            "jpeg_quality": self.jpeg_quality,
            "low_contrast": None if self.contrast is None else list(self.contrast),
            "dark_edges": None if self.dark_edges is None else list(self.dark_edges),
            "marks": [m["kind"] for m in self.marks],
        }

    def label(self) -> str:
        """E.g. "harsh-300dpi-skew2.7-noise14-sp-blur1.1-jpeg30-lowcontrast-edges-stamp"."""
        parts = [self.level, f"{self.dpi}dpi", f"skew{max(abs(a) for a in self.skews):.1f}",
                 f"noise{self.noise_sigma:g}"]
        if self.salt_pepper:
            parts.append("sp")
        if self.blur_px_at_300:
            parts.append(f"blur{self.blur_px_at_300:.1f}")
        if self.jpeg_quality is not None:
            parts.append(f"jpeg{self.jpeg_quality}")
        if self.contrast:
            parts.append("lowcontrast")
        if self.dark_edges:
            parts.append("edges")
        parts += sorted({m["kind"] for m in self.marks})
        if self.upside_down:
            parts.append("upside-down")
        return "-".join(parts)


def _plan_scan(
    rng: random.Random, level: str, dpi: int, spec: LetterSpec, upside_down: bool,
    jpeg: bool = True,
) -> _ScanPlan:
    ls = LEVEL_SPECS[level]

    def skew() -> float:
        return round(rng.uniform(*ls.skew_deg) * rng.choice([-1, 1]), 2)

    contrast = None
    if rng.random() < ls.low_contrast_share:
        contrast = (rng.randint(*LOW_CONTRAST_INK), rng.randint(*LOW_CONTRAST_PAPER))
    edges = None
    if rng.random() < ls.dark_edge_share:
        (dx0, dx1), (dy0, dy1) = DARK_EDGE_SHIFT_MM
        edges = (
            round(rng.uniform(dx0, dx1) * rng.choice([-1, 1]), 1),
            round(rng.uniform(dy0, dy1) * rng.choice([-1, 1]), 1),
            rng.randint(*DARK_EDGE_GREY),
        )
    marks: list[dict[str, Any]] = []
    if rng.random() < ls.mark_share:
        kind = rng.choice(["stamp", "pen"])
        if kind == "stamp":
            x, y = rng.choice(STAMP_SPOTS)
            marks.append({
                "kind": "stamp", "page": 1, "text": rng.choice(STAMP_TEXTS),
                "x": x + rng.uniform(-8, 8), "y": y + rng.uniform(-4, 4),
                "angle": rng.uniform(-15, 15), "grey": rng.randint(100, 150),
            })
        else:
            stroke = rng.choice(["underline", "tick", "initials"])
            page = spec.n_pages if stroke == "initials" else 1
            marks.append({
                "kind": "pen", "stroke": stroke, "page": page, "seed": rng.randrange(1 << 30),
                "subject_y": SUBJECT_Y_MM.get(spec.layout, 110.0),
                "grey": rng.randint(40, 90),
            })
    return _ScanPlan(
        level=level,
        dpi=dpi,
        skews=[skew() for _ in range(spec.n_pages)],
        upside_down=upside_down,
        noise_sigma=ls.noise_sigma,
        salt_pepper=ls.salt_pepper,
        blur_px_at_300=round(rng.uniform(*ls.blur_px_at_300), 2),
        jpeg_quality=ls.jpeg_quality if jpeg else None,
        contrast=contrast,
        dark_edges=edges,
        marks=marks,
    )


def _draw_stamp(arr: np.ndarray, mark: dict[str, Any], dpi: int) -> None:
    """A rectangular rubber stamp, two lines, turned, in mid-grey ink multiplied onto the page."""
    import cv2

    px = dpi / 25.4
    font = cv2.FONT_HERSHEY_DUPLEX
    lines = [mark["text"], "25 NOV 2026"]
    scale = 4.0 * px / cv2.getTextSize("M", font, 1.0, 1)[0][1]  # capitals 4 mm high
    thick = max(1, round(0.5 * px))
    sizes = [cv2.getTextSize(t, font, scale, thick)[0] for t in lines]
    pad = round(2.5 * px)
    w = max(s[0] for s in sizes) + 2 * pad
    h = sum(s[1] for s in sizes) + 3 * pad
    layer: np.ndarray = np.full((h + 2 * pad, w + 2 * pad), 255, np.uint8)
    cv2.rectangle(layer, (pad, pad), (pad + w, pad + h), 0, thick, cv2.LINE_AA)
    y = 2 * pad
    for text, (tw, th) in zip(lines, sizes, strict=True):
        y += th
        cv2.putText(layer, text, (pad + (w - tw) // 2, y), font, scale, 0, thick, cv2.LINE_AA)
        y += pad
    lh, lw = layer.shape
    matrix = cv2.getRotationMatrix2D((lw / 2, lh / 2), mark["angle"], 1.0)
    layer = cv2.warpAffine(layer, matrix, (lw, lh), borderValue=255)
    _multiply(arr, layer, round(mark["x"] * px - lw / 2), round(mark["y"] * px - lh / 2),
              mark["grey"])


def _draw_pen(arr: np.ndarray, mark: dict[str, Any], dpi: int) -> None:
    """A pen stroke near the text: the subject underlined, a tick in the margin, initials."""
    import cv2

    px = dpi / 25.4
    rng = np.random.default_rng(mark["seed"])
    stroke = mark["stroke"]
    if stroke == "underline":
        y = mark["subject_y"] + 1.8
        x0 = 19.0
        x1 = x0 + rng.uniform(50, 120)
        xs = np.linspace(x0, x1, 40)
        ys = y + 0.6 * np.sin(np.linspace(0, rng.uniform(2, 6), 40)) + rng.normal(0, 0.1, 40)
    elif stroke == "tick":
        x, y = rng.uniform(8, 14), rng.uniform(140, 230)
        xs = np.array([x, x + 2.0, x + 7.0])
        ys = np.array([y, y + 3.0, y - 5.0])
    else:  # initials and a date scribbled near the signature
        x, y = rng.uniform(110, 160), rng.uniform(225, 262)
        t = np.linspace(0, 1, 60)
        xs = x + 28 * t
        ys = y + 3.0 * np.sin(t * rng.uniform(12, 20)) * np.exp(-t) + rng.normal(0, 0.15, 60)
    points = np.stack([xs * px, ys * px], axis=1).round().astype(np.int32)
    layer = np.full_like(arr, 255)
    cv2.polylines(layer, [points], False, 0, max(1, round(0.5 * px)), cv2.LINE_AA)
    _multiply(arr, layer, 0, 0, mark["grey"])


def _multiply(arr: np.ndarray, layer: np.ndarray, x: int, y: int, ink: int) -> None:
    """Print `layer` (0 = ink) onto arr at (x, y) in an ink of grey level `ink`, clipped."""
    h, w = arr.shape
    lh, lw = layer.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + lw), min(h, y + lh)
    if x0 >= x1 or y0 >= y1:
        return
    piece = layer[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32) / 255.0
    tint = piece + (1.0 - piece) * (ink / 255.0)  # 1 where no ink, ink/255 under the stamp
    region = arr[y0:y1, x0:x1].astype(np.float32) * tint
    arr[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)


class _NoiseFields:
    """One smoothed sensor-noise field per (page size, sigma), cut anew for every page."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.fields: dict[tuple[tuple[int, int], float, int], _ScannerNoise] = {}

    def cut(self, shape: tuple[int, int], sigma: float, dpi: int) -> np.ndarray:
        key = (shape, sigma, dpi)
        if key not in self.fields:
            self.fields[key] = _ScannerNoise(shape, sigma, dpi, self.rng)
        return self.fields[key].cut(shape, self.rng)


def _scan_sheet(
    clean: np.ndarray, plan: _ScanPlan, skew_deg: float, noise: _NoiseFields,
    rng: np.random.Generator, marks: Sequence[dict[str, Any]] = (),
) -> np.ndarray:
    """One sheet through the feeder at plan.dpi: marks, turn, skew, blur, grey, noise."""
    import cv2

    dpi = plan.dpi
    arr: np.ndarray = np.array(clean, dtype=np.uint8, copy=True)
    blank = arr.min() == 255
    for mark in marks:
        (_draw_stamp if mark["kind"] == "stamp" else _draw_pen)(arr, mark, dpi)
    if plan.upside_down:
        arr = np.ascontiguousarray(arr[::-1, ::-1])
    h, w = arr.shape
    outside = None
    if skew_deg or plan.dark_edges:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
        if plan.dark_edges:
            matrix[0, 2] += plan.dark_edges[0] * dpi / 25.4
            matrix[1, 2] += plan.dark_edges[1] * dpi / 25.4
        if not blank:
            arr = cv2.warpAffine(arr, matrix, (w, h), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=255)
        if plan.dark_edges:
            sheet = cv2.warpAffine(np.full((h, w), 255, np.uint8), matrix, (w, h),
                                   flags=cv2.INTER_LINEAR, borderValue=0)
            outside = sheet < 128
    smoothing = SCANNER_SMOOTHING_PX_AT_300_DPI + plan.blur_px_at_300
    arr = cv2.GaussianBlur(arr, (0, 0), smoothing * dpi / 300)
    if plan.contrast:
        ink, paper = plan.contrast
        lut = np.clip(ink + np.arange(256) * (paper - ink) / 255.0, 0, 255)
        arr = cv2.LUT(arr, lut.round().astype(np.uint8))
    else:
        arr = cv2.LUT(arr, _PAPER_LUT)
    out = arr.astype(np.int16)
    if outside is not None and plan.dark_edges:
        out[outside] = plan.dark_edges[2]
    out += noise.cut((h, w), plan.noise_sigma, dpi)
    ys = rng.integers(0, h - 3, SPECKS_PER_PAGE)
    xs = rng.integers(0, w - 3, SPECKS_PER_PAGE)
    sizes = np.maximum(1, np.rint(rng.integers(1, 4, SPECKS_PER_PAGE) * dpi / 300)).astype(int)
    dark = rng.random(SPECKS_PER_PAGE) < 0.7
    for y, x, s, d in zip(ys, xs, sizes, dark, strict=True):
        out[y : y + s, x : x + s] = 20 if d else 255
    if plan.salt_pepper:
        n = int(plan.salt_pepper * h * w)
        flat = out.reshape(-1)
        where = rng.integers(0, h * w, n)
        flat[where] = np.where(rng.random(n) < 0.5, 0, 255)
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def _write_single_scan(
    path: Path, pages: list[np.ndarray], plan: _ScanPlan
) -> None:
    from PIL import Image

    suffix = path.suffix.lower()
    quality = plan.jpeg_quality or BATCH_JPEG_QUALITY
    if suffix in (".png", ".jpg"):
        if len(pages) != 1:
            raise ValueError(f"{suffix} holds one page, not {len(pages)}")
        image = Image.fromarray(pages[0], mode="L")
        if suffix == ".png":
            image.save(path, dpi=(plan.dpi, plan.dpi), optimize=True)
        else:
            image.save(path, quality=quality, dpi=(plan.dpi, plan.dpi), optimize=True)
        return
    writer: _JpegPdfWriter | _JpegTiffWriter
    writer = _JpegPdfWriter(path, plan.dpi) if suffix == ".pdf" else _JpegTiffWriter(path, plan.dpi)
    try:
        for page in pages:
            writer.add(page, quality)
    finally:
        writer.close()


def _level_counts(items: list[int], share: float, rng: random.Random) -> set[int]:
    """A `share` of items, at least one from three items up when the share is not 0."""
    k = round(len(items) * share)
    if share > 0 and len(items) >= 3:
        k = max(1, k)
    return set(rng.sample(items, k))


# People outside the register whose CPR is one digit off a registered person's: one
# per this many letters, at least MIN_CPR_TWINS.
LETTERS_PER_CPR_TWIN = 25
MIN_CPR_TWINS = 3


def corpus_world(seed: int, n_letters: int) -> World:
    """make_corpus's population: enough people and companies that few letters share one.

    Adds "CPR twins": adults outside the register, with their own name and address,
    whose CPR differs in one digit from a registered adult's (same birth date and
    sex). A reader that matches CPR numbers loosely would take their letters for
    the registered person's.
    """
    world = make_world(seed, n_persons=max(60, n_letters), n_companies=max(15, n_letters // 5))
    rng = random.Random(f"twins-{seed}")
    names = {p.name for p in world.persons} | {s.name for s in world.staff}
    cprs = {p.cpr for p in world.persons}
    addresses = {(p.street, p.postcode) for p in world.persons}
    addresses |= {(c.street, c.postcode) for c in world.companies}
    registered = [p for p in world.persons
                  if p.status is not None and not _is_child(p.cpr, REFERENCE_DATE)]
    for original in rng.sample(registered, max(MIN_CPR_TWINS, n_letters // LETTERS_PER_CPR_TWIN)):
        cpr = _one_digit_off(rng, original.cpr, cprs)
        cprs.add(cpr)
        male = int(cpr[-1]) % 2 == 1
        while True:
            name = _random_name(rng, male)
            if name not in names:
                names.add(name)
                break
        while True:
            street, (postcode, city) = _random_street(rng), rng.choice(POSTTOWNS)
            if (street, postcode) not in addresses:
                addresses.add((street, postcode))
                break
        world.persons.append(Person(name, cpr, street, postcode, city, status=None))
    return world


def _one_digit_from(cpr: str, others: set[str]) -> bool:
    """Whether cpr differs from one of `others` in exactly one digit."""
    for i in range(len(cpr)):
        for digit in "0123456789":
            if digit != cpr[i] and cpr[:i] + digit + cpr[i + 1 :] in others:
                return True
    return False


def make_corpus_specs(world: World, seed: int, n_letters: int) -> list[LetterSpec]:
    """make_corpus's letters: CORPUS_MIX in every layout and font, 1-3 pages."""
    return make_letter_specs(
        world, seed, n_letters, page_weights=BATCH_PAGE_WEIGHTS, mix=CORPUS_MIX,
        layouts=ALL_LAYOUTS, layout_weights=(1, 1, 1, 1), fonts=CORPUS_FONTS,
    )


def make_corpus(
    out_dir: Path,
    seed: int,
    n_letters: int = 150,
    *,
    text_share: float = 0.35,
    batch_share: float = 0.4,
    batch_letters: tuple[int, int] = (6, 12),
    levels: Sequence[str] = DEGRADATION_LEVELS,
    dpis: Sequence[int] = (200, 300),
    world: World | None = None,
) -> list[LetterTruth]:
    """The evaluation corpus: n letters with truth, text-layer and scanned, singly and in batches.

    Letters use ALL_LAYOUTS and CORPUS_FONTS and CORPUS_MIX (all CPR/CVR forms and
    placements, no-ID letters, namesakes, a CPR one digit off a register entry,
    companies with Att. lines), 1-3 pages. A `text_share` of the letters are PDFs
    with a text layer; the others are scanned at one of `levels` (spread evenly)
    and `dpis`. A `batch_share` of the scanned letters go into tray batches
    (bakke-NN.pdf/.tif of `batch_letters` letters, PATCHT separators, blank duplex
    backs), the rest into one file each (brev-NNN.pdf/.tif/.jpg/.png).

    Writes out_dir/tray/, out_dir/registers/, out_dir/truth.json (LetterTruth with
    `level` and `degradation_details`) and out_dir/batch.json. Deterministic from
    the seed (DejaVu fonts fall back to built-ins where fonts-dejavu is missing).
    """
    unknown = [lv for lv in levels if lv not in LEVEL_SPECS]
    if unknown or not levels:
        raise ValueError(f"unknown degradation levels {unknown}; use {DEGRADATION_LEVELS}")
    for share in (text_share, batch_share):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"a share must lie in 0..1, not {share}")
    if n_letters < 1 or batch_letters[0] < 1 or batch_letters[0] > batch_letters[1]:
        raise ValueError("a corpus needs letters, and batches of at least one letter")
    out_dir = Path(out_dir)
    tray = out_dir / TRAY_DIR
    tray.mkdir(parents=True, exist_ok=True)
    if world is None:
        world = corpus_world(seed, n_letters)
    _ensure_registers(world, out_dir / "registers")
    specs = make_corpus_specs(world, seed, n_letters)

    # ---- the plan: which letter is text, scanned alone or in a batch, at which level
    rng = random.Random(f"corpus-{seed}")
    text = set(rng.sample(range(n_letters), round(n_letters * text_share)))
    scanned = [i for i in range(n_letters) if i not in text]
    level_of = {i: levels[k % len(levels)] for k, i in enumerate(scanned)}
    shuffled = [level_of[i] for i in scanned]
    rng.shuffle(shuffled)
    level_of = dict(zip(scanned, shuffled, strict=True))
    upside: set[int] = set()
    for level in levels:
        members = [i for i in scanned if level_of[i] == level]
        upside |= _level_counts(members, LEVEL_SPECS[level].upside_down_share, rng)
    batched = sorted(rng.sample(scanned, round(len(scanned) * batch_share)))
    batches: list[list[int]] = []
    while batched:
        size = rng.randint(*batch_letters)
        batches.append(batched[:size])
        batched = batched[size:]
    in_batch = {i for batch in batches for i in batch}

    truths: list[LetterTruth | None] = [None] * n_letters
    noise = _NoiseFields(np.random.default_rng([seed, 4]))
    pixel_rng = np.random.default_rng([seed, 5])
    with tempfile.TemporaryDirectory(prefix="postbakke-corpus-") as tmp:
        for i, spec in enumerate(specs):
            stem = f"brev-{i + 1:03d}"
            if i in text:
                name = f"{stem}.pdf"
                render_letter_pdf(world, spec, tray / name)
                truth = letter_truth(spec, name, TEXT_LEVEL)
                truth.level = TEXT_LEVEL
                truths[i] = truth
                continue
            if i in in_batch:
                continue
            choices = [f for f in CORPUS_FORMATS if spec.n_pages == 1 or f in (".pdf", ".tif")]
            weights = [CORPUS_FORMAT_WEIGHTS[CORPUS_FORMATS.index(f)] for f in choices]
            suffix = rng.choices(choices, weights=weights)[0]
            dpi = rng.choice(list(dpis))
            if suffix == ".png":
                dpi = min(dpi, PNG_MAX_DPI)
            plan = _plan_scan(rng, level_of[i], dpi, spec, i in upside, jpeg=suffix != ".png")
            source = Path(tmp) / f"{stem}.pdf"
            render_letter_pdf(world, spec, source)
            pages = [
                _scan_sheet(clean, plan, plan.skews[k], noise, pixel_rng,
                            [m for m in plan.marks if m["page"] == k + 1])
                for k, clean in enumerate(_render_pages(source, dpi))
            ]
            name = f"{stem}{suffix}"
            _write_single_scan(tray / name, pages, plan)
            truth = letter_truth(spec, name, plan.label())
            truth.level, truth.degradation_details = plan.level, plan.details()
            truths[i] = truth

        scanner = _Scanner(rng, noise, pixel_rng, Path(tmp))
        for number, members in enumerate(batches, start=1):
            batch_truths = _write_corpus_batch(
                out_dir, f"bakke-{number:02d}", [(i, specs[i]) for i in members], world,
                {i: level_of[i] for i in members}, upside, rng.choice(list(dpis)), scanner,
            )
            for i, truth in zip(members, batch_truths, strict=True):
                truths[i] = truth
    done = [t for t in truths if t is not None]
    if len(done) != n_letters:
        raise AssertionError("every letter gets a truth")
    _merge_truth(out_dir / "truth.json", done)
    return done


@dataclass
class _Scanner:
    """The random streams and scratch folder one corpus run shares between its files."""

    rng: random.Random
    noise: _NoiseFields
    pixel_rng: np.random.Generator
    tmp: Path
    separators: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)

    def separator(self, kind: str, dpi: int) -> np.ndarray:
        if (kind, dpi) not in self.separators:
            pdf = self.tmp / f"skilleark-{kind}.pdf"
            render_separator_sheet(pdf, kind)
            self.separators[(kind, dpi)] = _render_pages(pdf, dpi)[0]
        return self.separators[(kind, dpi)]


CORPUS_BATCH_TIFF_SHARE = 0.25
CORPUS_SEPARATOR_SHARE = 0.5
CORPUS_DUPLEX_SHARE = 0.3


def _write_corpus_batch(
    out_dir: Path,
    name: str,
    letters: list[tuple[int, LetterSpec]],
    world: World,
    level_of: dict[int, str],
    upside: set[int],
    dpi: int,
    scanner: _Scanner,
) -> list[LetterTruth]:
    """One tray batch of the corpus: each letter scanned at its own level, in one file.

    As make_batch: PATCHT separators before some letters, blank backs after every
    page of the duplex ones (with the front's skew, grey, noise and edges), one
    page roles record in batch.json; the letters' truths come back in order.
    """
    rng = scanner.rng
    fmt = ".tif" if rng.random() < CORPUS_BATCH_TIFF_SHARE else ".pdf"
    kind = rng.choice(SEPARATOR_KINDS)
    n = len(letters)
    separated = set(rng.sample(range(1, n), round((n - 1) * CORPUS_SEPARATOR_SHARE)))
    duplex = set(rng.sample(range(n), round(n * CORPUS_DUPLEX_SHARE)))
    plans = [_plan_scan(rng, level_of[i], dpi, spec, i in upside) for i, spec in letters]
    mild = LEVEL_SPECS["mild"]
    plan: list[_BatchPage] = []
    sheets: list[tuple[int | None, int]] = []  # (letter index in batch or None, page in letter)
    letter_pages: list[list[int]] = []
    for k, (_, spec) in enumerate(letters):
        if k in separated:
            skew = round(rng.uniform(-SEPARATOR_MAX_SKEW_DEG, SEPARATOR_MAX_SKEW_DEG), 2)
            plan.append(_BatchPage("separator", skew, rng.random() < mild.upside_down_share))
            sheets.append((None, 0))
        numbers = []
        for page in range(1, spec.n_pages + 1):
            skew = plans[k].skews[page - 1]
            plan.append(_BatchPage(f"letter:{k}", skew, plans[k].upside_down, page))
            sheets.append((k, page))
            numbers.append(len(plan))
            if k in duplex:
                plan.append(_BatchPage("blank", skew, plans[k].upside_down))
                sheets.append((k, 0))
        letter_pages.append(numbers)

    file_name = f"{name}{fmt}"
    writer: _JpegPdfWriter | _JpegTiffWriter
    writer = (_JpegPdfWriter if fmt == ".pdf" else _JpegTiffWriter)(
        out_dir / TRAY_DIR / file_name, dpi
    )
    try:
        rendered: tuple[int, list[np.ndarray]] | None = None
        for entry, (index, page_no) in zip(plan, sheets, strict=True):
            if index is None:  # a separator sheet: card, fed straight, lightly noisy
                sheet_plan = _ScanPlan("mild", dpi, [entry.skew], entry.upside_down,
                                       mild.noise_sigma, 0.0, 0.0, BATCH_JPEG_QUALITY, None, None)
                clean = scanner.separator(kind, dpi)
                marks: list[dict[str, Any]] = []
            else:
                sheet_plan = plans[index]
                if rendered is None or rendered[0] != index:
                    source = scanner.tmp / f"{name}-{index}.pdf"
                    render_letter_pdf(world, letters[index][1], source)
                    rendered = (index, _render_pages(source, dpi))
                pages = rendered[1]
                clean = pages[page_no - 1] if page_no else np.full_like(pages[0], 255)
                marks = [m for m in sheet_plan.marks if m["page"] == page_no] if page_no else []
            writer.add(
                _scan_sheet(clean, sheet_plan, entry.skew, scanner.noise, scanner.pixel_rng,
                            marks),
                sheet_plan.jpeg_quality or BATCH_JPEG_QUALITY,
            )
    finally:
        writer.close()

    truths = []
    for k, (_, spec) in enumerate(letters):
        truth = letter_truth(spec, file_name, plans[k].label())
        truth.pages = letter_pages[k]
        truth.separator_before = k in separated
        truth.blank_backs = k in duplex
        truth.level = plans[k].level
        truth.degradation_details = {**plans[k].details(), "batch": True}
        truths.append(truth)
    record = {
        "file": file_name,
        "dpi": dpi,
        "separator_kind": kind,
        "n_pages": len(plan),
        "pages": [{"page": number, **asdict(entry)} for number, entry in enumerate(plan, 1)],
    }
    _merge_json_dict(out_dir / BATCH_FILE, {file_name: record})
    return truths


def load_batches(path: Path) -> dict[str, dict]:
    """batch.json: {file name: {"file", "dpi", "separator_kind", "n_pages", "pages": [...]}}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- truth files


def _ensure_registers(world: World, out_dir: Path) -> None:
    """Write the registers, unless the same ones are there; another world's are an error."""
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="postbakke-registers-") as tmp:
        fresh = write_registers(world, Path(tmp))
        existing = [out_dir / path.name for path in fresh]
        if any(path.exists() for path in existing):
            if all(
                old.exists() and old.read_bytes() == new.read_bytes()
                for old, new in zip(existing, fresh, strict=True)
            ):
                return
            raise ValueError(f"{out_dir} holds the registers of another world")
    write_registers(world, out_dir)


def _merge_truth(path: Path, truths: list[LetterTruth]) -> None:
    """Add truths to truth.json, replacing the entries of the files written again."""
    files = {t.file for t in truths}
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    merged = [item for item in old if item["file"] not in files]
    merged += [asdict(t) for t in truths]
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _merge_json_dict(path: Path, entries: dict[str, dict]) -> None:
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old.update(entries)
    path.write_text(json.dumps(old, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_truth(path: Path) -> list[LetterTruth]:
    """Read truth.json back into LetterTruth objects."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [LetterTruth(**item) for item in data]


def main(argv: list[str] | None = None) -> None:
    """`python -m postbakke.samples OUT`: a day's tray of fictional letters for the demo."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m postbakke.samples",
        description="Lav en bakke med fiktive breve, registre og facit (truth.json).",
    )
    parser.add_argument("out", type=Path, help="mappe der skal skrives til")
    parser.add_argument("--seed", type=int, default=2026, help="frø for tilfældighederne")
    parser.add_argument("--letters", type=int, default=12, help="antal breve")
    parser.add_argument("--scanned-share", type=float, default=0.5,
                        help="andel af brevene der er scannede billeder")
    parser.add_argument("--batch", type=int, metavar="N",
                        help="skriv i stedet én scannet bunke (én fil) med N breve")
    parser.add_argument("--format", choices=["pdf", "tif"], default="pdf",
                        help="bunkens filformat (kun med --batch)")
    parser.add_argument("--separator", choices=list(SEPARATOR_KINDS), default="code128",
                        help="stregkoden på skillearkene (kun med --batch)")
    args = parser.parse_args(argv)
    if args.batch is not None:
        truths = make_batch(args.out, args.seed, args.batch, fmt=f".{args.format}",
                            separator_kind=args.separator)
        roles = load_batches(args.out / BATCH_FILE)[truths[0].file]["pages"]
        counts = Counter(page["role"].split(":")[0] for page in roles)
        print(
            f"Bunke lavet: {args.out / TRAY_DIR / truths[0].file}: {len(truths)} breve på "
            f"{len(roles)} sider ({counts['letter']} med brev, {counts['blank']} blanke "
            f"bagsider, {counts['separator']} skilleark)."
        )
        return
    truths = make_tray(args.out, args.seed, args.letters, args.scanned_share)
    scanned = sum(1 for t in truths if t.degradation != "text")
    print(
        f"Bakke lavet i {args.out / TRAY_DIR}: {len(truths)} breve "
        f"({len(truths) - scanned} med tekstlag, {scanned} scannede)."
    )

