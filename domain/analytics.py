"""Figures across holders for officers and analysts: the rules of their arguments
(licence utilisation by HS code prefix; refusals of release in a period, Order 1907 p.9)."""

from __future__ import annotations

from datetime import datetime

from domain.problems import Problem

HS_PREFIX_LENGTHS = range(2, 11)
"""An HS code prefix groups by 2 to 10 leading digits."""


def check_hs_prefix_length(length: int) -> list[Problem]:
    """Utilisation is grouped by 2 to 10 leading digits of the lines' HS codes."""
    if length in HS_PREFIX_LENGTHS:
        return []
    return [
        Problem(
            "INVALID_ARGUMENT",
            f"hsPrefixLength must be 2 to 10, got {length}",
            ("hsPrefixLength",),
        )
    ]


def check_period(start: datetime, end: datetime) -> list[Problem]:
    """A period [start, end) is not empty."""
    if end > start:
        return []
    return [Problem("INVALID_ARGUMENT", "`to` must be later than `from`", ("to",))]
