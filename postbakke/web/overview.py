"""The overviews: trays (mailroom), departments, letters and follow-ups (project leaders)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)

from postbakke.errors import PostbakkeError
from postbakke.outputs import digest
from postbakke.outputs.digital import IsoWeek
from postbakke.outputs.figures import Period
from postbakke.outputs.report import load_figures, load_report
from postbakke.outputs.report import render_html as render_report
from postbakke.outputs.wording import OUTCOME_DA, VERDICT_DA, week_da
from postbakke.people.access import record_access
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

blueprint = Blueprint("overview", __name__)

LETTERS_PER_PAGE = 50
blueprint.add_app_template_filter(week_da, "week_da")
FOLLOWUPS_PER_PAGE = 100  # a year holds thousands (closed ones with "også lukkede")


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
    """The week asked for, as people type it ("48", "uge 48", "2026-W48"), or the latest
    scanned; a week that is no week is a 400."""
    raw = request.args.get("uge", "").strip()
    if raw:
        try:
            return _typed_week(raw)
        except ValueError:
            abort(400)
    return IsoWeek.of(store().figures.latest_scanned_on() or date.today())


def _typed_week(raw: str) -> IsoWeek:
    """A week as typed; a bare number is a week of the latest scanned tray's year."""
    latest = store().figures.latest_scanned_on() or date.today()
    return IsoWeek.typed(raw, latest.isocalendar().year)


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
    week, problem = None, None
    if args.get("uge", "").strip():
        try:
            week = _typed_week(args["uge"])
        except ValueError as error:
            problem = str(error)
    verdict = args.get("vurdering") or None
    if verdict and verdict not in VERDICT_DA:
        abort(400)
    try:
        before = int(args["foer"]) if args.get("foer") else None
    except ValueError:
        abort(400)
    senders = _senders_named(args.get("afsender", ""))
    rows = [] if problem else store().letters.find(
        department=args.get("afdeling") or None, senders=senders,
        verdict=verdict, start=week.monday if week else None, end=week.sunday if week else None,
        before_id=before, limit=LETTERS_PER_PAGE,
    )
    more = rows[-1]["id"] if len(rows) == LETTERS_PER_PAGE else None
    record_access(store(), visitor().name, "breve vist", _filters_shown(args))
    return render_template(
        "web/letters.html.j2", rows=rows, more=more, problem=problem, week=week,
        departments=store().registers.departments(), filters=args,
    )


def _senders_named(typed: str) -> list[str] | None:
    """The senders whose name holds every typed word, in any case ("dorthe", "Johansen");
    None: no sender asked for."""
    words = typed.casefold().split()
    if not words:
        return None
    names = store().letters.sender_names()
    exact = [name for name in names if name.casefold().split() == words]
    if exact:  # a whole name (the follow-ups' links): that sender only, not a longer name
        return exact
    return [name for name in names if all(word in name.casefold() for word in words)]


def _filters_shown(args: Any) -> str:
    """The letter list's filters as the audit log records them."""
    shown = [f"{name}={args[name]}" for name in ("afdeling", "afsender", "vurdering", "uge",
                                                  "foer") if args.get(name)]
    return ", ".join(shown) or "alle"


@blueprint.get("/brev/<int:letter_id>")
def letter(letter_id: int) -> Any:
    record = letter_or_404(letter_id)
    record_access(store(), visitor().name, "brev vist", f"brev {letter_id}")
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
                           confirmations=get_flashed_messages(with_categories=True),
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
        closed = close_followup(store(), followup_id, outcome, request.form.get("note", ""),
                                visitor().name)
    except PostbakkeError as error:
        found = store().followups.find(ids=[followup_id])
        note = request.form.get("note", "").strip()
        if not (found and not found[0].is_open and found[0].outcome == outcome
                and found[0].note == note):  # else: the same close a second time, done
            flash(f"Opfølgning nr. {followup_id} blev ikke lukket: {error}", "error")
            return redirect(url_for("overview.followups"), code=303)
        closed = found[0]
    flash(f"Opfølgning nr. {followup_id} ({closed.sender or 'ukendt afsender'}) er lukket: "
          f"{OUTCOME_DA.get(outcome.value, outcome.value)}.", "close")
    return redirect(url_for("overview.followups"), code=303)


@blueprint.get("/rapport")
@require_project_leader
def report() -> Any:
    """The week's report (?uge=), or any period's, a year's too (?fra=ÅÅÅÅ-MM-DD&til=...)."""
    week = _week_arg()
    period = _report_period()
    data = load_report(store(), period, context().settings.municipality_name,
                       every_followup=False)  # no CSV beside a page: they are under Opfølgninger
    record_access(store(), visitor().name, "rapport (web)", period.title)
    return document_response(render_report(data, links={
        "followups": url_for("overview.followups"), "review": url_for("station.next_letter"),
        "navigation": _navigation(week)}))


def _navigation(week: IsoWeek) -> list[tuple[str, str]]:
    """The station's pages, for the documents shown in it (the report, a digest)."""
    return [("← Gennemsyn", url_for("station.next_letter")),
            ("Afdelinger", url_for("overview.departments", uge=week.label)),
            ("Breve", url_for("overview.letters", uge=week.label)),
            ("Opfølgninger", url_for("overview.followups")),
            ("Rapport", url_for("overview.report", uge=week.label)),
            ("Ugebreve", url_for("overview.digest_preview", uge=week.label)),
            (f"← {week_da(week.shifted(-1).label)}", _same_page(week.shifted(-1))),
            (f"{week_da(week.shifted(1).label)} →", _same_page(week.shifted(1)))]


def _same_page(week: IsoWeek) -> str:
    """This page (and department) for another week."""
    args: dict[str, Any] = {"uge": week.label}
    if request.args.get("afdeling"):
        args["afdeling"] = request.args["afdeling"]
    return url_for(request.endpoint or "overview.report", **args)


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
    # told to a project leader in plain words: no file, no section name
    if not settings.digest.departments:
        return _no_digest(week, "Ugebrevene er ikke sat op endnu: der er ikke angivet, "
                          "hvilke afdelinger der skal have et ugebrev, og hvem der modtager "
                          "det. Bed den, der driver postbakke, om at sætte ugebrevene op.")
    if department is not None and not settings.digest.recipients(department):
        return _no_digest(week, f"Afdelingen {department} har ingen modtagere af ugebrevet. "
                          "Bed den, der driver postbakke, om at tilføje en modtager.")
    try:
        found = digest.load_digests(store(), settings, week, department)
        mailing = digest.Mailing.of(settings)
    except digest.NothingScanned as nothing:
        return _no_digest(week, nothing.in_words)
    except PostbakkeError as error:
        return _no_digest(week, str(error))
    if department is None:
        return render_template("web/digests.html.j2", digests=found, week=week,
                               subject_of=digest.subject_of, navigation=_navigation(week))
    record_access(store(), visitor().name, "ugebrev vist", f"{week.label} {department}")
    return document_response(digest.render_html(found[0], mailing, navigation=_navigation(week)))


def _no_digest(week: IsoWeek, message: str) -> Any:
    return render_template("web/digests.html.j2", digests=[], week=week, problem=message,
                           subject_of=digest.subject_of, navigation=_navigation(week))
