"""Who saw personal data, and who signed in: one function the CLI and the station both call.

Every view of letters, of a report or of a digest -- `postbakke letters`/`report`, the
station's letter page, letter list, report, digest preview and page images -- and
every try at the station's login is one line in the append-only audit log
(`postbakke audit`), with who, what and which (masked by the store).
"""

from __future__ import annotations

from postbakke.store import Store


def record_access(store: Store, actor: str, action: str, subject: str | None = None,
                  reason: str | None = None) -> None:
    """One line in the audit log: `actor` did `action` (Danish) on `subject`."""
    store.audit.log(actor, action, subject, reason)
