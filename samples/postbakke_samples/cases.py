"""Issue 20's letters: to someone other than the person whose number the letter prints.

The recipient is the addressee in the window. These letters print the ID of
someone else as well (a child, a deceased person, the citizen a guardian acts
for, a party on a copy line), or no Danish ID at all:

- parent_child       to a parent about their child under 15 (the child's CPR in
                     the subject or the info column; the parent's own CPR in some)
- child              to the child itself (legitimate, child_under_15)
- estate             "Boet efter ..." c/o a lawyer or the next of kin; the deceased
                     still `tilmeldt` in the register (legitimate, estate)
- copy               an ordinary letter with a "Kopi til: ..., CVR ..." line
- representative     to a guardian or a lawyer's firm, for a citizen whose CPR is printed
                     (in the register or, in the training corpus, not)
- foreign            a foreign address with a country line (review, no_recipient)
- sender_email_only  the sender only as an e-mail in the info column

make_case_specs draws them from a stream of its own, in a copy of the world with the
people they need (families, the deceased, their kin and lawyers, guardians), so the
ordinary letters of a seed stay what they were. Phrasings come from
letter_texts.CASE_PHRASES: the training corpus and the validation corpus use
disjoint sets.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from postbakke_samples.letter_texts import (
    CASE_TOPICS,
    COMPANY_CONTACT,
    COMPANY_CONTINUATION,
    COMPANY_TOPICS,
    EMAIL_ONLY_CONTACT,
    ESTATE_MIDDLE,
    FOREIGN_ADDRESSES,
    FOREIGN_NAMES,
    PERSON_TOPICS,
    body_pages,
    case_phrase,
)
from postbakke_samples.letters import (
    ALL_LAYOUTS,
    CPR_FORMS,
    CVR_FORMS,
    LetterSpec,
    random_case_number,
)
from postbakke_samples.name_pools import COMPANY_STEMS, LAST_NAMES, POSTTOWNS
from postbakke_samples.world import (
    COMPANY_DEPARTMENTS,
    DEPARTMENTS,
    REFERENCE_DATE,
    Company,
    Person,
    StaffMember,
    World,
    format_cpr,
    format_cvr,
    is_child,
    make_cpr,
    mod11_cvr,
    one_digit_from,
    random_date,
    random_name,
    random_street,
)

CASES = ("parent_child", "child", "estate", "copy", "representative", "foreign",
         "sender_email_only")
# The training corpus's share of CPRs printed with a dot for the hyphen (the form OCR
# sometimes reads); never in the letters to a child, whose number no register entry can
# confirm (an unsure reading of it is review, see letters.ids.CONF_CPR_MISREAD_HYPHEN).
MISREAD_SEPARATOR_SHARE = 0.2
# make_corpus's default: one letter of each case per this many ordinary letters
# (make bench's 160 letters: 5 of each, in the training and the validation corpus).
LETTERS_PER_CASE_LETTER = 32


class _Cast:
    """Adds the people and firms the case letters need to a world, each new and unique:
    a name nobody has, an address nobody lives at, a CPR not one digit off anyone's."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.names = {p.name for p in world.persons} | {s.name for s in world.staff}
        self.cprs = {p.cpr for p in world.persons}
        self.cvrs = {c.cvr for c in world.companies}
        self.company_names = {c.name for c in world.companies}
        self.addresses = {(p.street, p.postcode) for p in world.persons}
        self.addresses |= {(c.street, c.postcode) for c in world.companies}

    def name(self, male: bool, last: str | None = None) -> str:
        while True:
            name = random_name(self.rng, male)
            if last:
                name = f"{name.rsplit(' ', 1)[0]} {last}"
            if name not in self.names:
                self.names.add(name)
                return name

    def address(self) -> tuple[str, str, str]:
        while True:
            street = random_street(self.rng)
            postcode, city = self.rng.choice(POSTTOWNS)
            if (street, postcode) not in self.addresses:
                self.addresses.add((street, postcode))
                return street, postcode, city

    def cpr(self, first: date, last: date, male: bool) -> str:
        while True:
            birth = random_date(self.rng, first, last)
            cpr = make_cpr(self.rng, birth, male, mod11=True)
            if cpr not in self.cprs and not one_digit_from(cpr, self.cprs):
                self.cprs.add(cpr)
                return cpr

    def person(self, status: str | None, born: tuple[date, date] = (date(1950, 1, 1),
               date(1995, 12, 31)), *, last: str | None = None, name: str | None = None,
               at: Person | None = None, male: bool | None = None) -> Person:
        """A new person in the world (in the register when `status`), at `at`'s address."""
        if male is None:
            male = self.rng.random() < 0.5
        name = name or self.name(male, last)
        cpr = self.cpr(*born, male)
        street, postcode, city = (at.street, at.postcode, at.city) if at else self.address()
        person = Person(name, cpr, street, postcode, city, status)
        self.world.persons.append(person)
        return person

    def law_firm(self, status: str | None) -> tuple[Company, str]:
        """A lawyer's firm (in the world and, with a status, the register) and a lawyer."""
        lawyer = self.name(self.rng.random() < 0.5)
        surname = lawyer.split()[-1]
        while True:
            name = self.rng.choice([f"Advokatfirmaet {surname} & Partnere",
                                    f"Advokathuset {self.rng.choice(COMPANY_STEMS)}",
                                    f"{surname} Advokater"])
            if name not in self.company_names:
                self.company_names.add(name)
                break
            surname = self.rng.choice(LAST_NAMES)
        cvr = self.cvr()
        street, postcode, city = self.address()
        firm = Company(name, cvr, street, postcode, city, status)
        self.world.companies.append(firm)
        return firm, lawyer

    def cvr(self) -> str:
        while True:
            cvr = mod11_cvr(self.rng)
            if cvr not in self.cvrs:
                self.cvrs.add(cvr)
                return cvr


