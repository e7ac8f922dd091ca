"""The overviews: trays (mailroom), departments, letters and follow-ups (project leaders)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from postbakke.errors import PostbakkeError
from postbakke.outputs import digest
from postbakke.outputs.digital import IsoWeek
from postbakke.outputs.figures import Period
from postbakke.outputs.report import load_figures, load_report
from postbakke.outputs.report import render_html as render_report
from postbakke.outputs.wording import VERDICT_DA
from postbakke.people.duplicates import mark_new_letter
from postbakke.people.followup import Outcome, close_followup
from postbakke.web.context import (
    context,
    document_response,
    error_page,
    letter_or_404,
    require_project_leader,
    store,
    visitor,
)
from postbakke.web.users import authenticate

blueprint = Blueprint("overview", __name__)

LETTERS_PER_PAGE = 50
FOLLOWUPS_PER_PAGE = 100  # a year holds thousands (closed ones with "også lukkede")


@blueprint.route("/log-ind", methods=["GET", "POST"])
def login() -> Any:
    message = None
    if request.method == "POST":
        role = authenticate(store(), request.form.get("name", ""), request.form.get("password", ""))
        if role is not None:
            session.clear()
            session["user"] = request.form.get("name", "").strip()
            session["role"] = role.value
            session["seen"] = time.time()
            target = request.args.get("next", "")
            # only a path on this site (never another host)
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("station.next_letter")
            return redirect(target, code=303)
        message = "Forkert brugernavn eller adgangskode."
    return render_template("web/login.html.j2", message=message), 401 if message else 200


@blueprint.post("/log-ud")
def logout() -> Any:
    session.clear()
    return redirect(url_for("overview.login"), code=303)


@blueprint.get("/bakker")
def trays() -> Any:
    the_store = store()
    rows = the_store.figures.tray_overview()
    return render_template(
        "web/trays.html.j2", rows=rows, failures=the_store.files.recent_failures(),
        waiting=_waiting_in_watch_folder(),
    )


def _waiting_in_watch_folder() -> list[str] | None:
    """The scans waiting in the configured watch folder ([watch] folder), by relative name."""
    from postbakke.watch import waiting_scans

    settings = context().settings
    folder = settings.watch_folder
    if folder is None or not folder.is_dir():
        return None
    return [str(path.relative_to(folder)) for path in waiting_scans(folder, [settings.home])]


def _week_arg() -> IsoWeek:
    raw = request.args.get("uge")
    if raw:
        try:
            return IsoWeek.parse(raw)
        except ValueError:
            abort(400)
    latest = store().figures.latest_scanned_on()
    return IsoWeek.of(latest or date.today())


@blueprint.get("/afdelinger")
@require_project_leader
def departments() -> Any:
    week = _week_arg()
    period = Period.week(week)
    data = load_figures(store(), period)
    return render_template(
        "web/departments.html.j2", report=data, period=period, week=week,
        previous=week.shifted(-1), following=week.shifted(1),
    )


@blueprint.get("/breve")
@require_project_leader
def letters() -> Any:
    args = request.args
    week = None
    if args.get("uge"):
        week = _week_arg()
    verdict = args.get("vurdering") or None
    if verdict and verdict not in VERDICT_DA:
        abort(400)
    try:
        before = int(args["foer"]) if args.get("foer") else None
    except ValueError:
        abort(400)
    rows = store().letters.find(
        department=args.get("afdeling") or None, sender=args.get("afsender") or None,
        verdict=verdict, start=week.monday if week else None, end=week.sunday if week else None,
        before_id=before, limit=LETTERS_PER_PAGE,
    )
    more = rows[-1]["id"] if len(rows) == LETTERS_PER_PAGE else None
    return render_template(
        "web/letters.html.j2", rows=rows, more=more,
        departments=store().registers.departments(), filters=args,
    )


@blueprint.get("/brev/<int:letter_id>")
def letter(letter_id: int) -> Any:
    record = letter_or_404(letter_id)
    followup = store().followups.of_letter(record.key)
    first_copy = None
    if record.duplicate_of is not None:
        first_id = store().letters.id_of(record.duplicate_of)
        first_copy = {"id": first_id, "record": store().letters.get(first_id) if first_id else None}
    return render_template(
        "web/letter.html.j2", letter=record, letter_id=letter_id, followup=followup,
        first_copy=first_copy,
    )


@blueprint.post("/brev/<int:letter_id>/nyt-brev")
def new_letter(letter_id: int) -> Any:
    """"Det er et nyt brev": a letter taken for a copy counts again (duplicates.mark_new_letter,
    as `postbakke duplicate undo`)."""
    try:
        mark_new_letter(store(), letter_id, visitor().name)
    except PostbakkeError as error:
        return error_page("Brevet blev ikke ændret", str(error), 422,
                          back=url_for("overview.letter", letter_id=letter_id))
    return redirect(url_for("overview.letter", letter_id=letter_id), code=303)


@blueprint.get("/opfoelgninger")
@require_project_leader
def followups() -> Any:
    department = request.args.get("afdeling") or None
    only_open = request.args.get("alle") is None
    try:
        page = max(1, int(request.args.get("side") or 1))
    except ValueError:
        abort(400)
    found = store().followups
    total = found.count(department=department, only_open=only_open)
    pages = max(1, -(-total // FOLLOWUPS_PER_PAGE))
    rows = found.find(department=department, only_open=only_open, with_kinds=False,
                      limit=FOLLOWUPS_PER_PAGE, offset=(page - 1) * FOLLOWUPS_PER_PAGE)
    return render_template("web/followups.html.j2", rows=rows, outcomes=list(Outcome),
                           department=department, departments=store().registers.departments(),
                           page=page, pages=pages, total=total)


@blueprint.post("/opfoelgninger/<int:followup_id>/luk", endpoint="close_followup")
@require_project_leader
def close_followup_form(followup_id: int) -> Any:
    try:
        outcome = Outcome(request.form.get("outcome", ""))
    except ValueError:
        abort(400)
    try:
        close_followup(store(), followup_id, outcome, request.form.get("note", ""),
                       visitor().name)
    except PostbakkeError as error:
        return error_page("Opfølgningen blev ikke lukket", str(error), 422,
                          back=url_for("overview.followups"))
    return redirect(url_for("overview.followups"), code=303)


@blueprint.get("/rapport")
@require_project_leader
def report() -> Any:
    """The week's report (?uge=), or any period's, a year's too (?fra=ÅÅÅÅ-MM-DD&til=...)."""
    data = load_report(store(), _report_period(), context().settings.municipality_name)
    return document_response(render_report(data))


def _report_period() -> Period:
    start, end = request.args.get("fra"), request.args.get("til")
    if not (start or end):
        return Period.week(_week_arg())
    try:
        return Period.between(date.fromisoformat(start or ""), date.fromisoformat(end or ""))
    except (ValueError, PostbakkeError):
        abort(400)


@blueprint.get("/ugebrev")
@require_project_leader
def digest_preview() -> Any:
    settings = context().settings
    week = _week_arg() if request.args.get("uge") else digest.default_week(date.today())
    department = request.args.get("afdeling") or None
    try:
        found = digest.load_digests(store(), settings, week, department)
        mailing = digest.Mailing.of(settings)
    except PostbakkeError as error:
        return error_page("Intet ugebrev", str(error), 404)
    if department is None:
        return render_template("web/digests.html.j2", digests=found, week=week,
                               subject_of=digest.subject_of)
    return document_response(digest.render_html(found[0], mailing))
