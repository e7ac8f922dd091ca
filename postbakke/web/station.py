"""The review station: the mailroom decides, by keyboard, the letters the tool was unsure of."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for

from postbakke.deciding.match import closest_candidates
from postbakke.errors import PostbakkeError
from postbakke.models import EnrolmentEntry, Reason
from postbakke.people import review
from postbakke.people.access import record_access
from postbakke.privacy import masked_id
from postbakke.store import LetterRecord
from postbakke.web import images
from postbakke.web.context import context, error_page, letter_or_404, store, visitor

blueprint = Blueprint("station", __name__)

MAX_SUGGESTIONS = 9  # keys 1-9


@blueprint.get("/")
def home() -> Any:
    return redirect(url_for("station.next_letter"))


@blueprint.get("/gennemsyn")
def next_letter() -> Any:
    """The first letter still waiting for a decision (the station's front door)."""
    queue = store().review.queue()
    if not queue:
        return render_template("web/station_empty.html.j2")
    return redirect(url_for("station.letter", letter_id=queue[0]))


@blueprint.get("/gennemsyn/<int:letter_id>")
def letter(letter_id: int) -> Any:
    the_store = store()
    record = letter_or_404(letter_id)
    queue = the_store.review.queue()
    position = queue.index(letter_id) if letter_id in queue else None
    following = _neighbour(queue, position, letter_id, +1)
    previous = _neighbour(queue, position, letter_id, -1)
    if following is not None:
        images.prefetch(context().settings, the_store.letters.get(following))
    record_access(the_store, visitor().name, "brev vist", f"brev {letter_id}")
    return render_template(
        "web/station.html.j2",
        letter=record, letter_id=letter_id, position=position, total=len(queue),
        following=following, previous=previous,
        version=review.letter_version(the_store, letter_id),
        suggestions=_suggestions(record),
        postponed=the_store.review.postponement(record.key),
        staff=sorted({m.name for m in the_store.registers.staff_members()}),
    )


def _neighbour(queue: list[int], position: int | None, letter_id: int, step: int) -> int | None:
    if position is None:  # a decided letter: the queue goes on from its oldest
        return queue[0] if queue and step > 0 else None
    index = position + step
    return queue[index] if 0 <= index < len(queue) else None



def _suggestions(record: LetterRecord) -> list[EnrolmentEntry]:
    """Register entries close to the printed name and address, for a letter without an ID.

    A CPR printed but not in the register gets none: a number one digit off is another
    person, and offering the nearest would invite exactly that mistake.
    """
    if record.verdict != "review" or record.reason == Reason.CPR_NOT_IN_REGISTER.value:
        return []
    block = record.recipient_block
    if block is None or not block.name:
        return []
    entries, names = context().register()
    return closest_candidates(block, entries, MAX_SUGGESTIONS, names)


@blueprint.post("/gennemsyn/<int:letter_id>/afgoer")
def decide(letter_id: int) -> Any:
    """One decision from the form: the action and, for a number, the number (POST body only)."""
    the_store = store()
    record = letter_or_404(letter_id)
    form = request.form
    action = form.get("action", "")
    try:
        version = int(form.get("version", ""))
    except ValueError:
        abort(400)
    who = visitor().name
    try:
        if action == "postpone":
            review.postpone_letter(the_store, letter_id, form.get("note", ""), who, version)
            return redirect(url_for("station.next_letter"), code=303)
        decision = _decision_from_form(action, form, record)
        review.decide_letter(the_store, letter_id, decision, who, version)
    except review.DecisionConflict as conflict:
        return _station_error(letter_id, str(conflict), 409)
    except PostbakkeError as error:
        return _station_error(letter_id, str(error), 422)
    return redirect(url_for("station.next_letter"), code=303)


def _decision_from_form(action: str, form: Any, record: Any) -> review.Decision:
    ctx = context()
    if action == "cpr":
        return review.decision_for_cpr(form.get("number", ""), ctx.pseudonymiser)
    if action == "cvr":
        return review.make_decision(
            cpr=None, cvr=form.get("number", ""), no_recipient=False, sender=None,
            pseudonymiser=ctx.pseudonymiser, own_cvrs=ctx.settings.own_cvrs, staff=[])
    if action == "none":
        return review.Decision(recipient_kind=None)
    if action == "justified":
        return review.make_decision(
            cpr=None, cvr=None, no_recipient=False, sender=None, justified_note=form.get(
                "note", ""), pseudonymiser=ctx.pseudonymiser, own_cvrs=ctx.settings.own_cvrs,
            staff=[])
    if action == "pick":
        wanted = form.get("candidate", "")
        offered = {e.pseudonym: e for e in _suggestions(record)}
        if wanted not in offered:
            raise review.DecisionError("forslaget findes ikke (længere); vælg igen")
        return review.decision_for_entry(offered[wanted])
    raise review.DecisionError("ukendt afgørelse")


def _station_error(letter_id: int, message: str, status: int) -> Any:
    return error_page("Brevet blev ikke afgjort", message, status,
                      back=url_for("station.letter", letter_id=letter_id))


@blueprint.post("/gennemsyn/fortryd")
def undo() -> Any:
    try:
        letter_id = review.undo_last(store(), visitor().name)
    except review.DecisionConflict as conflict:
        return error_page("Kan ikke fortrydes", str(conflict), 409)
    if letter_id is None:
        return error_page("Intet at fortryde", "Du har ingen afgørelse, der kan fortrydes.", 409)
    return redirect(url_for("station.letter", letter_id=letter_id), code=303)


@blueprint.post("/opslag")
def lookup() -> Any:
    """A typed CPR/CVR checked and looked up in the register (the number only in this body).

    The answer holds the masked form, the register's name and status, never the number.
    """
    kind, typed = request.form.get("kind", ""), request.form.get("number", "")
    ctx = context()
    try:
        if kind == "cpr":
            digits = review.parse_cpr(typed)
        elif kind == "cvr":
            digits = review.parse_cvr(typed, ctx.settings.own_cvrs)
        else:
            abort(400)
    except review.DecisionError as error:
        return jsonify(valid=False, message=str(error))
    entry = store().registers.enrolment_entry(ctx.pseudonymiser.pseudonym(digits))
    masked = masked_id(kind, digits)
    if entry is None:
        note = ("står ikke i tilmeldingsregistret: brevet forbliver til gennemsyn"
                if kind == "cpr" else "står ikke i registret: virksomheder skal have Digital Post")
        return jsonify(valid=True, masked=masked, found=False, message=f"{masked} {note}")
    return jsonify(valid=True, masked=masked, found=True, name=entry.name,
                   status=entry.status.value,
                   message=f"{masked}: {entry.name}, {entry.street}, {entry.postcode} "
                           f"{entry.city} ({entry.status.value})")


@blueprint.get("/side/<int:letter_id>/<int:index>")
def page_image(letter_id: int, index: int) -> Any:
    paths = letter_or_404(letter_id).image_paths or []
    if not 0 <= index < len(paths):
        abort(404)
    data = images.display_image(context().settings, paths[index])
    if data is None:
        abort(404)
    record_access(store(), visitor().name, "sidebillede vist", f"brev {letter_id} side {index + 1}")
    return Response(data, mimetype="image/png")
