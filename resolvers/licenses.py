"""Resolvers of the licence registry: queries and the feed mutations (Order 1907 p.2-3)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from bson import ObjectId

from domain.access import Principal
from domain.codes import check_hs_code_prefix
from domain.licenses import Amendment, LicenseEvent, Registration, StatusMessage
from domain.licenses import ControlMode as DomainControlMode
from resolvers.connections import build_connection
from resolvers.context import Info
from resolvers.payloads import payload
from schema.errors import InvalidPagination
from schema.licenses.enums import LicenseOrderField, LicenseStatus
from schema.licenses.inputs import (
    AmendLicenseInput,
    LicenseFilter,
    LicenseOrder,
    LicenseStatusMessageInput,
    RegisterLicenseInput,
)
from schema.licenses.payloads import (
    AmendLicensePayload,
    LicenseStatusPayload,
    RegisterLicensePayload,
)
from schema.licenses.types import License, LicenseConnection
from schema.relay import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    OrderDirection,
    parse_typed_id,
)
from services.access import NOTHING, Access, Owned
from services.documents import as_datetime
from services.pagination import all_of

Document = dict[str, Any]
MESSAGE = strawberry.argument(description="The feed message.")


def _visible(info: Info, doc: Document | None) -> License | None:
    """The licence as the principal may see it: another holder's is as if it did not
    exist (DESIGN "Holder")."""
    shown = info.context.access.visible(Owned.LICENSE, doc)
    return None if shown is None else License.from_doc(shown)


async def license_by_number(
    info: Info, number: Annotated[str, strawberry.argument(description="Licence number.")]
) -> License | None:
    return _visible(info, await info.context.loaders.license_by_number.load(number))


async def load_license_node(info: Info, object_id: ObjectId) -> License | None:
    """``node(id:)`` for licences."""
    return _visible(info, await info.context.loaders.license_by_id.load(object_id))


async def license_by_id(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
) -> License | None:
    return await load_license_node(info, parse_typed_id(id, "License"))


_ORDER_FIELDS: dict[LicenseOrderField, tuple[str, bool]] = {
    LicenseOrderField.NUMBER: ("number", True),
    LicenseOrderField.VALID_FROM: ("validFrom", False),
    LicenseOrderField.VALID_TO: ("validTo", False),
    LicenseOrderField.REGISTERED_AT: ("registeredAt", False),
}


def _status_query(statuses: list[LicenseStatus]) -> Document:
    """Any of ``statuses``, on the stored ``state`` (the status with EXHAUSTED derived,
    kept with every write): one indexed field, no ``$or``."""
    wanted = list(dict.fromkeys(s.name for s in statuses))
    return {"state": wanted[0]} if len(wanted) == 1 else {"state": {"$in": wanted}}


def hs_code_range(prefix: str) -> Document:
    """HS codes starting with ``prefix``, as a range, not a regex: an index range scan on
    every MongoDB-wire server.  The bound raises the last digit past "9" (":" follows
    it), so "99" works."""
    return {"$gte": prefix, "$lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def license_query(filter_: LicenseFilter | None, principal: Principal) -> Document:
    """The MongoDB filter of a licences list, within the licences ``principal`` sees;
    each part is served by an index."""
    access = Access(principal)
    parts = [access.filter(Owned.LICENSE)]
    if filter_ is not None:
        if filter_.status:
            parts.append(_status_query(filter_.status))
        if filter_.direction is not None:
            parts.append({"direction": filter_.direction.name})
        if filter_.holder_inn is not None:
            holder = access.narrowed(Owned.LICENSE, filter_.holder_inn)
            if holder is None:
                return NOTHING  # a DECLARANT asking for another holder's licences
            parts.append(holder)
        if filter_.hs_code_prefix is not None:
            prefix = filter_.hs_code_prefix
            if problems := check_hs_code_prefix(prefix):
                raise InvalidPagination(problems[0].message, "INVALID_FILTER")
            # $elemMatch makes both bounds hold for one line (else "7409" and "3004"
            # together pass "7408"); the plain range before it is for SecantusDB, which
            # serves it by the index and plans none for $elemMatch.
            codes = hs_code_range(prefix)
            parts.append({"lines.hsCode": codes, "lines": {"$elemMatch": {"hsCode": codes}}})
        if filter_.valid_on is not None:
            day = as_datetime(filter_.valid_on)
            parts.append({"validTo": {"$gte": day}, "validFrom": {"$lte": day}})
    return all_of(parts)


async def licenses(
    info: Info,
    filter: Annotated[
        LicenseFilter | None, strawberry.argument(description="Conditions; all must hold.")
    ] = None,
    order: Annotated[
        LicenseOrder | None, strawberry.argument(description="Order; default by number.")
    ] = None,
    first: Annotated[int | None, FIRST] = None,
    after: Annotated[str | None, AFTER] = None,
    last: Annotated[int | None, LAST] = None,
    before: Annotated[str | None, BEFORE] = None,
) -> LicenseConnection:
    order = order or LicenseOrder(field=LicenseOrderField.NUMBER)
    field, unique = _ORDER_FIELDS[order.field]
    return await build_connection(
        LicenseConnection,
        info.context.db.licenses,
        license_query(filter, info.context.principal),
        License.from_doc,
        field=field,
        ascending=order.direction is OrderDirection.ASC,
        unique=unique,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def register_license(
    info: Info, input: Annotated[RegisterLicenseInput, MESSAGE]
) -> RegisterLicensePayload:
    registration = Registration(
        number=input.number.strip(),
        type=input.kind.name,
        direction=input.direction.name,
        issuing_authority=input.issuing_authority,
        holder=input.holder.to_party(),
        counterparty=input.counterparty.to_party() if input.counterparty else None,
        valid_from=input.valid_from,
        valid_to=input.valid_to,
        control_mode=DomainControlMode(input.control_mode.name),
        lines=[line.to_domain() for line in input.lines],
    )
    outcome = await info.context.services.licenses.register(input.message_id, registration)
    return await payload(info, outcome, RegisterLicensePayload)


async def amend_license(
    info: Info, input: Annotated[AmendLicenseInput, MESSAGE]
) -> AmendLicensePayload:
    amendment = Amendment(
        number=input.number.strip(),
        valid_from=input.valid_from,
        valid_to=input.valid_to,
        holder=input.holder.to_party() if input.holder else None,
        counterparty=input.counterparty.to_party() if input.counterparty else None,
        lines=[line.to_domain() for line in input.lines or []],
    )
    outcome = await info.context.services.licenses.amend(input.message_id, amendment)
    return await payload(info, outcome, AmendLicensePayload)


async def _status(
    info: Info, input: LicenseStatusMessageInput, event: LicenseEvent
) -> LicenseStatusPayload:
    message = StatusMessage(
        number=input.number.strip(), reason=input.reason, decision_date=input.decision_date
    )
    outcome = await info.context.services.licenses.set_status(input.message_id, event, message)
    return await payload(info, outcome, LicenseStatusPayload)


async def suspend_license(
    info: Info, input: Annotated[LicenseStatusMessageInput, MESSAGE]
) -> LicenseStatusPayload:
    return await _status(info, input, LicenseEvent.SUSPENDED)


async def resume_license(
    info: Info, input: Annotated[LicenseStatusMessageInput, MESSAGE]
) -> LicenseStatusPayload:
    return await _status(info, input, LicenseEvent.RESUMED)


async def report_license_exhaustion(
    info: Info, input: Annotated[LicenseStatusMessageInput, MESSAGE]
) -> LicenseStatusPayload:
    return await _status(info, input, LicenseEvent.EXHAUSTION_REPORTED)


async def terminate_license(
    info: Info, input: Annotated[LicenseStatusMessageInput, MESSAGE]
) -> LicenseStatusPayload:
    return await _status(info, input, LicenseEvent.TERMINATED)
