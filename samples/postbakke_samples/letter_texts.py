"""What the letters say: topics, paragraphs and closing lines per department, in Danish.

Persons are written to as "du", companies as "I". body_pages lays a letter's
paragraphs out over its pages.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from postbakke_samples.world import REFERENCE_DATE, Company, Person, StaffMember

ENCLOSURES = ["sundhedskort", "nyt sygesikringsbevis", "parkeringskort", "affaldsmærkater"]

# Physical enclosures as Danish letters word them: a body sentence ({item} is the thing)
# or a "Bilag: ..." line under the signature. The training corpus draws from the
# TRAINING sets, the validation corpus from all of them, so it holds phrasings and
# things the code was never tuned on (VALIDATION_ONLY).
ENCLOSURE_ITEMS_TRAINING = [
    "dit nye sundhedskort", "dit kørekort", "dit pas", "de originale papirer",
    "en blanket til underskrift og returnering", "dit parkeringskort",
]
ENCLOSURE_ITEMS_VALIDATION_ONLY = [
    "din parkeringstilladelse", "nøglerne til boligen", "dine originale dokumenter",
    "dit gule sygesikringsbevis", "affaldsmærkater til dine beholdere",
]
ENCLOSURE_SENTENCES_TRAINING = [
    "Vedlagt finder du {item}.",
    "Vi sender dig hermed {item}.",
    "Hermed sendes {item}, som du bad om.",
    "Som aftalt vedlægges {item}.",
]
ENCLOSURE_SENTENCES_VALIDATION_ONLY = [
    "Vi returnerer hermed {item}, som du afleverede hos Borgerservice.",
    "I kuverten ligger {item}.",
    "Medsendt er {item}.",
    "Du får {item} sammen med dette brev; {item} er vedlagt.",
]
ENCLOSURE_LINE_FORMS = ["Bilag: {thing}", "Vedlagt: {thing}", "Bilag 1: {thing}"]


def enclosure_wording(rng: random.Random, validation: bool) -> tuple[str, str]:
    """(body sentence, "Bilag: ..." line) for a letter with a physical enclosure; one of
    them may be empty (a letter says it in the body, in a line, or both)."""
    items = ENCLOSURE_ITEMS_TRAINING + (ENCLOSURE_ITEMS_VALIDATION_ONLY if validation else [])
    sentences = ENCLOSURE_SENTENCES_TRAINING + (
        ENCLOSURE_SENTENCES_VALIDATION_ONLY if validation else [])
    item = rng.choice(items)
    style = rng.choice(["sentence", "line", "both"])
    sentence = rng.choice(sentences).format(item=item) if style != "line" else ""
    thing = item.split(" ", 1)[1] if item.startswith(("dit ", "din ", "dine ", "de ", "en "))\
        else item
    line = rng.choice(ENCLOSURE_LINE_FORMS).format(thing=thing[0].upper() + thing[1:]) \
        if style != "sentence" else ""
    return sentence, line

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


def date_da(d: date) -> str:
    """A date as a Danish letter writes it: "3. november 2026"."""
    return f"{d.day}. {MONTHS_DA[d.month - 1]} {d.year}"


def body_pages(
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
        "moede": f"{WEEKDAYS_DA[meeting.weekday()]} den {date_da(meeting)}",
        "kl": rng.choice(["9.00", "10.00", "10.30", "13.00", "14.15"]),
        "fra": date_da(date(2026, rng.choice([9, 10, 11]), 1)),
        "frist": date_da(REFERENCE_DATE + timedelta(days=rng.choice([30, 45, 60]))),
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


# --------------------------------------------------------------------------- issue 20
# Letters about someone other than the addressee (samples.cases). Each phrasing set
# has a training and a validation form, never shared: the recogniser is tuned on the
# training corpus and judged on the validation corpus's phrasings it never saw.
# Placeholders: {name} a person's full name, {first} a first name, {cpr} a printed CPR,
# {cvr} a CVR, {child} "søn"/"datter", {lawyer} "Jens Holm", {firm} a firm's name.
CASE_PHRASES: dict[str, dict[str, list[str]]] = {
    # letters to a parent about a child under 15
    "parent_child_subject": {
        "training": ["Vedr. jeres {child} {first}, cpr.nr. {cpr}",
                     "Vedr. dit barn {name}, cpr.nr. {cpr}"],
        "validation": ["Angående jeres {child} {first} ({cpr})",
                       "Om {name}, personnummer {cpr}"],
    },
    "parent_child_info_label": {  # the child's CPR in the info column
        "training": ["Barnets CPR-nr.", "Barnets cpr.nr."],
        "validation": ["Barnets personnummer", "CPR-nr. (barn)"],
    },
    "parent_child_custody_line": {  # a line above the parent's name in the window
        "training": ["Til forældremyndighedsindehaveren"],
        "validation": ["Til forældrene til {name}"],
    },
    "parent_child_both": {  # both parents in the window: one line, or two ("\n")
        "training": ["{a} og {b}"],
        "validation": ["{a}\n{b}"],
    },
    # letters to an estate; the deceased is still "tilmeldt" in the (stale) register
    "estate_window": {
        "training": ["Boet efter {name}", "Dødsboet efter {name}"],
        "validation": ["{genitive} dødsbo", "Boet v/ {name}"],
    },
    "estate_co_lawyer": {
        "training": ["c/o Advokat {lawyer}"],
        "validation": ["v/ bobestyrer, advokat {lawyer}"],
    },
    "estate_co_kin": {
        "training": ["c/o {kin}"],
        "validation": ["v/ {kin}"],
    },
    "estate_subject": {
        "training": ["Vedr. dødsboet efter {name}, cpr.nr. {cpr}"],
        "validation": ["Angående boet efter afdøde {name}, personnr. {cpr}"],
    },
    "estate_info_label": {
        "training": ["Afdødes CPR-nr."],
        "validation": ["Afdødes personnummer"],
    },
    # a copy line under the signature naming a second party with its own number
    "copy_company": {
        "training": ["Kopi til: {firm}, CVR {cvr}"],
        "validation": ["Kopi sendt til: {firm}, CVR-nr. {cvr}",
                       "Kopi af brevet er sendt til {firm} (CVR {cvr})"],
    },
    "copy_person": {
        "training": ["Kopi: partsrepræsentant {name}, CPR {cpr}",
                     "Kopi til: {name}, cpr.nr. {cpr}"],
        "validation": ["Cc: {name}, personnr. {cpr}"],
    },
    # a guardian or a lawyer as the addressee, for the citizen they act for
    "representative_guardian_window": {  # the window's name lines ("\n": line break):
        # the guardian ({guardian}) and the citizen they act for ({name}), in the orders
        # and forms letters use: a line of its own, one line with a comma, a c/o line
        "training": ["{guardian}\nVærge for {name}", "{guardian}\nSom værge for {name}",
                     "{guardian}\nP.v.a. {name}", "{guardian}, værge for {name}",
                     "{name}\nc/o værge {guardian}"],
        "validation": ["{guardian}\npå vegne af {name}"],
    },
    "representative_lawyer_line": {  # under the firm's name in the window ("\n": 2 lines)
        "training": ["Att.: partsrepræsentant, advokat {lawyer}",
                     "Att. adv. {lawyer}\nsom partsrepræsentant for {name}",
                     "Att. advokat {lawyer}\nVærge for {name}",
                     "Att.: advokatfuldmægtig {lawyer}"],
        "validation": ["Att.: advokat {lawyer}\npå vegne af {name}"],  # two lines
    },
    "representative_subject": {
        "training": ["Vedr. {name}, cpr.nr. {cpr}", "Sagen om {name}, CPR-nr. {cpr}",
                     "{name}, CPR {cpr}"],
        "validation": ["Angående {name} (personnummer {cpr})"],
    },
    "representative_info_label": {
        "training": ["Borgerens CPR-nr.", "Myndlingens CPR-nr.", "Vedr. CPR-nr.",
                     "Partens cpr.nr."],
        "validation": ["Klientens personnummer"],
    },
    "representative_guardian_sentence": {  # opens the body
        "training": ["Du modtager dette brev som værge for {name}."],
        "validation": ["Vi skriver til dig, fordi du handler på vegne af {name}."],
    },
    "representative_lawyer_sentence": {
        "training": ["I modtager dette brev som partsrepræsentant for {name}."],
        "validation": ["Brevet sendes til jer som advokat for {name}."],
    },
    # sender by e-mail only: the info column's e-mail label and the signature
    "email_label": {
        "training": ["E-mail"],
        "validation": ["Mail", "Email"],
    },
    "email_signature": {  # "\n" separates the signature's lines
        "training": ["Favrskov Kommune, {department}"],
        "validation": ["{department}\nFavrskov Kommune"],
    },
}

# Foreign addresses: (street, postcode and city, country line); training and validation
# use other countries and spellings.
FOREIGN_ADDRESSES: dict[str, list[tuple[str, str, str]]] = {
    "training": [
        ("Lindenstraße 12", "22041 Hamburg", "Tyskland"),
        ("Storgatan 5", "411 38 Göteborg", "Sverige"),
        ("Kirkeveien 4", "0368 Oslo", "Norge"),
        ("Bahnhofstraße 3a", "24937 Flensburg", "Tyskland"),
        ("Drottninggatan 17", "252 21 Helsingborg", "Sverige"),
    ],
    "validation": [
        ("Sveavägen 44", "113 59 Stockholm", "SWEDEN"),
        ("Kerkstraat 21", "1017 GC Amsterdam", "Holland"),
        ("ul. Dluga 7", "80-827 Gdansk", "Polen"),
        ("14 Baker Street", "London NW1 6XE", "UNITED KINGDOM"),
        ("Mühlenweg 8", "24103 Kiel", "GERMANY"),
    ],
}
FOREIGN_NAMES = ["Hans Müller", "Anna Lindqvist", "Piotr Nowak", "Sarah Thompson",
                 "Erik Johansson", "Ingrid Haugen", "Jan de Vries", "Katarzyna Kowalska"]

# (subject, opening) of the case letters; openings may use {first} (the child's first
# name), {name} (the deceased's or represented citizen's name) and body_pages's fills.
CASE_TOPICS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "parent_child": {
        "training": [
            ("Afgørelse om økonomisk friplads",
             "Du har søgt om økonomisk friplads til {first}s plads i dagtilbud. Vi har "
             "beregnet, at du er berettiget til en friplads på 60 procent fra {fra}."),
            ("Indkaldelse til møde om jeres barn",
             "Vi vil gerne invitere dig til et møde om {first}s trivsel {moede} kl. {kl} på "
             "Rådhuset i Hinnerup."),
        ],
        "validation": [
            ("Bevilling af aflastning",
             "Vi har behandlet din ansøgning om aflastning til {first}. Vi har bevilget "
             "aflastning i en weekend om måneden fra {fra}."),
            ("Afgørelse om befordring til skole",
             "{first} er bevilget kørsel til og fra skole fra {fra}, fordi skolevejen er "
             "vurderet som trafikfarlig."),
        ],
    },
    "child": {
        "training": [
            ("Indkaldelse til Tandplejen",
             "Du er indkaldt til undersøgelse hos Den Kommunale Tandpleje {moede} kl. {kl}. "
             "Tag gerne en voksen med."),
            ("Velkommen i fritidsklubben",
             "Velkommen i fritidsklubben. Du kan komme i klubben fra {fra}, og vi glæder os "
             "til at se dig."),
        ],
        "validation": [
            ("Invitation til samtale med sundhedsplejersken",
             "Sundhedsplejersken vil gerne tale med dig på skolen {moede} kl. {kl}."),
            ("Dit nye skolekort",
             "Du kan bruge dit skolekort i bussen fra {fra}. Husk at have det med hver dag."),
        ],
    },
    "estate": {
        "training": [
            ("Tilbagebetaling af for meget udbetalt pension",
             "Favrskov Kommune har fået oplyst, at {name} er afgået ved døden. Der er "
             "udbetalt pension for perioden efter dødsfaldet, og beløbet skal betales "
             "tilbage af boet."),
            ("Afhentning af hjælpemidler",
             "Kommunen har udlånt hjælpemidler til {name}. Vi vil gerne aftale, hvornår vi "
             "kan hente dem på adressen."),
        ],
        "validation": [
            ("Opgørelse af boligstøtte",
             "Efter {name}s død har vi gjort boligstøtten op. Opgørelsen viser et "
             "tilgodehavende, som bliver udbetalt til boet."),
            ("Ophør af hjemmehjælp",
             "Vi har registreret, at {name} er død, og at hjemmehjælpen derfor er ophørt "
             "fra {fra}."),
        ],
    },
}
ESTATE_MIDDLE = [
    "Vi beklager, at vi må henvende os i en svær tid.",
    "Opgørelsen bliver sendt til boet, og beløbet kan trækkes i boets midler.",
]
EMAIL_ONLY_CONTACT = {
    "person": "Hvis du har spørgsmål, er du velkommen til at kontakte os.",
    "company": "Hvis I har spørgsmål, er I velkomne til at kontakte os.",
}


def case_phrase(rng: random.Random, key: str, validation: bool, **fill: str) -> str:
    """One phrasing of `key` for the training or the validation corpus, filled in."""
    return rng.choice(CASE_PHRASES[key]["validation" if validation else "training"]).format(
        **fill)
