"""A workspace for the digest tests: the known month (month_letters.py), its digital counts,
the staff directory's five departments, Eva Fisk's follow-up closed as justified, and a
postbakke.toml with each department's recipients. Hand counts for week 2026-W48."""

from __future__ import annotations

import re
from pathlib import Path

from month_letters import DEPARTMENTS, SENDERS, digital_counts, store_month

from postbakke.models import StaffMember
from postbakke.people.followup import Outcome, close_followup
from postbakke.store import Store

WEEK = "2026-W48"
SENDER = "Postbakken – Favrskov Kommune <postbakke@favrskov.dk>"
CONTACT = "Mette Skov, projektleder for Digital Post, tlf. 89 64 12 34, mesk@favrskov.dk"
ADDRESSES = {
    "Jobcenter": ["jobcenter@favrskov.dk"],
    "Teknik og Miljø": ["tm@favrskov.dk", "Åse Leder <aase.leder@favrskov.dk>"],
    "Børn og Familie": ["bof@favrskov.dk"],
    "Borgerservice": ["borgerservice@favrskov.dk"],
    "Social og Sundhed": ["sos@favrskov.dk"],
}

# Week 2026-W48 of month_letters.PLAN: Jobcenter "AR", Teknik og Miljø "W", Børn og Familie
# "D", Borgerservice "GG", Social og Sundhed "FFG"; digital counts 55, 20, 5, 16, none.
# (paper, leaks, justified, legitimate, review, window_cpr, digital share)
# digital share = digital / (digital + leaks + justified + legitimate)
W48 = {
    "Jobcenter": (2, 1, 0, 0, 1, 0, "98,2 %"),  # 55/56
    "Teknik og Miljø": (1, 0, 0, 1, 0, 1, "95,2 %"),  # 20/21
    "Børn og Familie": (1, 1, 0, 0, 0, 0, "83,3 %"),  # 5/6: under the goal
    "Borgerservice": (2, 0, 0, 2, 0, 0, "88,9 %"),  # 16/18
    "Social og Sundhed": (3, 2, 0, 1, 0, 0, "–"),  # no digital counts
}
FIGURE_FIELDS = ("paper", "leaks", "justified", "legitimate", "review", "window_cpr")
# The trend, weeks 45..48: (paper, leaks, digital share) per week
TREND = {
    "Jobcenter": ((4, 2, "93,0 %"), (3, 2, "94,3 %"), (3, 1, "93,8 %"), (2, 1, "98,2 %")),
    "Teknik og Miljø": ((2, 1, "90,9 %"), (2, 0, "90,9 %"), (2, 2, "90,9 %"),
                        (1, 0, "95,2 %")),
    "Børn og Familie": ((1, 1, "83,3 %"), (3, 2, "71,4 %"), (1, 0, "83,3 %"),
                        (1, 1, "83,3 %")),
    # Eva Fisk's two leaks (W45, W46) were closed as justified: 10/12 and 12/13
    "Borgerservice": ((2, 0, "83,3 %"), (1, 0, "92,3 %"), (1, 0, "93,3 %"), (2, 0, "88,9 %")),
    "Social og Sundhed": ((2, 0, "–"), (1, 1, "–"), (2, 0, "–"), (3, 2, "–")),
}
# The week's leaks per department: {sender: [kind, ...]}
LEAKS = {
    "Jobcenter": {"Anne Holm": ["Indkaldelse til samtale"]},
    "Teknik og Miljø": {},
    "Børn og Familie": {"Dorte Eg": ["Afgørelse om økonomisk friplads"]},
    "Borgerservice": {},
    "Social og Sundhed": {"Finn Gram": ["Afgørelse om hjemmehjælp"] * 2},
}
SUBJECTS = {
    "Jobcenter": "Postbakken uge 48 – Jobcenter: 1 brev kunne være sendt digitalt",
    "Teknik og Miljø": "Postbakken uge 48 – Teknik og Miljø: CPR-nummer synligt i kuvertens rude",
    "Børn og Familie": "Postbakken uge 48 – Børn og Familie: 1 brev kunne være sendt digitalt",
    "Borgerservice":
        "Postbakken uge 48 – Borgerservice: ingen papirbreve, der kunne være sendt digitalt",
    "Social og Sundhed":
        "Postbakken uge 48 – Social og Sundhed: 2 breve kunne være sendt digitalt",
}
CPR_IN_CLEAR = re.compile(r"(?<!\d)\d{6}[- ]?\d{4}(?!\d)")


def settings_toml(
    smtp: dict[str, object] | None = None, send_when_no_leaks: bool = True,
    addresses: dict[str, list[str]] | None = None,
) -> str:
    lines = [
        "[municipality]", 'name = "Favrskov Kommune"', "", "[digest]", f'sender = "{SENDER}"',
        f'contact = "{CONTACT}"', f"send_when_no_leaks = {str(send_when_no_leaks).lower()}", "",
        "[digest.departments]",
    ]
    for name, recipients in (addresses or ADDRESSES).items():
        lines.append(f'"{name}" = [{", ".join(chr(34) + r + chr(34) for r in recipients)}]')
    lines += ["", "[smtp]"]
    for key, value in (smtp or {"host": "127.0.0.1", "port": 25, "security": "none"}).items():
        lines.append(f"{key} = {value!r}".replace("'", '"') if isinstance(value, str)
                     else f"{key} = {value}")
    return "\n".join(lines) + "\n"


def prepare(home: Path, toml: str | None = None) -> Store:
    """The month in the workspace's database, and its postbakke.toml."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "postbakke.toml").write_text(toml or settings_toml(), encoding="utf-8")
    store = Store(home / "postbakke.db")
    store.registers.replace_staff(
        [StaffMember(name, name[:1] + name.split()[1][:1], f"{name.split()[0].lower()}@favrskov.dk",
                     "89640000", department) for name, department in SENDERS.values()]
        + [StaffMember(f"Leder {d}", f"L{i}", f"leder{i}@favrskov.dk", "89640001", d)
           for i, d in enumerate(DEPARTMENTS)],
        "staff.csv")
    store_month(store)
    store.registers.replace_digital_counts(digital_counts(), "digitale.csv")
    eva = next(f for f in store.followups.find() if f.sender == "Eva Fisk")
    close_followup(store, eva.id, Outcome.JUSTIFIED, "sårbar borger, aftalt papir", "projektleder")
    return store
