"""The work station's users: name, role and password hash (never the password)."""

from __future__ import annotations

from postbakke.store.connection import Repository, now


class Users(Repository):
    def all(self) -> list[dict]:
        return list(self.db.table("web_users").rows_where(order_by="name"))

    def get(self, name: str) -> dict | None:
        rows = list(self.db.table("web_users").rows_where("name = ?", [name]))
        return rows[0] if rows else None

    def save(self, name: str, role: str, password_hash: str) -> None:
        """Add a user, or give one a new role and password."""
        with self.connection.transaction():
            self.db.table("web_users").upsert(
                {"name": name, "role": role, "password_hash": password_hash,
                 "created_at": now()}, pk="name")
