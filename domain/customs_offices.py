"""Customs offices reference data: regional customs administrations, customs and posts.

Permit rules p.1: a permit names the regional customs administration and the customs
under it that issued it, or only the customs when it reports directly to the FTS of
Russia.  The issuing customs' time zone gives the local date of the permit number and of
its sequence year (DESIGN "Permit number").

:class:`OfficeData` is hashed field by field for idempotency (``asdict``): its fields are
never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.codes import check_customs_office_code
from domain.limits import MAX_NAME_LENGTH, MAX_NUMBER_LENGTH, check_identifier, check_text, shown
from domain.permits.form import Header
from domain.problems import FieldPath, Problem, RuleViolation

DEFAULT_TIME_ZONE = "Europe/Moscow"


class OfficeKind(StrEnum):
    REGIONAL_ADMINISTRATION = "REGIONAL_ADMINISTRATION"
    CUSTOMS = "CUSTOMS"
    POST = "POST"


#: The kind a parent must have, per kind of office.
_PARENT_KIND = {
    OfficeKind.CUSTOMS: OfficeKind.REGIONAL_ADMINISTRATION,
    OfficeKind.POST: OfficeKind.CUSTOMS,
}


@dataclass(frozen=True)
class OfficeData:
    """A customs office as an officer saves it."""

    code: str
    name: str
    kind: OfficeKind
    parent_code: str | None = None
    reports_to_fts: bool = False
    time_zone: str = DEFAULT_TIME_ZONE


@dataclass(frozen=True, slots=True)
class Office:
    """A customs office of the reference data."""

    code: str
    name: str
    kind: OfficeKind
    parent_code: str | None
    reports_to_fts: bool
    time_zone: str


def _spelled(kind: OfficeKind) -> str:
    return kind.lower().replace("_", " ")


def check_time_zone(name: str, field: FieldPath = ()) -> list[Problem]:
    """An office's time zone is an IANA time zone (a name within its bound: the name is
    looked up as a file, where a folder such as ``Europe`` fails otherwise)."""
    if problems := check_identifier(name, MAX_NUMBER_LENGTH, field):
        return problems
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        message = f"{shown(name)} is not an IANA time zone such as Europe/Moscow"
        return [Problem("INVALID_TIME_ZONE", message, field)]
    return []


def local_date(moment: datetime, time_zone: str) -> date:
    """The calendar date at ``moment`` in ``time_zone`` (DESIGN "Permit number")."""
    return moment.astimezone(ZoneInfo(time_zone)).date()


def check_office(data: OfficeData) -> list[Problem]:
    """The office's own fields: an 8-digit code, a name, a time zone; a regional
    administration has no parent; a customs has a regional administration or reports to
    the FTS directly, not both (Permit rules p.1); a post belongs to a customs."""
    problems = check_customs_office_code(data.code, ("code",))
    if not data.name.strip():
        problems.append(Problem("REQUIRED", "the office's name is required", ("name",)))
    problems += check_text(data.name, MAX_NAME_LENGTH, ("name",))
    problems += check_time_zone(data.time_zone, ("timeZone",))
    if data.parent_code is not None:
        problems += check_customs_office_code(data.parent_code, ("parentCode",))
    if data.parent_code is not None and data.parent_code == data.code:
        problems.append(
            Problem("INVALID_PARENT", "an office cannot be its own parent", ("parentCode",))
        )
    if data.kind is OfficeKind.REGIONAL_ADMINISTRATION:
        if data.parent_code is not None:
            problems.append(
                Problem(
                    "INVALID_PARENT",
                    "a regional customs administration reports to the FTS and has no parent",
                    ("parentCode",),
                )
            )
    elif data.kind is OfficeKind.CUSTOMS:
        if (data.parent_code is None) != data.reports_to_fts:
            problems.append(
                Problem(
                    "PARENT_OR_FTS",
                    "a customs either is under a regional customs administration (parentCode) "
                    "or reports directly to the FTS (reportsToFts), exactly one of the two",
                    ("parentCode",),
                )
            )
    else:
        if data.parent_code is None:
            problems.append(
                Problem("REQUIRED", "a customs post names its customs", ("parentCode",))
            )
        if data.reports_to_fts:
            problems.append(
                Problem(
                    "PARENT_OR_FTS", "a customs post does not report to the FTS", ("reportsToFts",)
                )
            )
    return problems


def reports_to_fts(data: OfficeData) -> bool:
    """A regional administration always reports to the FTS; a customs when it says so."""
    return data.kind is OfficeKind.REGIONAL_ADMINISTRATION or data.reports_to_fts


def check_parent(data: OfficeData, parent: Office | None) -> list[Problem]:
    """The parent an office names exists and is of the kind above it: a customs is under
    a regional administration, a post under a customs (Permit rules p.1)."""
    if data.parent_code is None:
        return []
    wanted = _PARENT_KIND[data.kind]
    if parent is None or parent.kind is not wanted:
        return [
            Problem(
                "INVALID_PARENT",
                f"the parent {data.parent_code} must be an existing {_spelled(wanted)}",
                ("parentCode",),
            )
        ]
    return []


def check_kind_change(
    existing: Office, data: OfficeData, subordinate: Office | None
) -> list[Problem]:
    """An office with offices under it (``subordinate``, any one of them) keeps its kind."""
    if existing.kind is data.kind or subordinate is None:
        return []
    return [
        Problem(
            "OFFICE_HAS_SUBORDINATES",
            f"{subordinate.code} ({subordinate.name}) is under this office; its kind cannot change",
            ("kind",),
        )
    ]


def issuing_customs(code: str, office: Office | None, field: FieldPath) -> Office:
    """The customs ``code`` that issues a permit (Permit rules p.1); refused when the
    reference data has no such office or it is not a customs (a regional administration
    or a post does not issue permits)."""
    if office is None:
        raise RuleViolation(
            [
                Problem(
                    "CUSTOMS_OFFICE_NOT_FOUND",
                    f"no customs office {code} in the reference data",
                    field,
                )
            ]
        )
    if office.kind is not OfficeKind.CUSTOMS:
        raise RuleViolation(
            [
                Problem(
                    "NOT_AN_ISSUING_CUSTOMS",
                    f"{code} ({office.name}) is a {_spelled(office.kind)}; "
                    "permits are issued by a customs",
                    field,
                )
            ]
        )
    return office


def permit_header(customs: Office, parent: Office | None, field: FieldPath) -> Header:
    """The permit header of an issuing customs (Permit rules p.1): the customs alone
    when it reports to the FTS directly, else with its regional administration
    (``parent``, which must exist)."""
    if customs.reports_to_fts:
        return Header(customs.code, customs.name, reports_to_fts=True)
    if parent is None:
        raise RuleViolation(
            [
                Problem(
                    "CUSTOMS_OFFICE_NOT_FOUND",
                    f"the regional administration {customs.parent_code} of {customs.code} is "
                    "missing",
                    field,
                )
            ]
        )
    return Header(customs.code, customs.name, parent.code, parent.name, reports_to_fts=False)
