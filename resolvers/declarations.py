"""Resolvers of licensed goods control (Order 1907 p.4-13): thin translations between
GraphQL and :class:`services.declarations.Declarations`."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, cast

import strawberry

from domain.access import Role
from domain.accounting import Ground
from domain.problems import Problem
from resolvers.connections import build_connection
from resolvers.context import Info
from schema.declarations import payloads as p
from schema.declarations.inputs import (
    CorrectDeclarationInput,
    DeclarationFilter,
    DeclarationInput,
    DeclarationOperationInput,
    ExtendReleaseDeadlineInput,
    RefuseReleaseInput,
    RegisterDeclarationInput,
    WithdrawDeclarationInput,
)
from schema.declarations.types import Declaration, DeclarationConnection
from schema.declarations.types import Discrepancy as DiscrepancyType
from schema.errors import Forbidden, user_errors
from schema.relay import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    parse_typed_id,
)
from schema.scalars import Decimal as ScalarDecimal
from services.declarations import Declarations
from services.declarations import discrepancy_doc as _discrepancy_doc
from services.pagination import all_of
from services.transactions import Outcome

Document = dict[str, Any]
INPUT = strawberry.argument(description="The operation.")


def _service(info: Info) -> Declarations:
    ctx = info.context
    return Declarations(
        ctx.client,
        ctx.db,
        ctx.principal,
        ctx.now,
        release_hours=ctx.config.release_hours,
        permit_max_term_months=ctx.config.permit_max_term_months,
        queue_license_writes=ctx.config.queue_license_writes,
    )


def _visible(info: Info, doc: Document | None) -> bool:
    principal = info.context.principal
    if doc is None:
        return False
    return principal.role is not Role.DECLARANT or doc["declarantInn"] == principal.inn


async def _payload(info: Info, outcome: Outcome, payload: Any) -> Any:
    """The mutation's payload: the declaration as it is now and its typed user errors."""
    declaration = None
    if outcome.result is not None:
        doc = await info.context.db.declarations.find_one({"_id": outcome.result["declarationId"]})
        declaration = Declaration.from_doc(doc) if doc else None
    return payload(
        declaration=declaration,
        user_errors=user_errors(*p.ERRORS_OF[payload], outcome.problems),
        replayed=outcome.replayed,
    )


async def register_declaration(
    info: Info, input: Annotated[RegisterDeclarationInput, INPUT]
) -> p.RegisterDeclarationPayload:
    """Register a declaration; with CUSTOMS_AUTO_MODE_ON_REGISTRATION the automatic mode
    (p.13) runs right after, under a key derived from the registration's."""
    service = _service(info)
    outcome = await service.register(input.idempotency_key, input.declaration.to_data())
    if outcome.result is not None and info.context.config.auto_mode_on_registration:
        number = input.declaration.number.strip()
        await service.automatic(f"{input.idempotency_key}#auto", number)
    return await _payload(info, outcome, p.RegisterDeclarationPayload)


async def control_declaration(
    info: Info, input: Annotated[DeclarationOperationInput, INPUT]
) -> p.ControlDeclarationPayload:
    outcome = await _service(info).control(input.idempotency_key, input.number.strip())
    return await _payload(info, outcome, p.ControlDeclarationPayload)


async def account_declaration(
    info: Info, input: Annotated[DeclarationOperationInput, INPUT]
) -> p.AccountDeclarationPayload:
    outcome = await _service(info).account(input.idempotency_key, input.number.strip())
    return await _payload(info, outcome, p.AccountDeclarationPayload)


async def release_declaration(
    info: Info, input: Annotated[DeclarationOperationInput, INPUT]
) -> p.ReleaseDeclarationPayload:
    outcome = await _service(info).release(input.idempotency_key, input.number.strip())
    return await _payload(info, outcome, p.ReleaseDeclarationPayload)


async def refuse_release(
    info: Info, input: Annotated[RefuseReleaseInput, INPUT]
) -> p.RefuseReleasePayload:
    grounds = [Ground(cast(Enum, g).name) for g in input.grounds]
    outcome = await _service(info).refuse(
        input.idempotency_key, input.number.strip(), grounds, input.reason
    )
    return await _payload(info, outcome, p.RefuseReleasePayload)


async def withdraw_declaration(
    info: Info, input: Annotated[WithdrawDeclarationInput, INPUT]
) -> p.WithdrawDeclarationPayload:
    outcome = await _service(info).withdraw(
        input.idempotency_key, input.number.strip(), input.reason
    )
    return await _payload(info, outcome, p.WithdrawDeclarationPayload)


async def correct_declaration(
    info: Info, input: Annotated[CorrectDeclarationInput, INPUT]
) -> p.CorrectDeclarationPayload:
    outcome = await _service(info).correct(
        input.idempotency_key,
        input.number.strip(),
        [item.to_data() for item in input.items],
        input.reason,
    )
    return await _payload(info, outcome, p.CorrectDeclarationPayload)


