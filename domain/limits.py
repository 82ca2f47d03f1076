"""Bounds of every input, and what text and numbers may contain (issue 9, "Safe at the edge").

Every list and every string a client sends has a bound.  Each bound is far above what a
real customs document reaches, so no genuine message meets it; it exists to bound the
work of one request (a licence of 10,000 lines once kept the server busy for minutes) and
the size of what is stored (a MongoDB document holds at most 16 MB).  A value over its
bound is refused before any per-element work (the length is checked first), with a
typed problem naming its field:

* ``TOO_MANY_ITEMS``: a list longer than its bound;
* ``TOO_LONG``: a string longer than its bound (counted in characters);
* ``INVALID_TEXT``: a string that is not text: a lone surrogate (it cannot be encoded
  in UTF-8, nor stored), a control character other than tab and line breaks, and, in
  numbers and codes, any character that is not printable or a decimal digit other than
  the ASCII ``0-9`` (a fullwidth ``１`` or an Arabic-Indic ``١`` would spell one number
  twice);
* ``DOCUMENT_TOO_LARGE``: a permit whose text as a whole would be too large to store.

Dates are bounded too (:data:`EARLIEST_DATE`, :data:`LATEST_DATE`): the ``Date`` and
``DateTime`` scalars refuse any other day, so no rule ever computes with the year 1 or
9999 (where adding an offset or a term overflows).

The constants are the rules; the checks below apply them.  Codes and numbers are checked
for their format by :mod:`domain.codes` with ASCII digits only.
"""

from __future__ import annotations

import re
from collections.abc import Sized
from datetime import date

from domain.problems import FieldPath, Problem

# --- lists ------------------------------------------------------------------------------

MAX_LICENSE_LINES = 1_000
"""Goods lines of one licence message (Order 1907 p.2-3); licences have a handful."""
MAX_DECLARATION_ITEMS = 999
"""Goods items of one declaration: the goods declaration form numbers them up to 999."""
MAX_TEMPORARY_DECLARATIONS = 100
"""Temporary declarations one full declaration completes (Order 1907 p.12): those of one
period of periodic declaring, a few dozen at most."""
MAX_REFUSAL_GROUNDS = 10
"""Grounds named in one refusal (Order 1907 p.9 knows four)."""
MAX_TABLE_ROWS = 1_000
"""Rows of each goods table of a permit (tables 3, 5, 6, 7, 8 and 15.1, Permit rules p.5)."""
MAX_YIELD_NORMS = 4_000
"""Yield norms of a permit (Permit rules p.6): one for each row of tables 5-8 at their
bound; real permits have a few dozen."""
MAX_TRADE_DOCUMENTS = 100
"""Trade documents of a permit (point 2, Permit rules p.4)."""
MAX_DOCUMENT_AMENDMENTS = 100
"""Amendments listed for one trade document (point 2)."""
MAX_IDENTIFICATION_METHODS = 50
"""Identification methods of a permit (point 9, Permit rules p.8; art.167 knows five)."""
MAX_PROCESSING_ORGANISATIONS = 100
"""Organisations performing the processing (point 13)."""
MAX_DEADLINE_EXTENSION_HOURS = 8_760
"""Hours one extension of a release deadline adds (DESIGN "Release deadline"): a year;
the release term itself is hours."""
MAX_OTHER_QUANTITIES = 10
"""Quantities in the processor's own units given for one row (Permit rules p.5(г))."""
MAX_ROW_CUSTOMS_OFFICES = 20
"""Customs offices or posts named in column 6 of one row (Permit rules p.5(е))."""

# --- strings (characters) -----------------------------------------------------------------

MAX_NAME_LENGTH = 1_000
"""Names: of goods, persons, organisations, authorities, offices, documents, units, and
addresses."""
MAX_NUMBER_LENGTH = 64
"""Numbers and codes: licence, declaration, permit, document and decision numbers, unit,
currency, country and procedure codes, KPP, OGRN, time zone names."""
MAX_KEY_LENGTH = 128
"""Feed message ids and idempotency keys (room for a prefix and a UUID or a hash)."""
MAX_REASON_LENGTH = 2_000
"""Reasons and grounds an officer, a declarant or the feed states."""
MAX_TEXT_LENGTH = 10_000
"""Descriptions of the permit form: identification methods and officers' actions (point
9), points 11, 12 and 14, the waste procedure (point 6)."""
MAX_SCALAR_LENGTH = 64
"""A value of a scalar (decimal, date, date-time, HS code, INN, customs office code):
longer than any well-formed one, so a longer one is refused before it is parsed."""

