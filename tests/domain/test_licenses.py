"""Licence registry rules (Order 1907 p.2-3, p.9) and identifier formats: each check
returns its problems (none when all is well), each decision its value or a refusal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain.codes import check_country_code, check_hs_code, check_hs_code_prefix, check_inn
from domain.control import LineFacts
from domain.licenses import (
    Amendment,
    LicenseEvent,
    LicenseStatus,
    LimitChange,
    LineData,
    Party,
    Registration,
    amended_limits,
    amended_validity,
    check_amendment,
    check_registered_again,
    check_registration,
    registered,
    shown_available,
    status_after,
)
from domain.problems import Problem, RuleViolation

VALID_INN = "7707083893"
LINE = LineData(1, "Медная проволока", "7408", "166", Decimal("1000"))


REGISTRATION = Registration(
    number="RU-1",
    type="ONE_TIME",
    direction="EXPORT",
    issuing_authority="Минпромторг России",
    holder=Party("ООО «Ромашка»", inn=VALID_INN),
    valid_from=date(2027, 1, 1),
    valid_to=date(2027, 12, 31),
    lines=[LINE],
)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def on_record(unit: str = "166", accounted: str = "0", value: str | None = None) -> LineFacts:
    limit = Decimal("1000")
    return LineFacts(
        1, "Медная проволока", "7408", unit, limit, Decimal(accounted), limit - Decimal(accounted),
        value_limit=None if value is None else Decimal(value),
    )  # fmt: skip


def test_identifier_formats() -> None:
    assert check_inn(VALID_INN) == []
    assert [(p.code, p.field) for p in check_inn("7707083890", ("inn",))] == [
        ("INVALID_INN", ("inn",))
    ]
    assert codes(check_inn("123")) == ["INVALID_INN"]
    assert check_hs_code("7408") == []
    assert codes(check_hs_code("740")) == ["INVALID_HS_CODE"]
    assert codes(check_country_code("ru")) == ["INVALID_COUNTRY"]
    assert check_hs_code_prefix("74") == []
    assert codes(check_hs_code_prefix("7")) == ["INVALID_HS_CODE_PREFIX"]


def test_p2_registration_checks_every_field_at_once() -> None:
    """Order 1907 p.2: a registration is checked whole before anything is written."""
    assert check_registration(REGISTRATION) == []
    bad = replace(
        REGISTRATION,
        number=" ",
        holder=Party("", inn="123"),
        valid_to=date(2026, 1, 1),
        lines=[LineData(0, "x", "74", "999", Decimal("-1"))],
    )
    assert codes(check_registration(bad)) == [
        "REQUIRED",
        "INVALID_INN",
        "REQUIRED",
        "INVALID_VALIDITY",
        "INVALID_LINE_NUMBER",
        "INVALID_HS_CODE",
        "UNKNOWN_UNIT",
        "QUANTITY_NOT_POSITIVE",
    ]


def test_p3_amendment_changes_something_and_a_number_registers_once() -> None:
    assert codes(check_amendment(Amendment("RU-1"))) == ["NOTHING_TO_AMEND"]
    assert check_registered_again("RU-1", same_content=True) == []
    assert codes(check_registered_again("RU-1", same_content=False)) == [
        "NUMBER_ALREADY_REGISTERED"
    ]
    assert registered("RU-1", {"number": "RU-1"}) == {"number": "RU-1"}
    with pytest.raises(RuleViolation) as refused:
        registered("RU-2", None)
    assert codes(refused.value.problems) == ["LICENSE_NOT_FOUND"]


def test_p3_amended_validity_and_limits() -> None:
    """Order 1907 p.3: an amendment is authoritative; only the validity's order and a
    unit change of a line with accounting refuse it."""
    amendment = Amendment("RU-1", valid_to=date(2028, 6, 30))
    assert amended_validity(amendment, date(2027, 1, 1), date(2027, 12, 31)) == (
        date(2027, 1, 1),
        date(2028, 6, 30),
    )
    with pytest.raises(RuleViolation):
        amended_validity(amendment, date(2029, 1, 1), date(2029, 12, 31))

    lower = LineData(1, "Медная проволока", "7408", "166", Decimal("400"), Decimal("10"), "USD")
    new = LineData(2, "Латунь", "7403", "166", Decimal("5"))
    assert amended_limits([lower, new], {1: on_record(accounted="600")}) == [
        LimitChange(1, Decimal("-600"), Decimal("10")),
        LimitChange(2, Decimal("5"), None),
    ]
    assert amended_limits([LINE], {1: on_record()}) == []  # nothing moves
    in_pieces = LineData(1, "Медная проволока", "7408", "796", Decimal("1000"))
    assert amended_limits([in_pieces], {1: on_record()}) == []
    with pytest.raises(RuleViolation) as refused:
        amended_limits([in_pieces], {1: on_record(accounted="1")})
    assert [(p.code, p.field) for p in refused.value.problems] == [
        ("UNIT_CHANGE_WITH_ACCOUNTING", ("lines", 0, "unit"))
    ]
    assert shown_available(Decimal("-5")) == (Decimal(0), Decimal(5))
    assert shown_available(Decimal("7")) == (Decimal(7), Decimal(0))


@pytest.mark.parametrize(
    ("status", "event", "after"),
    [
        (LicenseStatus.ACTIVE, LicenseEvent.SUSPENDED, LicenseStatus.SUSPENDED),
        (LicenseStatus.SUSPENDED, LicenseEvent.RESUMED, LicenseStatus.ACTIVE),
        (LicenseStatus.SUSPENDED, LicenseEvent.TERMINATED, LicenseStatus.TERMINATED),
        (LicenseStatus.ACTIVE, LicenseEvent.AMENDED, LicenseStatus.ACTIVE),
        (LicenseStatus.TERMINATED, LicenseEvent.AMENDED, None),
        (LicenseStatus.ACTIVE, LicenseEvent.RESUMED, None),
    ],
)
def test_p9_status_messages(
    status: LicenseStatus, event: LicenseEvent, after: LicenseStatus | None
) -> None:
    """Order 1907 p.9: suspension, resumption, termination; a terminated licence takes
    no further message."""
    if after is not None:
        assert status_after(status, event) is after
        return
    with pytest.raises(RuleViolation) as refused:
        status_after(status, event)
    assert codes(refused.value.problems) == ["INVALID_STATUS_TRANSITION"]
