"""The Danish words a user reads for the codes the tool stores, shared by the CLI and reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from postbakke.clock import local_time
from postbakke.letters.subjects import KINDS_SHOWN
from postbakke.outputs.digital import IsoWeek

if TYPE_CHECKING:
    from jinja2 import Environment

VERDICT_DA = {"leak": "læk", "legitimate": "legitim", "review": "til gennemsyn"}
REASON_DA = {
    "enrolled": "modtageren er tilmeldt Digital Post",
    "exempt": "modtageren er fritaget for Digital Post",
    "company_obliged": "virksomheder skal modtage Digital Post",
    "cpr_not_in_register": "CPR-nummeret står ikke i registret",
    "no_recipient": "modtageren kunne ikke findes",
    "ambiguous": "flere mulige modtagere",
    "low_confidence": "for usikker læsning",
    "child_under_15": "barn under 15 år",
    "estate": "brevet er til et dødsbo (afdødes Digital Post er lukket)",
    "physical_enclosure": "brevet har et fysisk bilag",
    "enclosure_unclear": "brevet nævner et bilag, som ikke kunne bestemmes",
    "no_danish_id": "modtageren har intet dansk CPR- eller CVR-nummer (afgjort manuelt)",
    "justified_paper": "papirbrevet var begrundet (afgjort manuelt)",
}
# The fields the scan found on a page (letters/locate.py), as the outlines' tooltips and
# their legend name them.
FIELD_DA = {
    "recipient_id": "modtagerens CPR/CVR",
    "recipient_name": "modtagerens navn",
    "recipient_attention": "c/o eller att.",
    "recipient_street": "modtagerens vej",
    "recipient_postcode": "modtagerens postnummer",
    "subject": "emne",
    "sender": "afsender",
    "caseworker": "sagsbehandler",
    "sender_email": "afsenderens e-mail",
    "sender_initials": "afsenderens initialer",
}
# The decision log's actions as the audit shows them.
ACTION_DA = {
    "decide": "brev afgjort",
    "postpone": "brev udsat",
    "undo": "afgørelse fortrudt",
    "new_letter": "markeret som nyt brev",
}


def action_da(action: str) -> str:
    """A logged action as the audit shows it ("afgørelse: decide" -> "brev afgjort")."""
    code = action.removeprefix("afgørelse: ")
    return ACTION_DA.get(code, action)
OUTCOME_DA = {
    "kontaktet": "afsenderen er kontaktet",
    "begrundet": "papirbrevet var begrundet",
    "system_rettet": "fagsystemet er rettet",
}
MONTHS_DA = [
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
    "oktober", "november", "december",
]


def week_da(label: str) -> str:
    """An ISO week's label as people say it: "2026-W47" -> "uge 47 2026"."""
    try:
        week = IsoWeek.parse(label)
    except ValueError:
        return label
    return f"uge {week.week} {week.year}"


def reason_da(reason: str) -> str:
    return REASON_DA.get(reason, reason)


def describe_letter(verdict: str, reason: str, window_cpr: bool) -> str:
    """A letter's verdict as a mailroom reads it: "læk (modtageren er tilmeldt Digital Post)"."""
    text = f"{VERDICT_DA[verdict]} ({reason_da(reason)})"
    if window_cpr:
        text += " - OBS: CPR-nummer synligt i rudefeltet"
    return text


def percent_da(share: float | None, decimals: int = 1) -> str:
    """0.8532 -> "85,3 %" (Danish decimal comma); None -> "–"."""
    if share is None:
        return "–"
    return f"{share * 100:.{decimals}f}".replace(".", ",") + " %"


def date_da(day: date) -> str:
    """2026-11-25 -> "25. november 2026"."""
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"


def format_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Columns padded to their widest cell, a rule under the header; None shows as empty.

    With no rows the header and its rule still come out, so an empty table is no error.
    """
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines.extend(
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )
    return lines


def kinds_da(ranked: Iterable[tuple[str, int]], limit: int = KINDS_SHOWN) -> str:
    """The first `limit` of ranked kinds: [("Indkaldelse", 3), ("Afgørelse", 1)] ->
    "Indkaldelse (3), Afgørelse (1)"."""
    return ", ".join(f"{kind} ({n})" for kind, n in list(ranked)[:limit])


def template_environment() -> Environment:
    """The Jinja environment of every template in postbakke/templates/.

    Autoescape is on for HTML (and for any template that is not plain text), so a
    sender's name can never inject markup; StrictUndefined turns a misspelt
    variable into an error instead of an empty cell. The Danish filters every
    template may use are set here; a module adds its own.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    from postbakke.privacy import mask_rendered

    env = Environment(
        loader=PackageLoader("postbakke", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2", "htm", "xml"),
            disabled_extensions=("txt", "txt.j2"),
            default=True, default_for_string=True,
        ),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=mask_rendered,
    )
    env.filters["pct"] = percent_da
    env.filters["week_da"] = week_da
    env.filters["local"] = local_time
    env.filters["date_da"] = date_da
    env.filters["reason_da"] = reason_da
    return env
