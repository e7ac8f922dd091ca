"""The review station: the mailroom decides, by keyboard, the letters the tool was unsure of.

Every reason of review has its own way out, one key each, and a queue a person can
finish: a decision or a postponement moves on to the next letter, a postponed letter
waits in its own list ("Udsat"), and an empty queue says so with the day's count. A
refused input re-renders the letter with what was typed and the reason beside the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from postbakke.clock import LOCAL_ZONE, local_moment
from postbakke.deciding.match import closest_candidates
from postbakke.errors import PostbakkeError
from postbakke.models import Enrolment, EnrolmentEntry, IdKind, Reason
from postbakke.outputs.wording import FIELD_DA, REASON_DA, VERDICT_DA
from postbakke.people import review
from postbakke.people.access import record_access
from postbakke.privacy import mask_cpr_in_text, masked_id
from postbakke.store import LetterRecord
from postbakke.web import images
from postbakke.web.context import context, error_page, letter_or_404, store, visitor

blueprint = Blueprint("station", __name__)

MAX_SUGGESTIONS = 9  # keys 1-9
LOOKED_UP = {"tilmeldt": Enrolment.ENROLLED, "fritaget": Enrolment.EXEMPT}


@blueprint.record_once
def _template_globals(state: Any) -> None:
    # the fields' Danish names, for the page macros (imported without the page's context)
    state.app.jinja_env.globals["field_da"] = FIELD_DA


@blueprint.app_template_filter("clock")
def clock(iso: str | None) -> str:
    """A stored UTC time as the clock in Copenhagen."""
    return review.local_clock(iso)


@blueprint.app_template_filter("day_clock")
def day_clock(iso: str | None) -> str:
    """A stored UTC time as "2026-11-25 kl. 10:42" in Copenhagen."""
    moment = local_moment(iso)
    return f"{moment:%Y-%m-%d} kl. {moment:%H:%M}" if moment else ""


@blueprint.get("/")
def home() -> Any:
    return redirect(url_for("station.next_letter"))


@blueprint.get("/gennemsyn")
def next_letter() -> Any:
    """The first letter still waiting for a decision, or the end of the day's queue."""
    queue = store().review.undecided()
    if not queue:
        return _end_screen()
    return redirect(url_for("station.letter", letter_id=queue[0]))


def _end_screen() -> Any:
    """"Ingen flere breve": the day's count, and what was put off."""
    the_store = store()
    midnight = datetime.combine(datetime.now(LOCAL_ZONE).date(), time(0),
                                tzinfo=LOCAL_ZONE).astimezone(UTC)
    since = midnight.isoformat(timespec="seconds")
    return render_template(
        "web/station_empty.html.j2",
        decided_today=the_store.decisions.count_logged("decide", since),
        mine_today=the_store.decisions.count_logged("decide", since, visitor().name),
        postponed=the_store.review.postponed(),
        confirmations=get_flashed_messages(with_categories=True),
    )


@blueprint.get("/gennemsyn/udsat")
def postponed() -> Any:
    """The letters put off, with their notes: decided from here when the answer comes."""
    return render_template("web/postponed.html.j2", rows=store().review.postponed(),
                           confirmations=get_flashed_messages(with_categories=True))


@dataclass
class _Form:
    """What a refused form shows again: the values typed (never a CPR) and the reason."""

    form: str | None = None  # the form's id ("form-cpr", "form-postpone", ...)
    message: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    confirm: dict[str, Any] | None = None  # a candidate at another address, asked again
    offer_look_up: bool = False


@blueprint.get("/gennemsyn/<int:letter_id>")
def letter(letter_id: int) -> Any:
    return _station(letter_id, _Form())


