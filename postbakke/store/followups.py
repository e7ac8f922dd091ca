"""Follow-ups: a coaching talk with one sender about their leaks, and the letters it holds.

The rules (which letter joins which follow-up, when one closes) are people/followup.py's;
it keeps them in step through these look-ups. Every look-up of a letter or a link goes
by an index: keeping follow-ups in step after one file costs the same with 2,000
letters stored as with 200,000.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

from postbakke.models import UNKNOWN_DEPARTMENT, FollowUp, FollowUpStatus, Outcome, VerdictKind
from postbakke.store.connection import Repository, chunks, masked, now, placeholders
from postbakke.store.letters import LetterKey


class LetterFacts(NamedTuple):
    """What follow-ups are decided on: a stored letter's verdict, department and sender,
    and whether it is a copy of a letter stored before (a copy joins no follow-up)."""

    verdict: VerdictKind
    department: str | None
    sender: str | None
    is_duplicate: bool = False


class FollowUpLink(NamedTuple):
    """The follow-up a letter belongs to."""

    followup_id: int
    status: FollowUpStatus
    department: str | None
    sender: str | None


# SQL: the order follow-ups are listed in (open ones first)
_ORDER = "f.status = 'closed', f.department, f.sender, f.id"


class FollowUps(Repository):
    # -- kept in step with the letters (people/followup.py) -------------------------------

    def letter_facts(self, key: LetterKey) -> LetterFacts | None:
        row = self.db.execute(
            "SELECT verdict, department, sender, duplicate_of_hash IS NOT NULL FROM letters "
            "WHERE file_hash = ? AND first_page = ?", list(key),
        ).fetchone()
        return LetterFacts(VerdictKind(row[0]), row[1], row[2], bool(row[3])) if row else None

    def link_of(self, key: LetterKey) -> FollowUpLink | None:
        """The follow-up a letter belongs to, if any."""
        row = self.db.execute(
            "SELECT f.id, f.status, f.department, f.sender FROM followup_letters fl "
            "JOIN followups f ON f.id = fl.followup_id "
            "WHERE fl.file_hash = ? AND fl.first_page = ?", list(key),
        ).fetchone()
        return FollowUpLink(row[0], FollowUpStatus(row[1]), row[2], row[3]) if row else None

    def unlink(self, keys: Iterable[LetterKey]) -> None:
        for key in keys:
            self.db.execute(
                "DELETE FROM followup_letters WHERE file_hash = ? AND first_page = ?", list(key))

    def link(self, key: LetterKey, followup_id: int) -> None:
        self.db.execute(
            "INSERT INTO followup_letters (file_hash, first_page, followup_id) VALUES (?, ?, ?)",
            [key.file_hash, key.first_page, followup_id])

    def find_open(self, department: str | None, sender: str | None) -> int | None:
        """The open follow-up of a sender in a department (sender None: the unknown ones)."""
        row = self.db.execute(
            "SELECT id FROM followups WHERE status = 'open' AND department IS ? "
            "AND sender IS ? ORDER BY id LIMIT 1", [department, sender],
        ).fetchone()
        return int(row[0]) if row else None

    def open(self, department: str | None, sender: str | None) -> int:
        """A new open follow-up, without letters yet; its id."""
        return int(self.db.table("followups").insert(  # type: ignore[arg-type]
            {"department": department, "sender": sender,
             "status": FollowUpStatus.OPEN.value, "opened_at": now()}
        ).last_pk)

    def drop_empty(self, followup_ids: Iterable[int]) -> None:
        """Remove these follow-ups where they are open and hold no letter."""
        for followup_id in set(followup_ids):
            self.db.execute(
                "DELETE FROM followups WHERE id = ? AND status = 'open' AND NOT EXISTS "
                "(SELECT 1 FROM followup_letters WHERE followup_id = ?)",
                [followup_id, followup_id])

    def all_letter_keys(self) -> list[LetterKey]:
        """Every stored letter's key and every key a follow-up holds (a full sync's input)."""
        return [LetterKey(*r) for r in self.db.execute(
            "SELECT file_hash, first_page FROM (SELECT id, file_hash, first_page FROM letters "
            "UNION SELECT NULL, file_hash, first_page FROM followup_letters "
            "WHERE NOT EXISTS (SELECT 1 FROM letters l WHERE l.file_hash = "
            "followup_letters.file_hash AND l.first_page = followup_letters.first_page)) "
            "ORDER BY id IS NULL, id, file_hash, first_page").fetchall()]

    def mark_closed(self, followup_id: int, outcome: Outcome, note: str) -> None:
        self.db.table("followups").update(followup_id, {
            "status": FollowUpStatus.CLOSED.value, "outcome": outcome.value,
            "note": masked(note), "closed_at": now(),
        })

    # -- the follow-ups as people see them ------------------------------------------------

    @staticmethod
    def _where(department: str | None, only_open: bool) -> tuple[list[str], list[object]]:
        where: list[str] = ["1"]
        params: list[object] = []
        if department is not None:
            where.append("lower(coalesce(f.department, ?)) = lower(?)")
            params += [UNKNOWN_DEPARTMENT, department]
        if only_open:
            where.append("f.status = 'open'")
        return where, params

    def count(self, department: str | None = None, only_open: bool = False) -> int:
        """How many follow-ups `find` lists with these filters (for its pages)."""
        where, params = self._where(department, only_open)
        return int(self.db.execute(
            f"SELECT count(*) FROM followups f WHERE {' AND '.join(where)}", params,
        ).fetchone()[0])

    def find(
        self, department: str | None = None, only_open: bool = False,
        ids: Iterable[int] | None = None, with_kinds: bool = True,
        limit: int | None = None, offset: int = 0,
    ) -> list[FollowUp]:
        """Follow-ups, open ones first, each with its letters now in the store; with
        `limit`, one page of them (`offset` skipped): only that page's figures are read."""
        where, params = self._where(department, only_open)
        if limit is not None and ids is None:
            ids = [r[0] for r in self.db.execute(
                f"SELECT f.id FROM followups f WHERE {' AND '.join(where)} "
                f"ORDER BY {_ORDER} LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()]
        if ids is not None:
            wanted = sorted(set(ids))
            where.append(f"f.id IN ({placeholders(len(wanted))})" if wanted else "0")
            params += wanted
        # The figures come from followup_kinds/followup_days (kept by triggers, see
        # migrations._followup_figures): the count sums a few kinds, first and last
        # day are one index seek each; no letter is read.
        rows = self.db.execute(
            "SELECT f.id, f.department, f.sender, f.status, f.outcome, f.note, f.opened_at, "
            "f.closed_at, "
            "coalesce((SELECT sum(n) FROM followup_kinds k WHERE k.followup_id = f.id), 0), "
            "(SELECT min(scanned_on) FROM followup_days d WHERE d.followup_id = f.id), "
            "(SELECT max(scanned_on) FROM followup_days d WHERE d.followup_id = f.id) "
            "FROM followups f "
            f"WHERE {' AND '.join(where)} ORDER BY {_ORDER}",
            params,
        ).fetchall()
        kinds = self._kinds([r[0] for r in rows if r[8]]) if with_kinds else {}
        return [
            FollowUp(
                id=r[0], department=r[1], sender=r[2], status=FollowUpStatus(r[3]),
                outcome=Outcome(r[4]) if r[4] else None, note=r[5], opened_at=r[6],
                closed_at=r[7], letters=r[8], first_scanned_on=r[9], last_scanned_on=r[10],
                kinds=tuple(kinds.get(r[0], ())),
            )
            for r in rows
        ]

    def _kinds(self, followup_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
        """Per follow-up, its letters now in the store counted by kind (kept at filing;
        "" for letters kept without one), in the order of the kinds' names."""
        found: dict[int, list[tuple[str, int]]] = {}
        for chunk in chunks(followup_ids):
            for followup_id, kind, n in self.db.execute(
                "SELECT followup_id, kind, n FROM followup_kinds "
                f"WHERE followup_id IN ({placeholders(len(chunk))}) ORDER BY followup_id, kind",
                chunk,
            ).fetchall():
                found.setdefault(followup_id, []).append((kind, n))
        return found

    def of_letter(self, key: LetterKey) -> FollowUp | None:
        """The follow-up a letter belongs to, with its figures."""
        row = self.db.execute(
            "SELECT followup_id FROM followup_letters WHERE file_hash = ? AND first_page = ?",
            list(key)).fetchone()
        found = self.find(ids=[row[0]]) if row else []
        return found[0] if found else None

    def closed_between(self, start: date, end: date) -> set[int]:
        """The follow-ups closed from `start` to `end` (dates of closed_at, UTC)."""
        return {r[0] for r in self.db.execute(
            "SELECT id FROM followups WHERE closed_at >= ? AND closed_at < ?",
            [start.isoformat(), (end + timedelta(days=1)).isoformat()]).fetchall()}

    def closed_for_period(self, start: date, end: date) -> list[tuple[int, str | None,
                                                                   str | None, int]]:
        """The closed follow-ups a period's report counts (closed in it, or holding a
        letter scanned in it), light and newest first: (id, department, outcome, letters).
        The work station's report counts these and shows the newest, without reading
        every follow-up's figures and kinds (3,000 of them in a year)."""
        return [tuple(r) for r in self.db.execute(
            "WITH period AS (SELECT id FROM followups WHERE closed_at >= ? AND closed_at < ? "
            "UNION SELECT followup_id FROM followup_days WHERE scanned_on BETWEEN ? AND ?) "
            "SELECT f.id, f.department, f.outcome, "
            "coalesce((SELECT sum(n) FROM followup_kinds k WHERE k.followup_id = f.id), 0) "
            "FROM period JOIN followups f ON f.id = period.id WHERE f.status = 'closed' "
            "ORDER BY f.closed_at DESC, f.id DESC",
            [start.isoformat(), (end + timedelta(days=1)).isoformat(), start.isoformat(),
             end.isoformat()]).fetchall()]

    def ids_between(self, start: date, end: date) -> set[int]:
        """The follow-ups holding a letter (in the store) scanned from `start` to `end`."""
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT followup_id FROM followup_days WHERE scanned_on BETWEEN ? AND ?",
            [start.isoformat(), end.isoformat()]).fetchall()}