MAX_PERMIT_TEXT_BYTES = 4_000_000
"""The text of a whole permit form, in UTF-8 bytes, with a fixed allowance per row, norm
and document: the stored permit stays far below MongoDB's 16 MB per document, with its
denormalised codes and history."""
PERMIT_ENTRY_BYTES = 200
"""The allowance for the fixed part (numbers, dates, field names) of each row, norm,
document, method, organisation, quantity and office of a permit."""

# --- dates --------------------------------------------------------------------------------

EARLIEST_DATE = date(1991, 1, 1)
"""No date before this: no licence, declaration, permit or decision of the customs
regimes this API keeps is older (the Russian customs service dates from 1991)."""
LATEST_DATE = date(2100, 12, 31)
"""No date after this: beyond any validity, term or deadline, and well inside what every
date computation (a time zone offset, a term of months) can represent."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_IN_IDENTIFIER = re.compile(r"[\x00-\x1f\x7f]")


def shown(value: str, limit: int = 40) -> str:
    """``value`` quoted for a message, cut to ``limit`` characters: a refusal never echoes
    a megabyte back (``repr`` escapes what cannot be printed, a lone surrogate too)."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def is_text(value: str) -> bool:
    """Whether ``value`` can be encoded in UTF-8 (no lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_count(items: Sized, limit: int, field: FieldPath, what: str) -> list[Problem]:
    """A list of ``what`` has at most ``limit`` elements (checked before any of them)."""
    if len(items) <= limit:
        return []
    # No count in the message: a list far over its bound reaches the rules cut to its
    # bound plus one (schema/input_bounds.py), so the count would not be the one sent.
    return [Problem("TOO_MANY_ITEMS", f"at most {limit:,} {what} are accepted", field)]


def check_text(value: str | None, limit: int, field: FieldPath) -> list[Problem]:
    """A string of free text (a name, a reason, a description) has at most ``limit``
    characters, can be encoded (no lone surrogate) and has no control character other
    than tab and line breaks.  ``None`` (an optional value not given) passes."""
    if value is None:
        return []
    if len(value) > limit:
        return [
            Problem(
                "TOO_LONG",
                f"at most {limit:,} characters are accepted, got {len(value):,}",
                field,
            )
        ]
    if not is_text(value):
        return [Problem("INVALID_TEXT", "the text contains a lone surrogate (not Unicode)", field)]
    if _CONTROL.search(value):
        return [
            Problem("INVALID_TEXT", "the text contains a control character", field),
        ]
    return []


def check_identifier(value: str | None, limit: int, field: FieldPath) -> list[Problem]:
    """A number or code (of a licence, a document, a decision, a key ...): at most
    ``limit`` characters of text, no control character at all, and digits only the ASCII
    ``0-9``, so that one number cannot be written two ways."""
    if value is None:
        return []
    if problems := check_text(value, limit, field):
        return problems
    if _NOT_IN_IDENTIFIER.search(value):
        return [Problem("INVALID_TEXT", "a number or code contains a control character", field)]
    if any(c.isdigit() and not c.isascii() for c in value):
        return [
            Problem(
                "INVALID_TEXT",
                f"a number or code is written with the ASCII digits 0-9, got {shown(value)}",
                field,
            )
        ]
    return []


def date_in_range(day: date) -> bool:
    """Whether ``day`` lies within :data:`EARLIEST_DATE` .. :data:`LATEST_DATE`."""
    return EARLIEST_DATE <= day <= LATEST_DATE


def invalid_document() -> Problem:
    """The refusal of a write that the database's validator refused: the rules should
    have refused it first, so this is the last guard, never a masked error (the document
    itself is neither shown nor logged)."""
    return Problem(
        "INVALID_DOCUMENT",
        "the record would not pass the database's validation; nothing was written",
    )
