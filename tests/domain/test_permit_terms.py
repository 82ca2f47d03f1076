"""The processing term in months and its extensions (Permit rules p.9, DESIGN "Term")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.permits.terms import (
    add_months,
    extend_term,
    is_expired,
    months_problems,
    term_end,
)
from domain.problems import RuleViolation


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2027, 3, 15), 1, date(2027, 4, 15)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 8, 31), 1, date(2027, 9, 30)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2027, 5, 10), 36, date(2030, 5, 10)),
        (date(2027, 12, 1), 1, date(2028, 1, 1)),
    ],
)
def test_p9_term_ends_on_same_day_of_last_month(start: date, months: int, end: date) -> None:
    """Permit rules p.9, DESIGN "Term": a term in months ends on the same day of its last
    month, or on that month's last day when it has no such day (31 Jan + 1 month is
    28 Feb in 2027, 29 Feb in 2028), also across years."""
    assert add_months(start, months) == end
    assert term_end(start, months) == end


def test_p9_extensions_do_not_drift() -> None:
    """Permit rules p.9, DESIGN "Term": every end date is computed from the start and the
    total months: start 31 Jan, 1 month: 28 Feb; extended by 2: 30 Apr, not 28 Apr."""
    start = date(2027, 1, 31)
    first_end = term_end(start, 1)
    assert first_end == date(2027, 2, 28)
    assert extend_term(start, 1, 2) == date(2027, 4, 30)
    assert add_months(first_end, 2) == date(2027, 4, 28)  # what drifting would give
    assert extend_term(start, 3, 9) == date(2028, 1, 31)


def test_p9_extension_in_whole_positive_months() -> None:
    """Permit rules p.9: an extension is given in whole calendar months."""
    start = date(2027, 1, 31)
    assert extend_term(start, 1, Decimal("2")) == date(2027, 4, 30)
    cases: list[tuple[int | Decimal, str]] = [
        (0, "TERM_NOT_POSITIVE"),
        (-1, "TERM_NOT_POSITIVE"),
        (Decimal("1.5"), "TERM_NOT_WHOLE_MONTHS"),
        (Decimal("NaN"), "TERM_NOT_WHOLE_MONTHS"),
    ]
    for months, code in cases:
        with pytest.raises(RuleViolation) as caught:
            extend_term(start, 1, months)
        assert [p.code for p in caught.value.problems] == [code]


def test_p9_whole_term_capped() -> None:
    """DESIGN "Term": the whole term with extensions is capped (default 36 months)."""
    start = date(2027, 4, 1)
    assert extend_term(start, 24, 12) == date(2030, 4, 1)
    with pytest.raises(RuleViolation) as caught:
        extend_term(start, 24, 13)
    assert [p.code for p in caught.value.problems] == ["TERM_TOO_LONG"]
    assert extend_term(start, 24, 13, max_months=48) == date(2030, 5, 1)


def test_p9_months_are_whole_and_positive() -> None:
    """Permit rules p.9: "в полных календарных месяцах"."""
    assert months_problems(12) == []
    assert months_problems(Decimal("12.0")) == []
    assert [p.code for p in months_problems(Decimal("0.5"))] == ["TERM_NOT_WHOLE_MONTHS"]


def test_p9_end_date_is_within_the_term() -> None:
    """Permit rules p.9, DESIGN "Term": the end date is the term's last day; it has expired
    from the day after."""
    end = date(2027, 2, 28)
    assert not is_expired(end, date(2027, 2, 27))
    assert not is_expired(end, end)
    assert is_expired(end, date(2027, 3, 1))