def _station(letter_id: int, form: _Form, status: int = 200) -> Any:
    the_store = store()
    record = letter_or_404(letter_id)
    queue = the_store.review.undecided()
    position = queue.index(letter_id) if letter_id in queue else None
    following = _neighbour(queue, position, +1)
    previous = _neighbour(queue, position, -1)
    if following is not None:
        images.prefetch(context().settings, the_store.letters.get(following))
    record_access(the_store, visitor().name, "brev vist", f"brev {letter_id}")
    suggestions = _suggestions(record)
    candidate = _look_up_candidate(letter_id)
    return render_template(
        "web/station.html.j2",
        letter=record, letter_id=letter_id, position=position, total=len(queue),
        following=following, previous=previous,
        version=review.letter_version(the_store, letter_id),
        suggestions=[(entry, review.address_differences(record.recipient_block, entry))
                     for entry in suggestions],
        postponed=the_store.review.postponement(record.key),
        n_postponed=len(the_store.review.postponed()),
        printed_cpr=record.recipient_kind is IdKind.CPR and bool(record.recipient_pseudonym),
        look_up_masked=candidate["masked"] if candidate else record.recipient_masked,
        form=form,
        confirmations=get_flashed_messages(with_categories=True),
        max_note=review.MAX_NOTE_CHARS,
    ), status


def _neighbour(queue: list[int], position: int | None, step: int) -> int | None:
    if position is None:  # a decided or postponed letter: the queue goes on from its oldest
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


def _look_up_candidate(letter_id: int) -> dict | None:
    """The CPR last typed on this letter that the register lacks (pseudonym and masked form
    only, kept in the session), for t and f after a reload."""
    found = session.get("look_up")
    return found if found and found.get("letter_id") == letter_id else None


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
    queue_before = the_store.review.undecided()
    try:
        if action == "postpone":
            review.postpone_letter(the_store, letter_id, form.get("note", ""), who, version)
            # the session cookie is a response too: a number typed in the note, masked
            flash(f"Brev {letter_id} er udsat og ligger under Udsat: "
                  f"{mask_cpr_in_text(form.get('note', '').strip())}", "postpone")
            return _onwards(letter_id, queue_before)
        decision = _decision_from_form(action, form, record, who, letter_id)
        if decision is None:  # a candidate at another address: asked again first
            entry = _offered(record, form.get("candidate", ""))
            return _station(letter_id, _Form(confirm={
                "entry": entry, "differences": review.address_differences(
                    record.recipient_block, entry)}))
        decided = review.decide_letter(the_store, letter_id, decision, who, version)
    except _NotInRegister as missing:
        return _station(letter_id, _Form(form="form-cpr", message=str(missing),
                                         offer_look_up=True), 422)
    except review.DecisionConflict as conflict:
        return _station(letter_id, _Form(form="form-" + _form_of(action), message=str(conflict),
                                         values=_kept(form)), 409)
    except PostbakkeError as error:
        return _station(letter_id, _Form(form="form-" + _form_of(action), message=str(error),
                                         values=_kept(form)), 422)
    session.pop("look_up", None)
    flash(f"Brev {letter_id} er afgjort: {VERDICT_DA[decided.verdict]} "
          f"({REASON_DA.get(decided.reason, decided.reason)}).", "decide")
    return _onwards(letter_id, queue_before)


def _onwards(letter_id: int, queue_before: list[int]) -> Any:
    """On to the letter that followed this one in the queue, or the first still waiting."""
    queue = store().review.undecided()
    later = [i for i in queue_before[queue_before.index(letter_id) + 1:]
             if i in queue] if letter_id in queue_before else []
    target = later[0] if later else (queue[0] if queue else None)
    if target is None:
        return redirect(url_for("station.next_letter"), code=303)
    return redirect(url_for("station.letter", letter_id=target), code=303)


def _form_of(action: str) -> str:
    return {"cpr": "cpr", "cvr": "cvr", "justified": "justified", "postpone": "postpone",
            "looked_up": "looked-up", "pick": "pick", "none": "none"}.get(action, "none")