async def extend_release_deadline(
    info: Info, input: Annotated[ExtendReleaseDeadlineInput, INPUT]
) -> p.ExtendReleaseDeadlinePayload:
    outcome = await _service(info).extend_deadline(
        input.idempotency_key, input.number.strip(), input.hours, input.reason
    )
    return await _payload(info, outcome, p.ExtendReleaseDeadlinePayload)


async def run_automatic_mode(
    info: Info, input: Annotated[DeclarationOperationInput, INPUT]
) -> p.RunAutomaticModePayload:
    outcome = await _service(info).automatic(input.idempotency_key, input.number.strip())
    return await _payload(info, outcome, p.RunAutomaticModePayload)


# --- queries ---------------------------------------------------------------------------


async def declaration_by_number(
    info: Info, number: Annotated[str, strawberry.argument(description="Declaration number.")]
) -> Declaration | None:
    doc = await info.context.loaders.declaration_by_number.load(number)
    return Declaration.from_doc(doc) if _visible(info, doc) else None


async def declaration_by_id(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
) -> Declaration | None:
    doc = await info.context.loaders.declaration_by_id.load(parse_typed_id(id, "Declaration"))
    return Declaration.from_doc(doc) if _visible(info, doc) else None


async def load_declaration_node(info: Info, object_id: Any) -> Declaration | None:
    doc = await info.context.loaders.declaration_by_id.load(object_id)
    return Declaration.from_doc(doc) if _visible(info, doc) else None


def declaration_query(filter_: DeclarationFilter | None, info: Info) -> Document:
    """The MongoDB filter of a declarations list (each part served by an index)."""
    parts: list[Document] = []
    principal = info.context.principal
    if principal.role is Role.DECLARANT:
        parts.append({"declarantInn": principal.inn})
    if filter_ is not None:
        if filter_.status:
            parts.append({"status": {"$in": [s.name for s in filter_.status]}})
        if filter_.license_number is not None:
            parts.append({"items.licenseNumber": filter_.license_number})
        if filter_.declarant_inn is not None:
            parts.append({"declarantInn": filter_.declarant_inn})
        if filter_.procedure is not None:
            parts.append({"procedure": filter_.procedure})
        if filter_.kind is not None:
            parts.append({"kind": filter_.kind.name})
        moment: Document = {}
        if filter_.registered_from is not None:
            moment["$gte"] = filter_.registered_from
        if filter_.registered_to is not None:
            moment["$lt"] = filter_.registered_to
        if moment:
            parts.append({"registeredAt": moment})
    # Flat where the parts allow: SecantusDB plans no index for a top-level $and.
    return all_of(parts)


async def declarations(
    info: Info,
    filter: Annotated[
        DeclarationFilter | None, strawberry.argument(description="Conditions; all must hold.")
    ] = None,
    first: Annotated[int | None, FIRST] = None,
    after: Annotated[str | None, AFTER] = None,
    last: Annotated[int | None, LAST] = None,
    before: Annotated[str | None, BEFORE] = None,
) -> DeclarationConnection:
    """Declarations, newest registration first."""
    return await build_connection(
        DeclarationConnection,
        info.context.db.declarations,
        declaration_query(filter, info),
        Declaration.from_doc,
        field="registeredAt",
        ascending=False,
        unique=False,
        first=first,
        after=after,
        last=last,
        before=before,
    )


async def preview_declaration(
    info: Info,
    declaration: Annotated[
        DeclarationInput, strawberry.argument(description="The draft declaration.")
    ],
) -> p.DeclarationPreview:
    """Control and accounting for a draft, nothing written (declarants' dry run)."""
    principal = info.context.principal
    data = declaration.to_data()
    if principal.role is Role.DECLARANT and data.declarant_inn != principal.inn:
        raise Forbidden("a DECLARANT key previews declarations of its own INN only")
    service = _service(info)
    problems, found, movements, accounting = await service.preview(data)

    def problem(x: Problem) -> p.PreviewProblem:
        field = ["declaration", *(str(part) for part in x.field)] if x.field else []
        return p.PreviewProblem(code=x.code, message=x.message, field=field)

    return p.DeclarationPreview(
        input_errors=[problem(x) for x in problems],
        discrepancies=[DiscrepancyType.from_doc(_discrepancy_doc(d)) for d in found],
        accounting_required=not problems and service.accounting_required_for(data),
        planned_entries=[
            p.PlannedEntry(
                license_number=m.license_number,
                line_no=m.line_no,
                item_no=m.item_no,
                operation=m.operation.value,
                quantity=ScalarDecimal(m.quantity),
                value=None if m.value is None else ScalarDecimal(m.value),
            )
            for m in movements
        ],
        accounting_errors=[problem(x) for x in accounting],
    )
