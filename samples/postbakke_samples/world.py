"""The fictional world: citizens, companies and staff of Favrskov, their registers.

People get random, valid CPR numbers (date and century right; the old modulus-11
check only where asked for), companies modulus-11 CVR numbers. Only the
municipality (Favrskov Kommune, its CVR and switchboard number) is real, because
the reader must learn to ignore exactly those. The birth date and the "child
under 15" rule are the product's own (postbakke.identifiers), not a copy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from postbakke.identifiers import cpr_birth_date, is_child_on
from postbakke_samples.name_pools import (
    ATTENTIONS,
    COMPANY_STEMS,
    COMPANY_TRADES,
    FEMALE_FIRST,
    FLOORS,
    LAST_NAMES,
    MALE_FIRST,
    POSTTOWNS,
    STREET_ENDINGS,
    STREET_STEMS,
    TITLES,
)

REFERENCE_DATE = date(2026, 11, 25)  # the letters' date; "child under 15" is judged at this date

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


def make_cpr(rng: random.Random, birth: date, male: bool, mod11: bool) -> str:
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


def random_date(rng: random.Random, first: date, last: date) -> date:
    """A day from `first` to `last`, both included."""
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def random_name(rng: random.Random, male: bool) -> str:
    """A Danish full name, sometimes with a middle name or a double surname."""
    first = rng.choice(MALE_FIRST if male else FEMALE_FIRST)
    if rng.random() < 0.25:  # a middle name, as in "Anne Mette Holm"
        second = rng.choice(MALE_FIRST if male else FEMALE_FIRST)
        if second != first:
            first = f"{first} {second}"
    return f"{first} {rng.choice(LAST_NAMES)}"


def random_street(rng: random.Random) -> str:
    """A made-up street address: name, number, sometimes a letter or a floor."""
    street = f"{rng.choice(STREET_STEMS)}{rng.choice(STREET_ENDINGS)} {rng.randint(1, 120)}"
    if rng.random() < 0.2:
        street += rng.choice("ABC")
    if rng.random() < 0.25:
        street += f", {rng.choice(FLOORS)}"
    return street


def mod11_cvr(rng: random.Random) -> str:
    """A made-up CVR number that passes the modulus-11 check (never the municipality's)."""
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
            street = random_street(rng)
            postcode, city = rng.choice(POSTTOWNS)
            if (street, postcode) not in used_addresses:
                used_addresses.add((street, postcode))
                return street, postcode, city

    def new_person(adult: bool, name: str | None = None, male: bool | None = None) -> Person:
        if male is None:
            male = rng.random() < 0.5
        if name is None:
            while True:
                name = random_name(rng, male)
                if name not in used_names:
                    break
        used_names.add(name)
        mod11 = rng.random() >= 0.15  # ~15 % of numbers issued without modulus 11
        while True:
            if adult:
                birth = random_date(rng, date(1938, 1, 1), date(2007, 12, 31))
            else:
                birth = random_date(rng, date(2012, 6, 1), date(2019, 12, 31))
            if not mod11:  # cpr.dk issues numbers without modulus 11 on 1 January
                birth = birth.replace(month=1, day=1)
            cpr = make_cpr(rng, birth, male, mod11)
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
            name = random_name(rng, male)
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
            cvr = mod11_cvr(rng)
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
                name = random_name(rng, male)
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
    if form == "dot":  # the hyphen as OCR sometimes reads it (training case letters only)
        return f"{cpr[:6]}.{cpr[6:]}"
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


def is_child(cpr: str, on: date) -> bool:
    """Under 15 on `on`, by the product's own rule; judged at the letters' date, not today."""
    return is_child_on(cpr_birth_date(cpr, today=on), on)


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
                  if p.status is not None and not is_child(p.cpr, REFERENCE_DATE)]
    for original in rng.sample(registered, max(MIN_CPR_TWINS, n_letters // LETTERS_PER_CPR_TWIN)):
        cpr = _one_digit_off(rng, original.cpr, cprs)
        cprs.add(cpr)
        male = int(cpr[-1]) % 2 == 1
        while True:
            name = random_name(rng, male)
            if name not in names:
                names.add(name)
                break
        while True:
            street, (postcode, city) = random_street(rng), rng.choice(POSTTOWNS)
            if (street, postcode) not in addresses:
                addresses.add((street, postcode))
                break
        world.persons.append(Person(name, cpr, street, postcode, city, status=None))
    return world


def one_digit_from(cpr: str, others: set[str]) -> bool:
    """Whether cpr differs from one of `others` in exactly one digit."""
    for i in range(len(cpr)):
        for digit in "0123456789":
            if digit != cpr[i] and cpr[:i] + digit + cpr[i + 1 :] in others:
                return True
    return False
