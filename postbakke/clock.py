"""The clock people read: times are stored in UTC and shown as the clock in Copenhagen."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")


def local_time(moment: datetime) -> datetime:
    """A moment as the clock in Copenhagen shows it (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_ZONE)


def local_moment(iso: str | None) -> datetime | None:
    """A stored ISO time (UTC) as the clock in Copenhagen; None for none or nonsense."""
    if not iso:
        return None
    try:
        return local_time(datetime.fromisoformat(iso))
    except ValueError:
        return None
