"""What the municipality's files bring in: the enrolment register, the staff directory and
the digital counts. An import replaces what it covers whole, in one transaction, and is
recorded, so a long-running process sees that it changed (`version`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from postbakke.models import DigitalCount, Enrolment, EnrolmentEntry, IdKind, StaffMember
from postbakke.store.connection import Repository, now


def _entry(row: dict) -> EnrolmentEntry:
    return EnrolmentEntry(
        pseudonym=row["pseudonym"], kind=IdKind(row["kind"]), masked=row["masked"],
        status=Enrolment(row["status"]), name=row["name"], street=row["street"],
        postcode=row["postcode"], city=row["city"], birth_date=row["birth_date"],
    )


class Registers(Repository):
    def _record_import(self, register: str, source: str, rows: int) -> None:
        self.db.table("register_imports").insert(
            {"register": register, "file": source, "rows": rows, "imported_at": now()}
        )

    def version(self) -> int:
        """Grows with every import: a long-running process reloads the registers on change."""
        row = self.db.execute("SELECT coalesce(max(id), 0) FROM register_imports").fetchone()
        return int(row[0])

    # -- the enrolment register -----------------------------------------------------------

    def replace_enrolment(self, entries: list[EnrolmentEntry], source: str) -> None:
        """A re-import replaces the register whole, in one transaction."""
        with self.connection.transaction():
            self.db.execute("DELETE FROM enrolment")
            self.db.table("enrolment").insert_all(
                {**asdict(e), "kind": e.kind.value, "status": e.status.value} for e in entries
            )
            self._record_import("enrolment", source, len(entries))

    def enrolment_entries(self) -> list[EnrolmentEntry]:
        return [_entry(r) for r in self.db.table("enrolment").rows]

    def enrolment_entry(self, pseudonym: str | None) -> EnrolmentEntry | None:
        if pseudonym is None:
            return None
        rows = list(self.db.table("enrolment").rows_where("pseudonym = ?", [pseudonym]))
        return _entry(rows[0]) if rows else None

    # -- the staff directory --------------------------------------------------------------

    def replace_staff(self, members: list[StaffMember], source: str) -> None:
        with self.connection.transaction():
            self.db.execute("DELETE FROM staff")
            self.db.table("staff").insert_all(asdict(m) for m in members)
            self._record_import("staff", source, len(members))

    def staff_members(self) -> list[StaffMember]:
        return [
            StaffMember(
                name=r["name"], initials=r["initials"], email=r["email"], phone=r["phone"],
                department=r["department"],
            )
            for r in self.db.table("staff").rows_where(order_by="id")
        ]

    def departments(self) -> list[str]:
        """The departments of the staff directory, by name."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT department FROM staff ORDER BY department").fetchall()]

    # -- the digital counts ---------------------------------------------------------------

    def replace_digital_counts(self, counts: list[DigitalCount], source: str) -> list[str]:
        """Store counts; a week in the file replaces everything stored for that week.

        Returns the weeks replaced, in order.
        """
        weeks = sorted({c.week for c in counts})
        with self.connection.transaction():
            for week in weeks:
                self.db.execute("DELETE FROM digital_counts WHERE week = ?", [week])
            imported_at = now()
            self.db.table("digital_counts").insert_all(
                {**asdict(c), "source": source, "imported_at": imported_at} for c in counts
            )
            self._record_import("digital", source, len(counts))
        return weeks

    def digital_counts(self, weeks: Iterable[str] | None = None) -> list[DigitalCount]:
        rows = self.db.execute(
            "SELECT week, department, digital_letters FROM digital_counts "
            "ORDER BY week, department"
        ).fetchall()
        wanted = set(weeks) if weeks is not None else None
        return [DigitalCount(*r) for r in rows if wanted is None or r[0] in wanted]
