"""The stored shape of each document and its conversion to and from the domain: one
module per stored collection, the only place that knows its field names.  Dates are
stored as UTC midnight (BSON has no date-only type)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

Document = dict[str, Any]


def as_datetime(day: date) -> datetime:
    """A date stored as UTC midnight."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def as_date(value: datetime | None) -> date | None:
    """A stored date back as a date."""
    return None if value is None else value.astimezone(UTC).date()