def _kept(form: Any) -> dict[str, str]:
    """What a refused form shows again: notes and a CVR (public), never a CPR."""
    kept = {"note": form.get("note", "")[:2000]}
    if form.get("action") == "cvr":
        kept["number"] = form.get("number", "")[:40]
    return kept


class _NotInRegister(PostbakkeError):
    """A typed CPR the register lacks: the person is asked to look it up (t / f)."""


def _decision_from_form(action: str, form: Any, record: LetterRecord, who: str,
                        letter_id: int) -> review.Decision | None:
    ctx = context()
    if action == "cpr":
        decision = review.decision_for_cpr(form.get("number", ""), ctx.pseudonymiser)
        if store().registers.enrolment_entry(decision.recipient_pseudonym) is None:
            session["look_up"] = {"letter_id": letter_id,
                                  "pseudonym": decision.recipient_pseudonym,
                                  "masked": decision.recipient_masked}
            raise _NotInRegister(
                f"{decision.recipient_masked} står ikke i tilmeldingsregistret. Slå personen op "
                "i Digital Post: tryk t (tilmeldt) eller f (fritaget), x for et andet nummer.")
        if form.get("correction"):
            decision = review.replace_note(
                decision, f"det trykte nummer findes ikke (fejllæst); rettet af {who}")
        return decision
    if action == "cvr":
        return review.make_decision(
            cpr=None, cvr=form.get("number", ""), no_recipient=False, sender=None,
            pseudonymiser=ctx.pseudonymiser, own_cvrs=ctx.settings.own_cvrs, staff=[])
    if action == "looked_up":
        status = LOOKED_UP.get(form.get("status", ""))
        if status is None:
            raise review.DecisionError("angiv, hvad opslaget viste: tilmeldt eller fritaget")
        typed = form.get("number", "")
        candidate = _look_up_candidate(letter_id)
        if not typed.strip() and candidate:
            return review.looked_up_as(review.Decision(
                recipient_kind=IdKind.CPR, recipient_pseudonym=candidate["pseudonym"],
                recipient_masked=candidate["masked"]), status, who)
        return review.decision_by_look_up(record, status, who, typed, ctx.pseudonymiser)
    if action == "none":
        return review.Decision(recipient_kind=None, note=f"ingen dansk modtager ifølge {who}")
    if action == "justified":
        return review.make_decision(
            cpr=None, cvr=None, no_recipient=False, sender=None, justified_note=form.get(
                "note", ""), pseudonymiser=ctx.pseudonymiser, own_cvrs=ctx.settings.own_cvrs,
            staff=[])
    if action == "pick":
        entry = _offered(record, form.get("candidate", ""))
        if review.at_other_address(record.recipient_block, entry) and form.get("confirm") != "1":
            return None
        decision = review.decision_for_entry(entry)
        if review.at_other_address(record.recipient_block, entry):
            decision = review.replace_note(
                decision, f"{who} bekræftede: samme person, registret har en anden adresse")
        return decision
    raise review.DecisionError("ukendt afgørelse")


def _offered(record: LetterRecord, wanted: str) -> EnrolmentEntry:
    offered = {e.pseudonym: e for e in _suggestions(record)}
    if wanted not in offered:
        raise review.DecisionError("forslaget findes ikke (længere); vælg igen")
    return offered[wanted]


@blueprint.post("/gennemsyn/fortryd")
def undo() -> Any:
    try:
        letter_id = review.undo_last(store(), visitor().name)
    except review.DecisionConflict as conflict:
        return error_page("Kan ikke fortrydes", str(conflict), 409)
    if letter_id is None:
        return error_page("Intet at fortryde", "Du har ingen afgørelse, der kan fortrydes.", 409)
    flash(f"Fortrudt: brev {letter_id} venter igen på gennemsyn.", "undo")
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
        note = ("står ikke i tilmeldingsregistret. Slå op i Digital Post: t tilmeldt, "
                "f fritaget" if kind == "cpr"
                else "står ikke i registret: virksomheder skal have Digital Post")
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
