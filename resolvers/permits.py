"""Resolvers of processing permits (Permit rules p.1-p.9, DESIGN Part B): thin
translations between GraphQL and :class:`services.permits.Permits`, the permit lists and
aggregates, and the customs offices reference data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from bson import ObjectId

from domain.access import Principal
from domain.codes import check_hs_code_prefix
from domain.permits.form import MarkKind, Transfer
from domain.permits.operations import Mark
from domain.units import UNITS
from resolvers.connections import build_connection
from resolvers.context import Info
from resolvers.payloads import payload
from schema.errors import InvalidPagination
from schema.permits import payloads as p
from schema.permits.enums import CustomsOfficeKind, PermitOrderField, PermitStatus
from schema.permits.inputs import (
    AmendPermitInput,
    CreatePermitDraftInput,
    ExpirePermitsInput,
    ExtendPermitTermInput,
    FixPermitTermInput,
    IssuePermitInput,
    PermitFilter,
    PermitMarkInput,
    PermitOrder,
    SaveCustomsOfficeInput,
    TransferPermitInput,
    UpdatePermitDraftInput,
)
from schema.permits.types import (
    CustomsOffice,
    PermitConnection,
    PermitCount,
    PermitRevision,
    ProcessingPermit,
    Table3Utilisation,
)
from schema.relay import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    OrderDirection,
    parse_typed_id,
)
from schema.scalars import CustomsOfficeCode
from schema.scalars import Decimal as ScalarDecimal
from services.access import NOTHING, Access, Owned
from services.documents import as_datetime
from services.pagination import all_of
from services.transactions import Outcome

Document = dict[str, Any]
INPUT = strawberry.argument(description="The operation.")
NUMBER = strawberry.argument(description="The permit's registration number (p.2).")
FILTER = strawberry.argument(description="Conditions; all must hold.")


# --- mutations ---------------------------------------------------------------------------


async def create_permit_draft(
    info: Info, input: Annotated[CreatePermitDraftInput, INPUT]
) -> p.CreatePermitDraftPayload:
    outcome = await info.context.services.permits.create_draft(
        input.idempotency_key, input.permit.to_domain()
    )
    return await payload(info, outcome, p.CreatePermitDraftPayload)


async def update_permit_draft(
    info: Info, input: Annotated[UpdatePermitDraftInput, INPUT]
) -> p.UpdatePermitDraftPayload:
    outcome = await info.context.services.permits.edit_draft(
        input.idempotency_key,
        parse_typed_id(input.id, "ProcessingPermit"),
        input.permit.to_domain(),
        input.expected_revision,
    )
    return await payload(info, outcome, p.UpdatePermitDraftPayload)


async def issue_permit(
    info: Info, input: Annotated[IssuePermitInput, INPUT]
) -> p.IssuePermitPayload:
    outcome = await info.context.services.permits.issue(
        input.idempotency_key, parse_typed_id(input.id, "ProcessingPermit")
    )
    return await payload(info, outcome, p.IssuePermitPayload, stored="permit")


async def amend_permit(
    info: Info, input: Annotated[AmendPermitInput, INPUT]
) -> p.AmendPermitPayload:
    outcome = await info.context.services.permits.amend(
        input.idempotency_key,
        input.number.strip(),
        input.permit.to_domain(),
        input.reason,
        input.expected_revision,
    )
    return await payload(info, outcome, p.AmendPermitPayload)


async def transfer_permit(
    info: Info, input: Annotated[TransferPermitInput, INPUT]
) -> p.TransferPermitPayload:
    decision = Transfer(input.new_holder.to_domain(), input.decision_number, input.decision_date)
    outcome = await info.context.services.permits.transfer(
        input.idempotency_key, input.number.strip(), decision
    )
    return await payload(info, outcome, p.TransferPermitPayload)


async def fix_permit_term(
    info: Info, input: Annotated[FixPermitTermInput, INPUT]
) -> p.FixPermitTermPayload:
    outcome = await info.context.services.permits.fix_term(
        input.idempotency_key, input.number.strip(), input.start_date
    )
    return await payload(info, outcome, p.FixPermitTermPayload)


async def extend_permit_term(
    info: Info, input: Annotated[ExtendPermitTermInput, INPUT]
) -> p.ExtendPermitTermPayload:
    outcome = await info.context.services.permits.extend(
        input.idempotency_key,
        input.number.strip(),
        input.months,
        input.decision_number,
        input.reason,
    )
    return await payload(info, outcome, p.ExtendPermitTermPayload)


async def _mark(info: Info, input: PermitMarkInput, kind: MarkKind) -> Outcome:
    mark = Mark(kind, input.grounds, input.date, input.decision_number)
    permits = info.context.services.permits
    return await permits.mark(input.idempotency_key, input.number.strip(), mark)


async def revoke_permit(
    info: Info, input: Annotated[PermitMarkInput, INPUT]
) -> p.RevokePermitPayload:
    outcome = await _mark(info, input, MarkKind.REVOCATION)
    return await payload(info, outcome, p.RevokePermitPayload)


async def annul_permit(
    info: Info, input: Annotated[PermitMarkInput, INPUT]
) -> p.AnnulPermitPayload:
    outcome = await _mark(info, input, MarkKind.ANNULMENT)
    return await payload(info, outcome, p.AnnulPermitPayload)


async def restore_permit(
    info: Info, input: Annotated[PermitMarkInput, INPUT]
) -> p.RestorePermitPayload:
    outcome = await _mark(info, input, MarkKind.RESTORATION)
    return await payload(info, outcome, p.RestorePermitPayload)


async def expire_permits(
    info: Info, input: Annotated[ExpirePermitsInput, INPUT]
) -> p.ExpirePermitsPayload:
    outcome = await info.context.services.permits.expire_due(input.idempotency_key)
    return await payload(info, outcome, p.ExpirePermitsPayload)


async def save_customs_office(
    info: Info, input: Annotated[SaveCustomsOfficeInput, INPUT]
) -> p.SaveCustomsOfficePayload:
    ctx = info.context
    outcome = await ctx.services.customs_offices.save(input.idempotency_key, input.to_data())
    return await payload(info, outcome, p.SaveCustomsOfficePayload)


# --- queries -------------------------------------------------------------------------------


def _visible(info: Info, doc: Document | None) -> ProcessingPermit | None:
    """The permit as the principal may see it: one another INN holds is as if it did not
    exist (DESIGN "Holder")."""
    shown = info.context.access.visible(Owned.PERMIT, doc)
    return None if shown is None else ProcessingPermit.from_doc(shown)


async def permit_by_number(info: Info, number: Annotated[str, NUMBER]) -> ProcessingPermit | None:
    return _visible(info, await info.context.loaders.permit_by_number.load(number.strip()))


async def permit_by_id(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")]
) -> ProcessingPermit | None:
    object_id = parse_typed_id(id, "ProcessingPermit")
    return _visible(info, await info.context.loaders.permit_by_id.load(object_id))


async def load_permit_node(info: Info, object_id: ObjectId) -> ProcessingPermit | None:
    """``node(id:)`` for permits."""
    return _visible(info, await info.context.loaders.permit_by_id.load(object_id))


async def permit_as_of(
    info: Info,
    number: Annotated[str, NUMBER],
    date: Annotated[
        date,
        strawberry.argument(
            description="The day: the revision in force at its end (the issuing customs' "
            "local dates)."
        ),
    ],
) -> PermitRevision | None:
    """The revision of a permit in force on a date: the last change whose effective date
    is on or before it; null when the permit did not exist yet (or is not yours)."""
    db = info.context.db
    permit = await db.permits.find_one({"number": number.strip()}, {"_id": 1})
    if permit is None:
        return None
    doc = await db.permit_revisions.find_one(
        {"permitId": permit["_id"], "effectiveDate": {"$lte": as_datetime(date)}},
        sort=[("revision", -1)],
    )
    if doc is None or not info.context.access.sees(Owned.PERMIT, doc["permit"]):
        return None
    return PermitRevision.from_doc(doc)


_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_ORDER_FIELDS: dict[PermitOrderField, str] = {
    PermitOrderField.CREATED_AT: "createdAt",
    PermitOrderField.ISSUED_AT: "issuedAt",
    PermitOrderField.TERM_END: "termEnd",
}


def permit_query(
    filter_: PermitFilter | None,
    principal: Principal,
    order_field: PermitOrderField = PermitOrderField.CREATED_AT,
) -> Document:
    """The MongoDB filter of a permits list, within the permits ``principal`` sees: flat
    where the parts allow (one index each; SecantusDB plans indexes only for flat
    filters)."""
    access = Access(principal)
    parts: list[Document] = [access.filter(Owned.PERMIT)]
    # Ordering by a date that drafts (or unfixed terms) lack lists only the permits that
    # have it; a range rather than $type, which SecantusDB does not serve by an index.
    term_end: Document = {}
    if order_field is PermitOrderField.TERM_END:
        term_end["$gte"] = _EARLIEST
    if order_field is PermitOrderField.ISSUED_AT:
        parts.append({"issuedAt": {"$gte": _EARLIEST}})
    if filter_ is not None:
        if filter_.status:
            statuses = list(dict.fromkeys(s.name for s in filter_.status))
            parts.append({"status": statuses[0] if len(statuses) == 1 else {"$in": statuses}})
        if filter_.customs_office_code is not None:
            parts.append({"header.customsOfficeCode": filter_.customs_office_code})
        if filter_.holder_inn is not None:
            holder = access.narrowed(Owned.PERMIT, filter_.holder_inn)
            if holder is None:
                return NOTHING  # a DECLARANT asking for another holder's permits
            parts.append(holder)
        if filter_.hs_code_prefix is not None:
            prefix = filter_.hs_code_prefix
            if problems := check_hs_code_prefix(prefix):
                raise InvalidPagination(problems[0].message, "INVALID_FILTER")
            parts.append({"hsCodePrefixes": prefix})
        if filter_.term_ends_before is not None:
            term_end["$lt"] = as_datetime(filter_.term_ends_before)
    if term_end:
        parts.append({"termEnd": term_end})
    return all_of(parts)


async def permits(
    info: Info,
    filter: Annotated[PermitFilter | None, FILTER] = None,
    order: Annotated[
        PermitOrder | None,
        strawberry.argument(description="Order; default newest draft first (CREATED_AT DESC)."),
    ] = None,
    first: Annotated[int | None, FIRST] = None,
    after: Annotated[str | None, AFTER] = None,
    last: Annotated[int | None, LAST] = None,
    before: Annotated[str | None, BEFORE] = None,
) -> PermitConnection:
    order = order or PermitOrder(field=PermitOrderField.CREATED_AT)
    field = _ORDER_FIELDS[order.field]
    return await build_connection(
        PermitConnection,
        info.context.db.permits,
        permit_query(filter, info.context.principal, order.field),
        ProcessingPermit.from_doc,
        field=field,
        ascending=order.direction is OrderDirection.ASC,
        unique=False,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def permits_by_office_and_status(
    info: Info, filter: Annotated[PermitFilter | None, FILTER] = None
) -> list[PermitCount]:
    """Permits counted per issuing customs and status, by office code then status."""
    pipeline: list[Document] = [
        {"$match": permit_query(filter, info.context.principal)},
        {
            "$group": {
                "_id": {"office": "$header.customsOfficeCode", "status": "$status"},
                "name": {"$first": "$header.customsOfficeName"},
                "count": {"$sum": 1},
            }
        },
    ]
    rows = await (await info.context.db.permits.aggregate(pipeline)).to_list()
    order = [s.name for s in PermitStatus]
    rows.sort(key=lambda r: (r["_id"]["office"], order.index(r["_id"]["status"])))
    return [
        PermitCount(
            customs_office_code=r["_id"]["office"],
            customs_office_name=r["name"],
            status=PermitStatus[r["_id"]["status"]],
            count=r["count"],
        )
        for r in rows
    ]


async def permit_table3_utilisation(
    info: Info, filter: Annotated[PermitFilter | None, FILTER] = None
) -> list[Table3Utilisation]:
    """Table 3 quantities against what placements accounted, per HS code and unit."""
    pipeline: list[Document] = [
        {"$match": permit_query(filter, info.context.principal)},
        {"$unwind": "$table3"},
        {
            "$group": {
                "_id": {"permit": "$_id", "hsCode": "$table3.hsCode", "unit": "$table3.unit"},
                "rows": {"$sum": 1},
                "quantity": {"$sum": "$table3.quantity"},
                "accounted": {"$sum": "$table3.accounted"},
            }
        },
        {
            "$group": {
                "_id": {"hsCode": "$_id.hsCode", "unit": "$_id.unit"},
                "permits": {"$sum": 1},
                "rows": {"$sum": "$rows"},
                "quantity": {"$sum": "$quantity"},
                "accounted": {"$sum": "$accounted"},
            }
        },
    ]
    rows = await (await info.context.db.permits.aggregate(pipeline)).to_list()
    rows.sort(key=lambda r: (r["_id"]["hsCode"], r["_id"]["unit"]))
    result = []
    for r in rows:
        quantity, accounted = Decimal(r["quantity"]), Decimal(r["accounted"])
        percent = accounted * 100 / quantity if quantity else Decimal(0)
        unit = r["_id"]["unit"]
        result.append(
            Table3Utilisation(
                hs_code=r["_id"]["hsCode"],
                unit=unit,
                unit_name=UNITS[unit].name if unit in UNITS else unit,
                permits=r["permits"],
                rows=r["rows"],
                quantity=ScalarDecimal(quantity),
                accounted=ScalarDecimal(accounted),
                available=ScalarDecimal(quantity - accounted),
                utilisation_percent=ScalarDecimal(percent.quantize(Decimal("0.01"))),
            )
        )
    return result


async def customs_offices(
    info: Info,
    kind: Annotated[
        CustomsOfficeKind | None, strawberry.argument(description="Only offices of this kind.")
    ] = None,
) -> list[CustomsOffice]:
    """The reference data, by code."""
    query = {"kind": kind.name} if kind is not None else {}
    cursor = info.context.db.customs_offices.find(query).sort("code", 1)
    return [CustomsOffice.from_doc(doc) async for doc in cursor]


async def customs_office(
    info: Info,
    code: Annotated[CustomsOfficeCode, strawberry.argument(description="8-digit code.")],
) -> CustomsOffice | None:
    doc = await info.context.db.customs_offices.find_one({"code": code})
    return CustomsOffice.from_doc(doc) if doc else None
