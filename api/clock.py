"""The one clock.  Every rule that depends on time reads "now" from here.

The application holds a :class:`Clock`; each request takes one reading at its start
(``Context.now``) so that all rules of one request see the same moment.  Tests set a
:class:`FixedClock`; with ``CUSTOMS_ALLOW_CLOCK_HEADER`` on, the ``X-Customs-Now`` header
sets the moment of a single request so that a scenario spanning days or years can be
driven through the API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

CLOCK_HEADER = "x-customs-now"


class Clock(Protocol):
    """Source of the current moment (timezone-aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests."""

    def __init__(self, moment: datetime) -> None:
        self.set(moment)

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware moment")
        self._moment = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._moment += delta

    def now(self) -> datetime:
        return self._moment


def parse_clock_header(value: str) -> datetime:
    """Parse an ``X-Customs-Now`` value: an ISO 8601 moment with its UTC offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(
            f"{CLOCK_HEADER} must be an ISO 8601 date-time with offset, got {value!r}"
        ) from exc
    if moment.tzinfo is None:
        raise ValueError(f"{CLOCK_HEADER} needs a UTC offset, e.g. 2027-01-31T10:00:00+03:00")
    return moment.astimezone(UTC)
