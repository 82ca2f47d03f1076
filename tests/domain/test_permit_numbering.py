"""The permit's registration number (Permit rules p.2, DESIGN "Permit number")."""

from __future__ import annotations

from datetime import date

import pytest

from domain.permits.numbering import (
    PermitNumber,
    format_permit_number,
    parse_permit_number,
    sequence_scope,
)
from domain.problems import RuleViolation


def test_p2_number_is_office_date_procedure_sequence() -> None:
    """Permit rules p.2: 8-digit office code / DDMMYY / 51 / sequence number."""
    assert format_permit_number("10216000", date(2027, 3, 5), 7) == "10216000/050327/51/0007"


def test_p2_sequence_has_minimum_width_and_grows_past_it() -> None:
    """DESIGN "Permit number": the width is a setting (4 by default) and grows past it."""
    assert format_permit_number("10216000", date(2027, 3, 5), 12345) == "10216000/050327/51/12345"
    assert format_permit_number("10216000", date(2027, 3, 5), 3, min_width=6).endswith("/000003")


def test_p2_bad_parts_refused() -> None:
    """Permit rules p.2: an 8-digit office code and a sequence from 1."""
    with pytest.raises(RuleViolation, match="8 digits"):
        format_permit_number("1021600", date(2027, 3, 5), 1)
    with pytest.raises(RuleViolation, match="starts at 1"):
        format_permit_number("10216000", date(2027, 3, 5), 0)


def test_p2_parse_round_trip() -> None:
    """Permit rules p.2: a number parses back into its parts, at any sequence width."""
    number = format_permit_number("10216000", date(2027, 12, 31), 42)
    assert parse_permit_number(number) == PermitNumber("10216000", date(2027, 12, 31), 42)
    assert parse_permit_number("10216000/311227/51/123456").sequence == 123456


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("10216000/311227/40/0001", "procedure code 51"),
        ("10216000/311327/51/0001", "no valid date"),
        ("10216000/311227/51/0000", "starts at 1"),
        ("1021600/311227/51/0001", "looks like"),
        ("10216000-311227-51-0001", "looks like"),
        ("10216000/311227/51/", "looks like"),
    ],
)
def test_p2_parse_refuses_malformed(text: str, reason: str) -> None:
    """Permit rules p.2: procedure 51, a real date, a sequence from 1, '/' separators."""
    with pytest.raises(RuleViolation, match=reason):
        parse_permit_number(text)


def test_p2_sequence_restarts_each_calendar_year_of_local_date() -> None:
    """Permit rules p.2, DESIGN "Permit number": one counter per office per calendar year of
    the office's local date, restarting at 1 each year."""
    assert sequence_scope("10216000", date(2027, 12, 31)) == ("10216000", 2027)
    assert sequence_scope("10216000", date(2028, 1, 1)) == ("10216000", 2028)
    assert sequence_scope("10702000", date(2028, 1, 1)) != sequence_scope(
        "10216000", date(2028, 1, 1)
    )
