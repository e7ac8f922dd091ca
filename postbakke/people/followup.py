"""Follow-ups: the coaching talks that leaks lead to, one per sender at a time.

How they come into being (kept in step by `Store`, inside the same transaction
that stores or changes letters):
- every leak belongs to exactly one follow-up: the open one of its sender in its
  department, or a new one; letters whose sender is unknown share one follow-up
  per department;
- a leak stored after its sender's follow-up was closed opens a new one;
- a letter that stops being a leak (a person's review decision) leaves its open
  follow-up, and an open follow-up left without letters is dropped;
- a closed follow-up is history: it keeps its letters, also over a re-scan of
  them, which is what keeps a "begrundet" (justified) decision.

A follow-up closed as `begrundet` moves its letters out of the leak count into
"justified"; `kontaktet` and `system_rettet` leave them counted as leaks (they
were leaks; the follow-up is done).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from postbakke.errors import FollowUpError as FollowUpError
from postbakke.models import FollowUp as FollowUp
from postbakke.models import FollowUpStatus as FollowUpStatus
from postbakke.models import Outcome as Outcome

if TYPE_CHECKING:  # the store returns FollowUps; this module calls it
    from postbakke.store import Store


def close_followup(store: Store, followup_id: int, outcome: Outcome, note: str,
                   actor: str) -> FollowUp:
    """Close a follow-up with an outcome and a note (the CLI and the work station)."""
    if not note.strip():
        raise FollowUpError("noten må ikke være tom")
    del actor  # recorded by the audit log (privacy issue); the store keeps outcome and note
    return store.close_followup(followup_id, outcome, note.strip())
