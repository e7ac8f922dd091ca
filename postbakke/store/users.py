"""The work station's users: name, role and password hash (never the password), and the
tries at its login (for the back-off and the lock, web/login.py)."""

from __future__ import annotations

from postbakke.store.connection import Repository, now

# Tries at the login are kept this long (seconds): longer than any back-off or lock.
ATTEMPTS_KEPT_S = 24 * 3600


class Users(Repository):
    def all(self) -> list[dict]:
        """Every user's name, role and creation time (no hash)."""
        return [dict(r) for r in self.db.query(
            "SELECT name, role, created_at FROM web_users ORDER BY name")]

    def exist(self) -> bool:
        """Whether any user exists (one row read at most)."""
        return bool(self.db.execute("SELECT EXISTS (SELECT 1 FROM web_users)").fetchone()[0])

    def get(self, name: str) -> dict | None:
        rows = list(self.db.table("web_users").rows_where("name = ?", [name]))
        return rows[0] if rows else None

    def save(self, name: str, role: str, password_hash: str) -> None:
        """Add a user, or give one a new role and password (which ends their sessions)."""
        with self.connection.transaction():
            self.db.execute(
                "INSERT INTO web_users (name, role, password_hash, created_at, session_version) "
                "VALUES (?, ?, ?, ?, 0) ON CONFLICT (name) DO UPDATE SET role = excluded.role, "
                "password_hash = excluded.password_hash, "
                "session_version = web_users.session_version + 1",
                [name, role, password_hash, now()])

    def set_password(self, name: str, password_hash: str) -> bool:
        """A new password; every session signed in with the old one ends. False: no such user."""
        with self.connection.transaction():
            changed = self.db.execute(
                "UPDATE web_users SET password_hash = ?, session_version = session_version + 1 "
                "WHERE name = ?", [password_hash, name]).rowcount
        return bool(changed)

    def set_role(self, name: str, role: str) -> bool:
        with self.connection.transaction():
            changed = self.db.execute("UPDATE web_users SET role = ? WHERE name = ?",
                                      [role, name]).rowcount
        return bool(changed)

    def remove(self, name: str) -> bool:
        with self.connection.transaction():
            changed = self.db.execute("DELETE FROM web_users WHERE name = ?", [name]).rowcount
        return bool(changed)

    # -- tries at the login ---------------------------------------------------------------

    def record_attempt(self, at: float, account: str, address: str, ok: bool) -> None:
        with self.connection.transaction():
            self.db.execute("DELETE FROM login_attempts WHERE at < ?", [at - ATTEMPTS_KEPT_S])
            self.db.execute(
                "INSERT INTO login_attempts (at, account, address, ok) VALUES (?, ?, ?, ?)",
                [at, account, address, int(ok)])

    def failures_since_success(self, column: str, value: str, since: float) -> list[float]:
        """When the failed tries by this account or address (`column`) were, oldest first:
        those after `since` and after its last successful one."""
        if column not in ("account", "address"):
            raise ValueError(column)
        rows = self.db.execute(
            f"SELECT at FROM login_attempts WHERE {column} = ? AND ok = 0 AND at >= ? AND at > "
            f"coalesce((SELECT max(at) FROM login_attempts WHERE {column} = ? AND ok = 1), 0) "
            "ORDER BY at", [value, since, value]).fetchall()
        return [float(r[0]) for r in rows]
