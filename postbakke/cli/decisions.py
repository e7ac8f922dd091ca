"""What people decide: follow-ups, the review queue, copies."""

from __future__ import annotations

import click

from postbakke.cli.base import Context, cli, os_user, print_table, typed_cpr
from postbakke.models import Enrolment
from postbakke.outputs.wording import OUTCOME_DA, describe_letter, kinds_da, reason_da
from postbakke.people.duplicates import mark_new_letter
from postbakke.people.followup import Outcome, close_followup
from postbakke.people.review import (
    DecisionError,
    decide_letter,
    decision_by_look_up,
    make_decision,
    undo_last,
)


@cli.group()
def followup() -> None:
    """Opfølgninger: én pr. afsender med læk, til en snak om den digitale vej."""


@followup.command("list")
@click.option("--department", help="Kun denne afdeling.")
@click.option("--open", "only_open", is_flag=True, help="Kun åbne opfølgninger.")
@click.pass_obj
def followup_list(obj: Context, department: str | None, only_open: bool) -> None:
    """Vis opfølgningerne (åbne først)."""
    rows = obj.store().followups.find(department=department, only_open=only_open)
    if not rows:
        click.echo("Ingen opfølgninger.")
        return

    print_table(
        ["Nr", "Status", "Afdeling", "Afsender", "Læk", "Slags breve", "Seneste", "Udfald",
         "Note"],
        [
            (f.id, "åben" if f.is_open else "lukket", f.department or "(ukendt)",
             f.sender or "(ukendt afsender)", f.letters, kinds_da(f.kinds),
             f.last_scanned_on or "", OUTCOME_DA[f.outcome] if f.outcome else "", f.note or "")
            for f in rows
        ],
    )


@followup.command("close")
@click.argument("followup_id", metavar="NR", type=int)
@click.option("--outcome", required=True,
              type=click.Choice(["kontaktet", "begrundet", "system_rettet"]),
              help="kontaktet: afsenderen er kontaktet; begrundet: papir var det rigtige "
                   "(brevene tæller da ikke som læk); system_rettet: fagsystemet er rettet.")
@click.option("--note", required=True, help="Kort begrundelse eller aftale.")
@click.pass_obj
def followup_close(obj: Context, followup_id: int, outcome: str, note: str) -> None:
    """Luk opfølgning NR med et udfald og en note."""
    closed = close_followup(obj.store(), followup_id, Outcome(outcome), note,
                            actor=os_user())
    text = f"Opfølgning {closed.id} lukket: {OUTCOME_DA[closed.outcome or outcome]}."
    if closed.outcome is Outcome.JUSTIFIED:
        text += (f" Dens {closed.letters} breve tæller nu som begrundede, ikke som læk.")
    click.echo(text)


@cli.group()
def review() -> None:
    """Breve til gennemsyn: dem værktøjet ikke kunne afgøre."""


@review.command("list")
@click.pass_obj
def review_list(obj: Context) -> None:
    """Vis brevene, der venter på en persons afgørelse, og hvor sidebillederne ligger."""
    rows = obj.store().review.waiting()
    if not rows:
        click.echo("Ingen breve venter på gennemsyn.")
        return
    for row in rows:
        pages = ",".join(map(str, row["pages"]))
        click.echo(f"Brev {row['id']}: {reason_da(row['reason'])}")
        click.echo(f"  Afdeling: {row['department'] or '(ukendt)'}; "
                   f"afsender: {row['sender'] or '(ukendt)'}")
        click.echo(f"  Fil: {row['source']}, side {pages} (bakke fra {row['scanned_on']})")
        if row["image_paths"]:
            click.echo(f"  Sidebilleder: {', '.join(row['image_paths'])}")
        elif row["has_text"]:
            click.echo("  Sidebilleder: ingen (filen havde et tekstlag; se den scannede fil)")
        else:
            click.echo("  Sidebilleder: slettet efter opbevaringsperioden")
        click.echo(f"  Spor: {row['evidence'] or '-'}")
        if row["match"] == "manual":
            click.echo(f"  Afgjort manuelt ({row['recipient_masked']}), men modtageren står ikke "
                       "i tilmeldingsregistret: indlæs et nyere register og afgør igen.")
    click.echo(f"\n{len(rows)} breve til gennemsyn. Afgør et brev med "
               "'postbakke review decide NR --cpr | --cvr NNNNNNNN | --no-recipient', "
               "eller i arbejdsstationen ('postbakke web').")


