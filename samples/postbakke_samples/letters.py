"""The letters of a tray: who writes to whom, in which layout, with which ID where.

make_letter_specs draws a day's letters from a world in the mix's proportions
(LETTER_MIX for a tray, CORPUS_MIX with the traps for the corpus); nothing is
drawn on paper here (letter_pdf does that).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from postbakke_samples.letter_texts import (
    COMPANY_TOPICS,
    PERSON_TOPICS,
    body_pages,
    enclosure_wording,
)
from postbakke_samples.world import (
    COMPANY_DEPARTMENTS,
    DEPARTMENTS,
    REFERENCE_DATE,
    Company,
    Person,
    StaffMember,
    World,
    is_child,
    one_digit_from,
    random_name,
)

LAYOUTS = ("classic", "block", "compact")  # the default mix (make_tray, make_batch)
# "modern": a one-line letterhead over a rule, the sender's return address above the
# recipient in the window, label/value columns on the right, "Side k af N" at the top.
ALL_LAYOUTS = (*LAYOUTS, "modern")
ID_PLACEMENTS = ("info", "subject", "none", "window")
CPR_FORMS = ("hyphen", "plain", "space")
CVR_FORMS = ("plain", "spaced")


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
    enclosure: bool = False  # a physical enclosure (enclosure_sentence and/or enclosure_line)
    enclosure_sentence: str = ""  # in the body's last paragraph: "Vedlagt finder du ..."
    enclosure_line: str = ""  # under the signature: "Bilag: Sundhedskort"
    attention: str | None = None  # "c/o ..." (person) or "Att.: ..." (company) window line
    case_number: str = "27.12.04-G01-3-26"
    letter_date: date = REFERENCE_DATE
    own_cvr: str = "none"  # where the municipality's CVR is printed: none/letterhead/footer/both
    salutation: bool = False  # "Kære <name>" opening the body
    p_number: str | None = None  # a 10-digit P-nr. in a company letter's body (looks like a CPR)
    pages_text: list[list[str]] = field(default_factory=list)  # paragraphs per page
    category: str = ""  # which case of the mix this letter stands for
    font: str = ""  # a FONT_FAMILIES key; "" = the layout's own font
    # The validation corpus's other parameters (make_corpus variant "validation"); the
    # defaults draw the letters as they always were.
    body_size: float = 0.0  # pt; 0 = the layout's own
    info_shift: tuple[float, float] = (0.0, 0.0)  # (dx, dy) mm of the info column/block
    subject_shift: float = 0.0  # mm down (+) or up (-) from the layout's subject line
    letterhead_colour: tuple[float, float, float] | None = None  # RGB 0-1; None = black
    # Issue 20's letters about someone other than the addressee (samples.cases); the
    # defaults draw the ordinary letters as they always were.
    case: str = ""  # "parent_child", "child", "estate", ...; "" = an ordinary letter
    window_lines: list[str] = field(default_factory=list)  # the address block, when not
    # the recipient's own name (c/o or Att.), street and postcode/city
    subject_ref: str = ""  # a "Vedr. ..." line before the subject about someone else
    info_extra: list[tuple[str, str]] = field(default_factory=list)  # (label, value) rows
    id_label: str = ""  # the recipient's ID label in the info column; "" = the layout's own
    copy_line: str = ""  # under the signature: "Kopi til: ..., CVR 12345678"
    email_only: bool = False  # info: no sender name or phone; signature: department only
    email_label: str = ""  # the e-mail row's label; "" = the layout's own
    signature: list[str] = field(default_factory=list)  # lines under "Med venlig hilsen"


def random_case_number(rng: random.Random) -> str:
    """A made-up case number in the KLE form the municipality prints."""
    # KLE number, facet, running number, year: "27.12.04-G01-3-26"
    kle = f"{rng.randint(0, 32):02d}.{rng.randint(0, 40):02d}.{rng.randint(0, 20):02d}"
    facet = rng.choice(["G01", "G02", "K07", "P20", "A00", "P19"])
    return f"{kle}-{facet}-{rng.randint(1, 999)}-26"


def _p_number(rng: random.Random) -> str:
    """A P-number whose first six digits form a valid date: a CPR look-alike."""
    day, month, year = rng.randint(10, 19), rng.randint(1, 12), rng.randint(0, 99)
    return f"{day}{month:02d}{year:02d}{rng.randint(0, 9999):04d}"


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
    ("person_enclosure", 2),  # enrolled, a physical enclosure -> legitimate/physical_enclosure
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
    validation: bool = False,
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
    adults = [p for p in world.persons if not is_child(p.cpr, REFERENCE_DATE)]
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
            p for p in adults if p.status is None and one_digit_from(p.cpr, registered_cprs)
        ],
        "person_window_cpr": [p for p in adults if p.status is not None],
        "person_enclosure": [
            p for p in adults if p.status == "tilmeldt" and name_counts[p.name] == 1
        ],
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
        elif category == "person_enclosure":
            placement = rng.choice(["info", "subject", "none"])
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
            attention = "c/o " + random_name(rng, rng.random() < 0.5)
        else:
            attention = None
        salutation = is_person and rng.random() < 0.5
        p_number = _p_number(rng) if not is_person and rng.random() < 0.3 else None
        own_cvr = rng.choices(["none", "letterhead", "footer", "both"], weights=[4, 2, 3, 1])[0]
        pages_text = body_pages(
            rng, recipient, department, opening, sender, n_pages, salutation, p_number
        )
        enclosure_sentence = enclosure_line = ""
        if category == "person_enclosure":
            enclosure_rng = random.Random(f"enclosure-{seed}-{i}")  # own stream: others unchanged
            enclosure_sentence, enclosure_line = enclosure_wording(enclosure_rng, validation)
            if enclosure_sentence:
                pages_text[-1].insert(max(0, len(pages_text[-1]) - 1), enclosure_sentence)
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
                enclosure=category == "person_enclosure",
                enclosure_sentence=enclosure_sentence,
                enclosure_line=enclosure_line,
                attention=attention,
                case_number=random_case_number(rng),
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
