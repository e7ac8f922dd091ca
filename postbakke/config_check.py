"""`postbakke config check`: every problem of the settings, and what they mean for the
workspace (the municipality `scan` needs, the digest's departments against the staff
directory, files others may read, what is kept how long), in Danish."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from postbakke.config import (
    RETENTION_KINDS,
    SETTINGS_FILE,
    SMTP_PASSWORD_ENV,
    Settings,
    read_settings,
    stops_commands,
)
from postbakke.settings.tables import ConfigProblem, Severity, TomlLines, suggestion

RETENTION_DA = {
    "page_images": "sidebilleder (sider/)",
    "letter_text": "OCR-tekst, emne, spor og modtagerblok (navne) i databasen",
    "watch_originals": "de scannede originaler i scannermappens behandlet/ og fejlet/",
    "reports": "rapporter og ugebreve (reports/ og reports/outbox/)",
}
# Files of the workspace may be read by their owner only (0600, folders 0700).
GROUP_OTHER_BITS = 0o077


def check_settings(
    env: Mapping[str, str] | None = None,
    staff_departments: Callable[[Settings], Iterable[str]] | None = None,
) -> tuple[Settings | None, list[ConfigProblem]]:
    """Everything `postbakke config check` reports: the file's problems, and the digest's
    departments held against the staff directory's. Errors first, then warnings; no
    settings when an error stops every command."""
    settings, problems = read_settings(env)
    if settings is None or any(stops_commands(p) for p in problems):
        return None, sorted(problems, key=lambda p: not p.is_error)
    path = settings.settings_path
    locate = TomlLines(path, path.read_text(encoding="utf-8") if path.exists() else "")

    def warn(loc: tuple[str, ...] | None, message: str, area: str = "digest") -> None:
        where = locate.where(loc) if loc is not None else str(path)
        problems.append(ConfigProblem(Severity.WARNING, where, message, area))

    gaps = settings.municipality_gaps()
    if gaps:  # said first: `scan` refuses the workspace until it is added
        whats, lines = (" og ".join(part) for part in zip(*gaps, strict=True))
        add = (f"tilføj {lines} under [municipality]"
               if locate.has_table("municipality") and len(gaps) == 1
               else f"tilføj [municipality] med {lines}")
        problems.insert(0, ConfigProblem(
            Severity.WARNING, locate.where(("municipality",)),
            f"kommunens {whats} mangler, så 'postbakke scan' nægter at scanne: {add}",
            "municipality"))
    digest = settings.digest
    configured = bool(digest.sender or digest.departments) or any(
        p.area == "digest" for p in problems)
    if not configured:
        warn(None, "ingen [digest]: ugebrevene til afdelingerne er ikke sat op (se README)")
    known = sorted(set(staff_departments(settings))) if staff_departments else []
    folded = {name.casefold() for name in known}
    if configured and not known:
        warn(None, "medarbejderkartoteket er tomt, så afdelingernes navne kan ikke tjekkes "
                   "(kør 'postbakke staff import')")
    elif configured:
        for name in digest.departments:
            if name.casefold() not in folded:
                warn(("digest", "departments", name),
                     f"afdelingen '{name}' står ikke i medarbejderkartoteket og får derfor "
                     f"aldrig breve at fortælle om{suggestion(name, known)}")
        configured_names = {n.casefold() for n in digest.departments}
        for name in known:
            if name.casefold() not in configured_names:
                warn(("digest", "departments"), f"afdelingen '{name}' har ingen modtagere i "
                                                "[digest.departments] og får intet ugebrev")
    smtp = settings.smtp
    if configured and smtp.user and not settings.smtp_password:
        warn(("smtp", "user"), f"[smtp] user er sat, men {SMTP_PASSWORD_ENV} er ikke sat i dette "
                               "miljø: sæt den dér, hvor ugebrevene sendes fra (cron/systemd)",
             "smtp")
    if configured and smtp.user and smtp.security == "none":
        warn(("smtp", "security"), "[smtp] security = \"none\" med user: adgangskoden sendes "
                                   "ukrypteret; brug starttls eller ssl", "smtp")
    problems.sort(key=lambda p: not p.is_error)
    return settings, problems


def retention_lines(settings: Settings) -> list[str]:
    """What is kept how long (Danish), for `config check`."""
    lines = [f"Opbevaring: {RETENTION_DA[kind]}: {getattr(settings.retention, kind)} dage"
             for kind in RETENTION_KINDS]
    lines.append("Opbevaring: tal, vurderinger, pseudonymer og brevtyper: bevares "
                 "(statistikken); revisionsloggen: bevares")
    return lines


def workspace_problems(settings: Settings) -> list[ConfigProblem]:
    """Files and folders under $POSTBAKKE_HOME that others than the owner may read."""
    home = settings.home
    if not home.exists():
        return []
    problems = []
    for path in [home, *sorted(home.rglob("*"))]:
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            continue
        if mode & GROUP_OTHER_BITS:
            problems.append(ConfigProblem(
                Severity.ERROR, str(path),
                f"kan læses af andre end ejeren (rettigheder {mode:o}); ret med "
                f"'chmod -R go-rwx {home}'", "workspace"))
    return problems


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """What `postbakke config check` ends with: the counts and the closing line (Danish)."""

    errors: int
    warnings: int
    line: str

    @property
    def ok(self) -> bool:
        return not self.errors


def summarise_check(
    settings: Settings | None, problems: Sequence[ConfigProblem]
) -> CheckSummary:
    """Count the errors and warnings of `check_settings` and word the closing line."""
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    where = settings.settings_path if settings else SETTINGS_FILE
    counted = f"{warnings} advarsel" if warnings == 1 else f"{warnings} advarsler"
    if errors:
        return CheckSummary(errors, warnings, f"{where}: {errors} fejl, {counted}.")
    note = f" ({counted})" if warnings else ""
    if settings is not None and settings.settings_path.exists():
        line = f"{where} er i orden{note}."
    else:
        line = f"{where} findes ikke; standardindstillingerne bruges{note}."
    return CheckSummary(errors, warnings, line)
