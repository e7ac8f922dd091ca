"""A citizen's data (access and erasure) and the audit log of who saw it."""

from __future__ import annotations

import sys
from typing import Any

import click

from postbakke.cli.base import Context, F, cli, os_user, period_options, print_table, typed_cpr
from postbakke.outputs.wording import action_da, describe_letter
from postbakke.people.person import erase_person, person_data
from postbakke.people.review import parse_cpr
from postbakke.privacy import mask_cpr


@cli.group()
def person() -> None:
    """En borgers data: hvad arbejdsmappen har om dem (indsigt), og sletning."""


def _reason_option(func: F) -> F:
    return click.option(
        "--reason", prompt="Begrundelse (fx sagsnummeret på anmodningen)",
        help="Hvorfor (skrives i revisionsloggen).",
    )(func)


def _typed_person(obj: Context) -> tuple[str, str]:
    """(pseudonym, masked) of a CPR typed at a hidden prompt or on standard input."""
    digits = parse_cpr(typed_cpr())
    return obj.pseudonymiser().pseudonym(digits), mask_cpr(digits)


@person.command("show")
@_reason_option
@click.pass_obj
def person_show(obj: Context, reason: str) -> None:
    """Vis alt, arbejdsmappen har om en borger (CPR-nummeret spørges om, skjult)."""
    pseudonym, masked = _typed_person(obj)
    data = person_data(obj.store(), pseudonym, masked, os_user(), reason)
    click.echo(f"Borger {masked}:")
    if data.enrolment:
        e = data.enrolment
        click.echo(f"  Tilmeldingsregistret: {e['status']}; {e['name']}, {e['street']}, "
                   f"{e['postcode']} {e['city']}")
    else:
        click.echo("  Tilmeldingsregistret: ikke registreret")
    click.echo(f"  Breve: {len(data.letters)}")
    for letter in data.letters:
        images = len(letter["image_paths"])
        click.echo(f"    Brev {letter['id']}: {letter['scanned_on']}, "
                   f"{letter['department'] or '(ukendt afdeling)'}, "
                   f"{letter['sender'] or '(ukendt afsender)'}: "
                   f"{describe_letter(letter['verdict'], letter['reason'], False)}"
                   f" ({images} sidebilleder)")
    click.echo(f"  Opfølgninger: {len(data.followups)}")
    for f in data.followups:
        click.echo(f"    Opfølgning {f.id}: {f.department or '(ukendt)'}, "
                   f"{f.sender or '(ukendt afsender)'}, {'åben' if f.is_open else 'lukket'}")
    click.echo(f"  Afgørelser: {len(data.decisions)}")
    for d in data.decisions:
        click.echo(f"    {d['at']} {d['actor']}: brev {d['letter_id']} ({action_da(d['action'])})")


@person.command("erase")
@_reason_option
@click.option("--yes", is_flag=True, help="Spørg ikke om bekræftelse.")
@click.pass_obj
def person_erase(obj: Context, reason: str, yes: bool) -> None:
    """Slet en borgers sidebilleder, OCR-tekst, navne og pseudonym (tallene bevares)."""
    pseudonym, masked = _typed_person(obj)
    if not yes and sys.stdin.isatty():
        click.confirm(f"Slet data om {masked}?", abort=True, err=True)
    erased = erase_person(obj.store(), pseudonym, masked, os_user(), reason)
    click.echo(f"Slettet for {masked}: {erased.letters} breve gjort anonyme, "
               f"{erased.images} sidebilleder fjernet; tællingerne er uændrede.")


@cli.command()
@period_options
@click.pass_obj
def audit(obj: Context, start: Any, end: Any) -> None:
    """Revisionsloggen: hvem så eller ændrede persondata, hvornår, hvad og hvorfor."""
    rows = obj.store().audit.entries(
        start.date().isoformat() if start else None, end.date().isoformat() if end else None)
    if not rows:
        click.echo("Ingen adgange i perioden.")
        return
    print_table(["Tidspunkt", "Hvem", "Hvad", "Om", "Begrundelse"],
                [(r["at"], r["actor"], action_da(r["action"]), r["subject"] or "",
                  r["reason"] or "") for r in rows])