@review.command("decide")
@click.argument("letter_id", metavar="NR", type=int)
@click.option("--cpr", "cpr_typed", is_flag=True,
              help="Modtageren har et CPR-nummer: det skrives ved en skjult prompt (eller på "
                   "standard-input) og gemmes kun som pseudonym.")
@click.option("--cvr", help="Modtagerens CVR-nummer.")
@click.option("--no-recipient", is_flag=True,
              help="Modtageren har intet dansk CPR- eller CVR-nummer (aldrig læk).")
@click.option("--justified", metavar="NOTE",
              help="Papir var det rigtige for dette brev; noten siger hvorfor (aldrig læk).")
@click.option("--sender", help="Afsenderens navn som i medarbejderkartoteket.")
@click.option("--opslag", "looked_up", type=click.Choice(["tilmeldt", "fritaget"]),
              help="CPR-nummeret står ikke i registret, men dit eget opslag i Digital Post "
                   "viste tilmeldt eller fritaget (gemmes som din oplysning). Gælder det "
                   "trykte nummer, eller det skrevne med --cpr.")
@click.pass_obj
def review_decide(obj: Context, letter_id: int, cpr_typed: bool, cvr: str | None,
                  no_recipient: bool, justified: str | None, sender: str | None,
                  looked_up: str | None) -> None:
    """Afgør brev NR: hvem det er til; vurderingen beregnes ud fra tilmeldingsregistret."""
    store = obj.store()
    if looked_up is not None:
        if cvr or no_recipient or justified or sender:
            raise DecisionError("--opslag bruges alene (eller med --cpr)")
        record = store.letters.get(letter_id)
        if record is None:
            raise DecisionError(f"brev nr. {letter_id} findes ikke")
        decision = decision_by_look_up(
            record, Enrolment(looked_up), os_user(), typed_cpr() if cpr_typed else None,
            obj.pseudonymiser())
    else:
        decision = make_decision(
            cpr=typed_cpr() if cpr_typed else None, cvr=cvr, no_recipient=no_recipient,
            sender=sender, pseudonymiser=obj.pseudonymiser(), justified_note=justified,
            own_cvrs=obj.settings.own_cvrs, staff=store.registers.staff_members(),
        )
    letter = decide_letter(store, letter_id, decision, actor=os_user())
    who = letter.recipient_masked or "ingen modtager med dansk id"
    click.echo(
        f"Brev {letter_id} afgjort ({who}): "
        f"{describe_letter(letter.verdict, letter.reason, letter.window_cpr)}."
    )


@review.command("undo")
@click.pass_obj
def review_undo(obj: Context) -> None:
    """Fortryd din seneste afgørelse (også en fra arbejdsstationen under samme navn)."""
    letter_id = undo_last(obj.store(), os_user())
    click.echo("Intet at fortryde." if letter_id is None
               else f"Brev {letter_id}: afgørelsen er fortrudt; brevet er som før.")


@cli.group()
def duplicate() -> None:
    """Kopier: det samme papir scannet igen (tælles ikke med)."""


@duplicate.command("list")
@click.pass_obj
def duplicate_list(obj: Context) -> None:
    """Vis brevene, der er taget for kopier af breve scannet før."""
    rows = [r for r in obj.store().letters.export() if r["duplicate_of"] is not None]
    if not rows:
        click.echo("Ingen kopier.")
        return
    print_table(
        ["Nr", "Fil", "Sider", "Dato", "Kopi af", "Afsender"],
        [(r["id"], r["source"], ",".join(map(str, r["pages"])), r["scanned_on"],
          f"{r['duplicate_of']['source']} side "
          f"{','.join(map(str, r['duplicate_of']['pages']))}", r["sender"] or "(ukendt)")
         for r in rows],
    )
    click.echo("\nEr et brev et nyt brev og ikke en kopi: 'postbakke duplicate undo NR'.")


@duplicate.command("undo")
@click.argument("letter_id", metavar="NR", type=int)
@click.pass_obj
def duplicate_undo(obj: Context, letter_id: int) -> None:
    """Det er et nyt brev: brev NR er ikke en kopi og tælles med igen."""
    letter = mark_new_letter(obj.store(), letter_id, actor=os_user())
    click.echo(
        f"Brev {letter_id} er et nyt brev og tælles med: "
        f"{describe_letter(letter.verdict, letter.reason, letter.window_cpr)}."
    )
