"""Follow-ups: the coaching talks that leaks lead to, one per sender at a time.

How they come into being (kept in step by `sync_letters`, called inside the same
transaction that stores or changes letters, with the keys of the letters changed):
- every leak belongs to exactly one follow-up: the open one of its sender in its
  department, or a new one; letters whose sender is unknown share one follow-up
  per department;
- a leak stored after its sender's follow-up was closed opens a new one;
- a letter that stops being a leak (a person's review decision) leaves its
  follow-up, open or closed; a copy of a letter stored before (people/duplicates.py)
  is no leak of its own and joins none;
- a letter now of another sender or department leaves its open follow-up and
  joins that sender's;
- a letter removed from the store (`filing.forget_file`) leaves its open
  follow-up;
- an open follow-up left without letters is dropped;
- a closed follow-up is history: it keeps its letters, also over a re-scan of
  them, which is what keeps a "begrundet" (justified) decision.

A follow-up closed as `begrundet` moves its letters out of the leak count into
"justified"; `kontaktet` and `system_rettet` leave them counted as leaks (they
were leaks; the follow-up is done).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from postbakke.errors import FollowUpError as FollowUpError
from postbakke.letters.subjects import UNKNOWN_KIND, ranked
from postbakke.models import FollowUp as FollowUp
from postbakke.models import FollowUpStatus as FollowUpStatus
from postbakke.models import Outcome as Outcome
from postbakke.models import VerdictKind
from postbakke.store import FollowUpLink, LetterFacts, LetterKey, Store

LEAK = VerdictKind.LEAK.value


def ranked_kinds(followup: FollowUp) -> tuple[tuple[str, int], ...]:
    """A follow-up's kinds of letter with how many of each, most first (a letter kept
    without a kind counts as one without a subject)."""
    counted: Counter[str] = Counter()
    for kind, n in followup.kinds:
        counted[kind or UNKNOWN_KIND] += n
    return ranked(counted)


def counts_as_leak(letter: LetterFacts) -> bool:
    """A leak that counts: not a copy of a letter stored before (people/duplicates.py)."""
    return letter.verdict == LEAK and not letter.is_duplicate


def leaves_followup(letter: LetterFacts | None, link: FollowUpLink) -> bool:
    """Whether a letter leaves the follow-up it belongs to (None: gone from the store)."""
    is_open = link.status is FollowUpStatus.OPEN
    if letter is None:
        return is_open
    if not counts_as_leak(letter):
        return True
    return is_open and (letter.department, letter.sender) != (link.department, link.sender)


def sync_letters(store: Store, keys: Iterable[LetterKey]) -> None:
    """Keep follow-ups in step after these letters changed (stored, decided, removed).

    Only these letters are looked at, each by an index, so the cost follows the
    letters changed, not the letters stored. Runs in one transaction (a savepoint
    inside the caller's).
    """
    wanted = list(dict.fromkeys(LetterKey(*k) for k in keys))
    with store.transaction():
        letters = {key: store.followups.letter_facts(key) for key in wanted}
        links = {key: link for key in wanted if (link := store.followups.link_of(key))}
        leaving = [key for key, link in links.items() if leaves_followup(letters[key], link)]
        store.followups.unlink(leaving)
        store.followups.drop_empty(links[key].followup_id for key in leaving)
        for key in wanted:
            letter = letters[key]
            if letter is None or not counts_as_leak(letter) or (
                    key in links and key not in leaving):
                continue
            followup_id = store.followups.find_open(letter.department, letter.sender)
            if followup_id is None:
                followup_id = store.followups.open(letter.department, letter.sender)
            store.followups.link(key, followup_id)


def sync_all(store: Store) -> None:
    """Bring every letter's follow-up in step: for a workspace from before follow-ups."""
    sync_letters(store, store.followups.all_letter_keys())


def catch_up(store: Store) -> Store:
    """A store just opened on a workspace from before follow-ups: its leaks get theirs."""
    if "followups" in store.tables_added:
        sync_all(store)
        store.tables_added = store.tables_added - {"followups"}
    return store


# The close form's note, as the station's notes (people/review.py MAX_NOTE_CHARS).
MAX_CLOSE_NOTE_CHARS = 500


def close_followup(store: Store, followup_id: int, outcome: Outcome, note: str,
                   actor: str) -> FollowUp:
    """Close an open follow-up with an outcome and a note (the CLI and the work station).

    Refused when the note is empty, the follow-up unknown or already closed. The
    audit log records who closed it, with the outcome and the note, in the same
    transaction; the follow-up itself keeps outcome and note.
    """
    if not note.strip():
        raise FollowUpError("noten må ikke være tom")
    if len(note.strip()) > MAX_CLOSE_NOTE_CHARS:
        raise FollowUpError(f"noten er {len(note.strip())} tegn; højst {MAX_CLOSE_NOTE_CHARS}")
    with store.transaction():
        found = store.followups.find(ids=[followup_id])
        if not found:
            raise FollowUpError(f"opfølgning nr. {followup_id} findes ikke")
        if not found[0].is_open:
            raise FollowUpError(f"opfølgning nr. {followup_id} er allerede lukket")
        store.followups.mark_closed(followup_id, outcome, note.strip())
        store.audit.log(actor, "opfølgning lukket", f"opfølgning {followup_id}",
                        f"{outcome.value}: {note.strip()}")
    return store.followups.find(ids=[followup_id])[0]
