"""The processing term (Permit rules p.9; DESIGN "Term").

Table 10.1 gives the term in whole calendar months; once the first batch is placed under
the procedure an officer fixes the start and writes the end date; table 10.2 adds whole
months with the new end date.

Reading of "end date": a term in months ends on the *same* day of its last month, or on
that month's last day when it has no such day (DESIGN; the Civil Code art.192 reckoning).
So the end date is ``add_months(start, months)`` itself, not the day before: a 1-month
term from 15 March ends on 15 April, which is still within the term; the term has
expired from 16 April (:func:`is_expired`).

Every end date is computed from the start and the *total* months, never from the
previous end date, so a clipped month end does not drift: start 31 January, 1 month ends
28 February; extended by 2 months (3 in all), 30 April, not 28 April.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from domain.problems import FieldPath, Problem, RuleViolation

#: DESIGN: the whole term with extensions is capped by a setting; the Customs Code's
#: maximum is three years.
DEFAULT_MAX_TERM_MONTHS = 36


def add_months(start: date, months: int) -> date:
    """The same day ``months`` calendar months later, or that month's last day when it has
    no such day (31 January + 1 month = 28 February, or 29 in a leap year)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, total_months: int) -> date:
    """The last day of a term of ``total_months`` starting on ``start``: the same day of
    the last month, clipped to that month's end (Permit rules p.9, DESIGN "Term")."""
    return add_months(start, total_months)


def months_problems(months: int | Decimal, field: FieldPath = ()) -> list[Problem]:
    """A term or an extension is a whole number of calendar months > 0 (Permit rules p.9,
    "в полных календарных месяцах")."""
    whole = (isinstance(months, int) and not isinstance(months, bool)) or (
        isinstance(months, Decimal) and months.is_finite() and months == months.to_integral_value()
    )
    if not whole:
        return [Problem("TERM_NOT_WHOLE_MONTHS", f"a term is whole months, got {months}", field)]
    if months <= 0:
        return [Problem("TERM_NOT_POSITIVE", f"a term is at least 1 month, got {months}", field)]
    return []


def term_cap_problems(
    total_months: int, max_months: int = DEFAULT_MAX_TERM_MONTHS, field: FieldPath = ()
) -> list[Problem]:
    """The whole term with extensions is at most ``max_months`` (DESIGN "Term")."""
    if total_months > max_months:
        return [
            Problem(
                "TERM_TOO_LONG",
                f"the term with extensions would be {total_months} months; "
                f"at most {max_months} are allowed",
                field,
            )
        ]
    return []


def extend_term(
    start: date,
    current_total_months: int,
    extension_months: int | Decimal,
    max_months: int = DEFAULT_MAX_TERM_MONTHS,
) -> date:
    """The new end date after extending by ``extension_months`` (table 10.2, Permit rules
    p.9), computed from the start and the new total (DESIGN "Term").

    Raises :class:`RuleViolation` for non-whole or non-positive months, or when the
    whole term would exceed ``max_months``.
    """
    problems = months_problems(extension_months, ("months",))
    if problems:
        raise RuleViolation(problems)
    total = current_total_months + int(extension_months)
    problems = term_cap_problems(total, max_months, ("months",))
    if problems:
        raise RuleViolation(problems)
    return term_end(start, total)


def is_expired(end: date, today: date) -> bool:
    """The term has expired once its end date has passed: the end date itself is still
    within the term (see the module docstring)."""
    return today > end
