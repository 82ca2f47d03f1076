"""The permit's registration number (Permit rules p.2; DESIGN "Permit number").

``CCCCCCCC/DDMMYY/51/SEQ``: the issuing customs office's 8-digit code, the issue date
(day, month, last two digits of the year), the code of the customs procedure of
processing on the customs territory (``51``, CU Commission Decision 378), and the
permit's sequence number in that office, running through the calendar year and restarting
at 1 each year.  The sequence has a minimum width (a setting, 4 by default) and grows past
it.  The date and the year are the issuing office's *local* date: callers pass it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.codes import check_customs_office_code
from domain.declarations import PROCESSING_PROCEDURE
from domain.limits import shown
from domain.problems import Problem, RuleViolation

DEFAULT_SEQUENCE_WIDTH = 4

#: ASCII digits only, the whole text (``fullmatch``), a sequence of at most 9 digits.
_NUMBER = re.compile(r"([0-9]{8})/([0-9]{2})([0-9]{2})([0-9]{2})/([0-9]{2})/([0-9]{1,9})")


@dataclass(frozen=True, slots=True)
class PermitNumber:
    """The parts of a registration number."""

    customs_office_code: str
    issue_date: date
    sequence: int


def _refuse(message: str) -> RuleViolation:
    return RuleViolation([Problem("INVALID_PERMIT_NUMBER", message, ("number",))])


def format_permit_number(
    customs_office_code: str,
    issue_date: date,
    sequence: int,
    min_width: int = DEFAULT_SEQUENCE_WIDTH,
) -> str:
    """The registration number (Permit rules p.2): ``10702010/150327/51/0007``.

    ``issue_date`` is the issuing office's local date.  Raises :class:`RuleViolation`
    for a bad office code, a sequence below 1 or a year the number cannot hold.
    """
    if problems := check_customs_office_code(customs_office_code):
        raise RuleViolation(problems)
    if sequence < 1:
        raise _refuse(f"a permit sequence number starts at 1, got {sequence}")
    if not 2000 <= issue_date.year <= 2099:
        raise _refuse(f"the number's two-digit year cannot hold {issue_date.year}")
    return (
        f"{customs_office_code}/{issue_date:%d%m%y}/{PROCESSING_PROCEDURE}/{sequence:0{min_width}d}"
    )


def parse_permit_number(number: str) -> PermitNumber:
    """The parts of a registration number (Permit rules p.2); the two-digit year is read
    as 20YY.  Any sequence width is accepted (the width is a setting that may change).
    Raises :class:`RuleViolation` (``INVALID_PERMIT_NUMBER``) when ``number`` is not one."""
    match = _NUMBER.fullmatch(number)
    if not match:
        raise _refuse(f"a permit number looks like CCCCCCCC/DDMMYY/51/0001, got {shown(number)}")
    office, day, month, year, procedure, sequence = match.groups()
    if procedure != PROCESSING_PROCEDURE:
        raise _refuse(
            f"a permit number carries procedure code {PROCESSING_PROCEDURE}, got {procedure}"
        )
    try:
        issued = date(2000 + int(year), int(month), int(day))
    except ValueError:
        raise _refuse(f"{number!r} has no valid date {day}{month}{year}") from None
    if int(sequence) < 1:
        raise _refuse(f"a permit sequence number starts at 1, got {sequence}")
    return PermitNumber(office, issued, int(sequence))


def sequence_scope(customs_office_code: str, issue_date: date) -> tuple[str, int]:
    """The counter a sequence number is drawn from: one per issuing office per calendar
    year of its local ``issue_date`` (Permit rules p.2, DESIGN "Permit number")."""
    return customs_office_code, issue_date.year