def _son_or_daughter(cpr: str) -> str:
    return "søn" if int(cpr[-1]) % 2 else "datter"


def _genitive(name: str) -> str:
    return f"{name}'" if name.endswith(("s", "x", "z")) else f"{name}s"


def _address_lines(who: Person | Company) -> list[str]:
    return [who.street, f"{who.postcode} {who.city}"]


class _Builder:
    """Draws one spec per call; shared random stream, cast and world."""

    def __init__(self, world: World, seed: int, validation: bool) -> None:
        self.rng = random.Random(f"cases-{seed}")
        self.world = world
        self.cast = _Cast(world, self.rng)
        self.validation = validation
        names = Counter(p.name for p in world.persons)
        # ordinary recipients from the world as it was: registered, unique name, adult
        self.persons = [p for p in world.persons if p.status is not None
                        and names[p.name] == 1 and not is_child(p.cpr, REFERENCE_DATE)]
        self.companies = [c for c in world.companies if c.status == "tilmeldt"]

    def phrase(self, key: str, **fill: str) -> str:
        return case_phrase(self.rng, key, self.validation, **fill)

    def cpr_form(self) -> str:
        """How a CPR is printed; in the training corpus sometimes with a dot for the hyphen,
        as OCR reads a thin or broken hyphen ("301268.2564")."""
        form = self.rng.choices(CPR_FORMS, weights=[6, 2, 2])[0]
        if not self.validation and self.rng.random() < MISREAD_SEPARATOR_SHARE:
            form = "dot"
        return form

    def sender(self, department: str) -> StaffMember:
        return self.rng.choice([s for s in self.world.staff if s.department == department])

    def topic(self, case: str) -> tuple[str, str]:
        return self.rng.choice(CASE_TOPICS[case]["validation" if self.validation
                                                  else "training"])

    def spec(self, recipient: Person | Company, department: str, subject: str,
             pages_text: list[list[str]], sender: StaffMember, **kw: object) -> LetterSpec:
        rng = self.rng
        is_person = isinstance(recipient, Person)
        kw.setdefault("id_placement", "none")
        kw.setdefault("id_form", self.cpr_form() if is_person
                      else rng.choices(CVR_FORMS, weights=[7, 3])[0])
        return LetterSpec(
            layout="classic", recipient=recipient, sender=sender, department=department,
            subject=subject, n_pages=len(pages_text), case_number=random_case_number(rng),
            letter_date=REFERENCE_DATE,
            own_cvr=rng.choices(["none", "letterhead", "footer", "both"], weights=[4, 2, 3, 1])[0],
            pages_text=pages_text, **kw,  # type: ignore[arg-type]
        )

    def pages(self, recipient: Person | Company, department: str, opening: str,
              sender: StaffMember) -> list[list[str]]:
        return body_pages(self.rng, recipient, department, opening, sender,
                          self.rng.choice([1, 1, 2]), False, None)

    # ---- the cases; j is the letter's number within its case (0, 1, ...)

    def parent_child(self, j: int) -> LetterSpec:
        rng, cast = self.rng, self.cast
        status = "fritaget" if j % 3 == 2 else "tilmeldt"
        parent = cast.person(status, (date(1975, 1, 1), date(1993, 12, 31)))
        surname = parent.name.split()[-1]
        child = cast.person(None, (date(2013, 1, 1), date(2019, 12, 31)), last=surname,
                            at=parent)
        if j % 3 == 1:  # a namesake of the parent, registered at another address
            cast.person("tilmeldt", name=parent.name)
        own_printed = j % 2 == 0
        child_where = "subject" if (j // 2) % 2 == 0 else "info"
        style = rng.choice(["single", "both", "custody"] if own_printed
                           else ["single", "custody"])
        window = [parent.name]
        if style == "both":  # the other parent, registered too, at the same address
            other = cast.person("tilmeldt", (date(1972, 1, 1), date(1993, 12, 31)),
                                last=surname, at=parent)
            window = self.phrase("parent_child_both", a=parent.name, b=other.name).split("\n")
        elif style == "custody":
            window.insert(0, self.phrase("parent_child_custody_line", name=child.name))
        window += _address_lines(parent)
        form = self.cpr_form()
        first = child.name.split()[0]
        fill = {"child": _son_or_daughter(child.cpr), "first": first, "name": child.name,
                "cpr": format_cpr(child.cpr, form)}
        department = "Børn og Familie"
        sender = self.sender(department)
        subject, opening = self.topic("parent_child")
        pages = self.pages(parent, department, opening.replace("{first}", first), sender)
        return self.spec(
            parent, department, subject, pages, sender, window_lines=window,
            id_placement="info" if own_printed else "none", id_form=form,
            subject_ref=self.phrase("parent_child_subject", **fill)
            if child_where == "subject" else "",
            info_extra=[(self.phrase("parent_child_info_label"), fill["cpr"])]
            if child_where == "info" else [],
        )

    def child(self, j: int) -> LetterSpec:
        cast = self.cast
        parent = cast.person("tilmeldt", (date(1975, 1, 1), date(1993, 12, 31)))
        child = cast.person(None, (date(2013, 1, 1), date(2019, 12, 31)),
                            last=parent.name.split()[-1], at=parent)
        department = "Børn og Familie"
        sender = self.sender(department)
        subject, opening = self.topic("child")
        pages = [[opening.format(**_fills(self.rng)),
                  "Har du eller dine forældre spørgsmål, er I velkomne til at kontakte mig på "
                  f"telefon {sender.phone} eller på e-mail {sender.email}."]]
        spec = self.spec(child, department, subject, pages, sender,
                         id_placement="info" if j % 2 == 0 else "subject")
        if spec.id_form == "dot":  # see MISREAD_SEPARATOR_SHARE
            spec.id_form = "hyphen"
        return spec

    def estate(self, j: int) -> LetterSpec:
        rng, cast = self.rng, self.cast
        deceased = cast.person("tilmeldt", (date(1930, 1, 1), date(1950, 12, 31)))
        surname = deceased.name.split()[-1]
        window = [self.phrase("estate_window", name=deceased.name,
                              genitive=_genitive(deceased.name))]
        if j % 2 == 0:  # c/o the estate's lawyer, at the firm's address
            firm, lawyer = cast.law_firm("tilmeldt")
            window += [self.phrase("estate_co_lawyer", lawyer=lawyer), *_address_lines(firm)]
        else:  # c/o the next of kin, registered, at their own address
            kin = cast.person("tilmeldt", (date(1955, 1, 1), date(1985, 12, 31)), last=surname)
            window += [self.phrase("estate_co_kin", kin=kin.name), *_address_lines(kin)]
        form = self.cpr_form()
        cpr = format_cpr(deceased.cpr, form)
        where = ("subject", "info", "none")[j % 3]
        department = rng.choice(["Borgerservice", "Social og Sundhed"])
        sender = self.sender(department)
        subject, opening = self.topic("estate")
        first = [opening.format(name=deceased.name, **_fills(rng)),
                 *rng.sample(ESTATE_MIDDLE, rng.randint(1, 2))]
        pages = [first]
        if rng.random() < 0.3:
            pool = [p for p in COMPANY_CONTINUATION if "irksomhed" not in p]
            pages.append(rng.sample(pool, 3))
        pages[-1].append(COMPANY_CONTACT.format(tlf=sender.phone, email=sender.email))
        return self.spec(
            deceased, department, subject, pages, sender, window_lines=window, id_form=form,
            subject_ref=self.phrase("estate_subject", name=deceased.name, cpr=cpr)
            if where == "subject" else "",
            info_extra=[(self.phrase("estate_info_label"), cpr)] if where == "info" else [],
        )

    def _ordinary(self, j: int, **kw: object) -> LetterSpec:
        """A letter to a registered person or an enrolled company of the world."""
        rng = self.rng
        if j % 3 == 2:
            recipient: Person | Company = rng.choice(self.companies)
            department = rng.choice(COMPANY_DEPARTMENTS)
            topics = COMPANY_TOPICS[department]
        else:
            recipient = rng.choice(self.persons)
            department = rng.choice(DEPARTMENTS)
            topics = PERSON_TOPICS[department]
        sender = self.sender(department)
        subject, opening = rng.choice(topics)
        pages = self.pages(recipient, department, opening, sender)
        placement = rng.choice(["info", "info", "subject", "none"])
        attention = recipient.attention if isinstance(recipient, Company) else None
        return self.spec(recipient, department, subject, pages, sender,
                         id_placement=placement, attention=attention, **kw)

    def copy(self, j: int) -> LetterSpec:
        rng, cast = self.rng, self.cast
        spec = self._ordinary(j)
        registered = j % 2 == 0  # the copy party's number is a register entry
        if rng.random() < 0.5:
            if registered:
                party = rng.choice([c for c in self.companies if c is not spec.recipient])
                firm, cvr = party.name, party.cvr
            else:  # a firm outside the register (not in the world at all)
                firm = f"Advokatfirmaet {rng.choice(LAST_NAMES)}"
                cvr = cast.cvr()
            spec.copy_line = self.phrase("copy_company", firm=firm,
                                         cvr=format_cvr(cvr, rng.choice(CVR_FORMS)))
        else:
            if registered:
                other = rng.choice([p for p in self.persons if p is not spec.recipient])
                name, cpr = other.name, other.cpr
            else:
                male = rng.random() < 0.5
                name = cast.name(male)
                cpr = cast.cpr(date(1950, 1, 1), date(1995, 12, 31), male)
            spec.copy_line = self.phrase("copy_person", name=name, cpr=format_cpr(cpr))
        return spec

    def representative(self, j: int) -> LetterSpec:
        rng, cast = self.rng, self.cast
        # the citizen acted for is in the register, or (training: every third) not at all,
        # so that nothing but the words and the block can say whose the number is
        status = None if not self.validation and j % 3 == 2 else "tilmeldt"
        citizen = cast.person(status, (date(1935, 1, 1), date(1965, 12, 31)))
        form = self.cpr_form()
        cpr = format_cpr(citizen.cpr, form)
        department = rng.choice(["Social og Sundhed", "Jobcenter", "Borgerservice"])
        sender = self.sender(department)
        subject, opening = rng.choice(PERSON_TOPICS[department])
        kw: dict[str, object] = {}
        if j % 2 == 0:  # a guardian, a person in the register
            status = "fritaget" if j % 4 == 2 else "tilmeldt"
            guardian = cast.person(status, (date(1950, 1, 1), date(1990, 12, 31)))
            recipient: Person | Company = guardian
            window = [*self.phrase("representative_guardian_window", guardian=guardian.name,
                                   name=citizen.name).split("\n"),
                      *_address_lines(guardian)]
            sentence = self.phrase("representative_guardian_sentence", name=citizen.name)
            pages = self.pages(guardian, department, opening, sender)
        else:  # a lawyer's firm, its CVR in the info column as "CVR"
            firm, lawyer = cast.law_firm("tilmeldt")
            recipient = firm
            window = [firm.name,
                      *self.phrase("representative_lawyer_line", lawyer=lawyer,
                                   name=citizen.name).split("\n"),
                      *_address_lines(firm)]
            sentence = self.phrase("representative_lawyer_sentence", name=citizen.name)
            pages = self.pages(firm, department, "Vi har nu behandlet sagen, og kommunens "
                               "afgørelse er beskrevet nedenfor.", sender)
            kw = {"id_placement": "info", "id_label": "CVR",
                  "id_form": rng.choices(CVR_FORMS, weights=[7, 3])[0]}
        pages[0].insert(0, sentence)
        if j % 3 != 1:
            kw["subject_ref"] = self.phrase("representative_subject", name=citizen.name,
                                            cpr=cpr)
        else:
            kw["info_extra"] = [(self.phrase("representative_info_label"), cpr)]
        return self.spec(recipient, department, subject, pages, sender, window_lines=window,
                         **kw)

    def foreign(self, j: int) -> LetterSpec:
        rng, cast = self.rng, self.cast
        variant = "validation" if self.validation else "training"
        street, town, country = FOREIGN_ADDRESSES[variant][j % len(FOREIGN_ADDRESSES[variant])]
        name = rng.choice([n for n in FOREIGN_NAMES if n not in cast.names] or [""])
        if not name or rng.random() < 0.4:  # a Dane who moved abroad
            name = cast.name(rng.random() < 0.5)
        cast.names.add(name)
        person = Person(name, "", street, "", town, None)  # no CPR, not in the register
        department = rng.choice(["Borgerservice", "Jobcenter", "Social og Sundhed"])
        sender = self.sender(department)
        subject, opening = rng.choice(PERSON_TOPICS[department])
        pages = self.pages(person, department, opening, sender)
        return self.spec(person, department, subject, pages, sender,
                         window_lines=[name, street, town, country], id_form="hyphen")

    def sender_email_only(self, j: int) -> LetterSpec:
        spec = self._ordinary(j, email_only=True)
        spec.email_label = self.phrase("email_label")
        spec.signature = self.phrase("email_signature", department=spec.department).split("\n")
        voice = "person" if isinstance(spec.recipient, Person) else "company"
        spec.pages_text[-1][-1] = EMAIL_ONLY_CONTACT[voice]  # no name, phone or e-mail
        return spec


def _fills(rng: random.Random) -> dict[str, str]:
    """body_pages's placeholders, for openings written here."""
    from datetime import timedelta

    from postbakke_samples.letter_texts import WEEKDAYS_DA, date_da

    meeting = REFERENCE_DATE + timedelta(days=rng.randint(8, 30))
    return {"moede": f"{WEEKDAYS_DA[meeting.weekday()]} den {date_da(meeting)}",
            "kl": rng.choice(["9.00", "10.00", "13.00"]),
            "fra": date_da(date(2026, rng.choice([9, 10, 11]), 1))}


def make_case_specs(
    world: World, seed: int, per_case: int, variant: str = "training",
    fonts: Sequence[str] = (),
) -> tuple[World, list[LetterSpec]]:
    """`per_case` letters of every case in CASES, and the world they belong to.

    The world returned is a copy of `world` with the people and firms these letters
    need (its registers are what the letters are judged against); `world` itself is
    left alone. Each case's letters go round ALL_LAYOUTS and `fonts`; the validation
    variant uses CASE_PHRASES's validation phrasings (disjoint from the training ones).
    """
    cast_world = replace(world, persons=list(world.persons), companies=list(world.companies))
    builder = _Builder(cast_world, seed, variant == "validation")
    specs: list[LetterSpec] = []
    for ci, case in enumerate(CASES):
        for j in range(per_case):
            spec = getattr(builder, case)(j)
            spec.case = spec.category = case
            spec.layout = ALL_LAYOUTS[(ci + j) % len(ALL_LAYOUTS)]
            spec.font = fonts[(ci + j) % len(fonts)] if fonts else ""
            specs.append(spec)
    return cast_world, specs
