"""How much work SQLite does for an action: a count that does not depend on the machine's load,
for tests that a cost does not grow with the rows stored."""

from __future__ import annotations

from collections.abc import Callable

from postbakke.store import Store


def vm_steps(store: Store, action: Callable[[], object]) -> int:
    """SQLite's virtual-machine steps (in hundreds) an action takes: grows with rows read."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    store.db.conn.set_progress_handler(count, 100)
    try:
        action()
    finally:
        store.db.conn.set_progress_handler(None, 0)
    return steps
