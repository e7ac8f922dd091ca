"""The Danish words a user reads for the codes the tool stores, shared by the CLI and reports."""

from __future__ import annotations

from datetime import date

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
    "physical_enclosure": "brevet har et fysisk bilag",
    "no_danish_id": "modtageren har intet dansk CPR- eller CVR-nummer (afgjort manuelt)",
    "justified_paper": "papirbrevet var begrundet (afgjort manuelt)",
}
OUTCOME_DA = {
    "kontaktet": "afsenderen er kontaktet",
    "begrundet": "papirbrevet var begrundet",
    "system_rettet": "fagsystemet er rettet",
}
MONTHS_DA = [
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
    "oktober", "november", "december",
]


def reason_da(reason: str) -> str:
    return REASON_DA.get(reason, reason)


def percent_da(share: float | None, decimals: int = 1) -> str:
    """0.8532 -> "85,3 %" (Danish decimal comma); None -> "–"."""
    if share is None:
        return "–"
    return f"{share * 100:.{decimals}f}".replace(".", ",") + " %"


def date_da(day: date) -> str:
    """2026-11-25 -> "25. november 2026"."""
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"
