"""The settings check and the work station (serving it, its users)."""

from __future__ import annotations

import sys

import click

from postbakke.cli.base import Context, cli, echo_lines, os_user, print_table
from postbakke.config import ConfigProblem, Settings, Severity
from postbakke.config_check import (
    check_settings,
    retention_lines,
    summarise_check,
    workspace_problems,
)
from postbakke.errors import ExitCode, PostbakkeError
from postbakke.people.access import record_access
from postbakke.privacy import SECRET_FILE, load_or_create_secret
from postbakke.store import Store


@cli.group()
def config() -> None:
    """Indstillingerne i $POSTBAKKE_HOME/postbakke.toml."""


@config.command("check")
@click.pass_obj
def config_check(obj: Context) -> None:
    """Tjek postbakke.toml: kommunens navn og CVR, ugebrevenes afsender, modtagere, mailserver
    og afdelinger."""
    settings, problems = check_settings(staff_departments=_staff_departments)
    if settings is not None:
        problems = [*problems, *workspace_problems(settings)]
        try:
            if settings.secret is not None or (settings.home / SECRET_FILE).exists():
                load_or_create_secret(settings.home, settings.secret)
        except PostbakkeError as error:
            problems.append(ConfigProblem(Severity.ERROR, "", str(error), "secret"))
        problems.sort(key=lambda p: (not p.is_error,))
    for problem in problems:
        click.echo(f"{'Fejl' if problem.is_error else 'Advarsel'}: {problem}")
    if settings is not None:
        echo_lines(retention_lines(settings))
    checked = summarise_check(settings, problems)
    click.echo(checked.line)
    if not checked.ok:
        sys.exit(int(ExitCode.CONFIG))


def _staff_departments(settings: Settings) -> set[str]:
    """The staff directory's departments, without creating a workspace that is not there."""
    if not settings.db_path.exists():
        return set()
    return {m.department for m in Store(settings.db_path).registers.staff_members()}


@cli.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adressen, der lyttes på (andet end 127.0.0.1 kræver brugere med login).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Porten.")
@click.pass_context
def web(click_ctx: click.Context, host: str, port: int) -> None:
    """Arbejdsstationen i browseren: gennemsyn, bakker, afdelinger og opfølgninger."""
    if click_ctx.invoked_subcommand is not None:
        return
    from postbakke.web.serve import serve

    obj: Context = click_ctx.obj
    serve(obj.settings, host, port, announce=click.echo)
    click.echo("Stoppet.")


@web.group("user")
def web_user() -> None:
    """Brugere af arbejdsstationen (kræves for at vise den på netværket)."""


ROLE_CHOICE = click.Choice(["postrum", "projektleder"])
ROLE_HELP = ("postrum: afgør breve og ser bakker; projektleder: også opfølgninger og "
             "rapporter.")


def _password_twice() -> str:
    """A new password typed twice at a hidden prompt, in Danish (click's own is English)."""
    while True:
        first: str = click.prompt("Adgangskode", hide_input=True, err=True)
        again: str = click.prompt("Gentag adgangskoden", hide_input=True, err=True)
        if first == again:
            return first
        click.echo("Fejl: de to adgangskoder er ikke ens. Prøv igen.", err=True)


@web_user.command("add")
@click.argument("name", metavar="NAVN")
@click.option("--role", required=True, type=ROLE_CHOICE, help=ROLE_HELP)
@click.option("--password", callback=lambda ctx, param, value: value or _password_twice(),
              help="Spørges der om (skjult), to gange.")
@click.pass_obj
def web_user_add(obj: Context, name: str, role: str, password: str) -> None:
    """Opret brugeren NAME (eller skift adgangskode og rolle)."""
    from postbakke.web.users import Role, add_user

    add_user(obj.store(), name, Role(role), password)
    record_access(obj.store(), os_user(), "bruger gemt", f"{name.strip()} ({role})")
    click.echo(f"Bruger {name.strip()} gemt som {role}.")


@web_user.command("list")
@click.pass_obj
def web_user_list(obj: Context) -> None:
    """Vis brugerne og deres roller."""
    rows = obj.store().users.all()
    if not rows:
        click.echo("Ingen brugere: arbejdsstationen kan kun bruges på denne maskine "
                   "(127.0.0.1).")
        return
    print_table(["Bruger", "Rolle", "Oprettet"],
                [(r["name"], r["role"], (r["created_at"] or "")[:10]) for r in rows])


@web_user.command("remove")
@click.argument("name", metavar="NAVN")
@click.pass_obj
def web_user_remove(obj: Context, name: str) -> None:
    """Fjern brugeren NAME (logges ud ved næste klik)."""
    from postbakke.web.users import remove_user

    remove_user(obj.store(), name)
    record_access(obj.store(), os_user(), "bruger fjernet", name.strip())
    click.echo(f"Bruger {name.strip()} fjernet.")


@web_user.command("passwd")
@click.argument("name", metavar="NAVN")
@click.option("--password", callback=lambda ctx, param, value: value or _password_twice(),
              help="Spørges der om (skjult), to gange.")
@click.pass_obj
def web_user_passwd(obj: Context, name: str, password: str) -> None:
    """Giv brugeren NAME en ny adgangskode (brugerens andre sessioner slutter; en låst
    bruger låses op)."""
    from postbakke.web.users import change_password

    change_password(obj.store(), name, password)
    record_access(obj.store(), os_user(), "adgangskode skiftet", name.strip())
    click.echo(f"Ny adgangskode gemt for {name.strip()}.")


@web_user.command("role")
@click.argument("name", metavar="NAVN")
@click.argument("role", metavar="ROLLE", type=ROLE_CHOICE)
@click.pass_obj
def web_user_role(obj: Context, name: str, role: str) -> None:
    """Giv brugeren NAME rollen ROLE (gælder fra brugerens næste klik)."""
    from postbakke.web.users import Role, change_role

    change_role(obj.store(), name, Role(role))
    record_access(obj.store(), os_user(), "rolle skiftet", f"{name.strip()} ({role})")
    click.echo(f"Bruger {name.strip()} er nu {role}.")
