"""Customs offices reference data (Permit rules p.1; DESIGN "Permit number")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.customs_offices import (
    Office,
    OfficeData,
    OfficeKind,
    check_kind_change,
    check_office,
    check_parent,
    issuing_customs,
    local_date,
    permit_header,
    reports_to_fts,
)
from domain.permits.form import Header
from domain.problems import RuleViolation

K = OfficeKind
REGION = Office("10200000", "СЗТУ", K.REGIONAL_ADMINISTRATION, None, True, "Europe/Moscow")
CUSTOMS = Office("10216000", "Балтийская таможня", K.CUSTOMS, "10200000", False, "Europe/Moscow")
POST = Office("10216100", "Балтийский пост", K.POST, "10216000", False, "Europe/Moscow")


def fields(data: OfficeData) -> list[tuple[str, tuple[str | int, ...]]]:
    return [(p.code, p.field) for p in check_office(data)]


def test_p1_the_kinds_of_office_and_their_parents() -> None:
    """Permit rules p.1: a regional administration reports to the FTS; a customs is under
    one or reports to the FTS directly, not both; a post is under a customs."""
    assert check_office(OfficeData("10299000", "Т", K.CUSTOMS, parent_code="10200000")) == []
    assert fields(OfficeData("1029900", "", K.CUSTOMS, time_zone="Mars/Olympus")) == [
        ("INVALID_CUSTOMS_OFFICE_CODE", ("code",)),
        ("REQUIRED", ("name",)),
        ("INVALID_TIME_ZONE", ("timeZone",)),
        ("PARENT_OR_FTS", ("parentCode",)),
    ]
    assert fields(OfficeData("10299000", "Т", K.REGIONAL_ADMINISTRATION, "10299000")) == [
        ("INVALID_PARENT", ("parentCode",)),
        ("INVALID_PARENT", ("parentCode",)),
    ]
    assert fields(OfficeData("10299000", "Т", K.POST, reports_to_fts=True)) == [
        ("REQUIRED", ("parentCode",)),
        ("PARENT_OR_FTS", ("reportsToFts",)),
    ]
    assert reports_to_fts(OfficeData("10299000", "Т", K.REGIONAL_ADMINISTRATION))
    post = OfficeData("10216200", "Т", K.POST, parent_code="10216000")
    assert check_parent(post, CUSTOMS) == []
    assert [p.code for p in check_parent(post, REGION)] == ["INVALID_PARENT"]
    assert [p.code for p in check_parent(post, None)] == ["INVALID_PARENT"]


def test_an_office_with_offices_under_it_keeps_its_kind() -> None:
    as_post = OfficeData(CUSTOMS.code, CUSTOMS.name, K.POST, parent_code="10200000")
    assert [p.code for p in check_kind_change(CUSTOMS, as_post, POST)] == [
        "OFFICE_HAS_SUBORDINATES"
    ]
    assert check_kind_change(CUSTOMS, as_post, None) == []
    renamed = OfficeData(CUSTOMS.code, "Новое имя", K.CUSTOMS, parent_code="10200000")
    assert check_kind_change(CUSTOMS, renamed, POST) == []


def test_p1_only_a_customs_issues_permits_and_names_its_administration() -> None:
    field = ("header", "customsOfficeCode")
    assert issuing_customs(CUSTOMS.code, CUSTOMS, field) is CUSTOMS
    assert permit_header(CUSTOMS, REGION, field) == Header(
        CUSTOMS.code, CUSTOMS.name, REGION.code, REGION.name, reports_to_fts=False
    )
    alone = Office("10012000", "Калининградская", K.CUSTOMS, None, True, "Europe/Kaliningrad")
    assert permit_header(alone, None, field) == Header(alone.code, alone.name, None, None, True)
    for code, office, refusal in [
        ("10000000", None, "CUSTOMS_OFFICE_NOT_FOUND"),
        (POST.code, POST, "NOT_AN_ISSUING_CUSTOMS"),
    ]:
        with pytest.raises(RuleViolation) as refused:
            issuing_customs(code, office, field)
        assert [(p.code, p.field) for p in refused.value.problems] == [(refusal, field)]
    with pytest.raises(RuleViolation):
        permit_header(CUSTOMS, None, field)


def test_local_date_follows_the_time_zone() -> None:
    """DESIGN "Permit number": the date is the issuing customs' local date."""
    moment = datetime(2027, 12, 31, 21, 30, tzinfo=UTC)
    assert local_date(moment, "Europe/Kaliningrad") == date(2027, 12, 31)
    assert local_date(moment, "Asia/Vladivostok") == date(2028, 1, 1)
