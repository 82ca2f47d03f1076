"""Resolvers of licensed goods control (Order 1907 p.4-13): thin translations between
GraphQL and :class:`services.declarations.Declarations` (``info.context.services``)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from domain.problems import Problem
from resolvers.connections import build_connection
from resolvers.context import Info
from resolvers.payloads import payload
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
from schema.errors import Forbidden
from schema.relay import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    parse_typed_id,
)
from schema.scalars import Decimal as ScalarDecimal
from services.access import Owned
from services.documents.declarations import discrepancy_doc
from services.pagination import all_of

Document = dict[str, Any]
INPUT = strawberry.argument(description="The operation.")


def _shown(info: Info, doc: Document | None) -> Declaration | None:
    """The declaration, when the principal sees it (else as if it did not exist)."""
    seen = info.context.access.visible(Owned.DECLARATION, doc)
    return Declaration.from_doc(seen) if seen is not None else None


async def register_declaration(
    info: Info, input: Annotated[RegisterDeclarationInput, INPUT]
) -> p.RegisterDeclarationPayload:
    """Register a declaration; with CUSTOMS_AUTO_MODE_ON_REGISTRATION the automatic mode
    (p.13) runs right after, under a key derived from the registration's."""
    service = info.context.services.declarations
    outcome = await service.register(input.idempotency_key, input.declaration.to_data())
    if outcome.result is not None and info.context.config.auto_mode_on_registration:
        number = input.declaration.number.strip()
        await service.automatic(f"{input.idempotency_key}#auto", number)
    return await payload(info, outcome, p.RegisterDeclarationPayload)


async def control_declaration(
    info: Info, input: Annotated[DeclarationOperationInput, INPUT]
) -> p.ControlDeclarationPayload:
    outcome = await info.context.services.declarations.control(
        input.idempotency_key, input.number.strip()
    )
    return await payload(info, outcome, p.ControlDeclarationPayload)


async def account_declaration(
    info: Info, input: Annotated[DeclarationOperationInput, INPUT]
) -> p.AccountDeclarationPayload:
    outcome = await info.context.services.declarations.account(
        input.idempotency_key, input.number.strip()
    )
    return await payload(info, outcome, p.AccountDeclarationPayload)


async def release_declaration(
    info: Info, input: Annotated[DeclarationOperationInput, INPUT]
) -> p.ReleaseDeclarationPayload:
    outcome = await info.context.services.declarations.release(
        input.idempotency_key, input.number.strip()
    )
    return await payload(info, outcome, p.ReleaseDeclarationPayload)


async def refuse_release(
    info: Info, input: Annotated[RefuseReleaseInput, INPUT]
) -> p.RefuseReleasePayload:
    outcome = await info.context.services.declarations.refuse(
        input.idempotency_key, input.number.strip(), input.grounds, input.reason
    )
    return await payload(info, outcome, p.RefuseReleasePayload)


async def withdraw_declaration(
    info: Info, input: Annotated[WithdrawDeclarationInput, INPUT]
) -> p.WithdrawDeclarationPayload:
    outcome = await info.context.services.declarations.withdraw(
        input.idempotency_key, input.number.strip(), input.reason
    )
    return await payload(info, outcome, p.WithdrawDeclarationPayload)


async def correct_declaration(
    info: Info, input: Annotated[CorrectDeclarationInput, INPUT]
) -> p.CorrectDeclarationPayload:
    outcome = await info.context.services.declarations.correct(
        input.idempotency_key,
        input.number.strip(),
        [item.to_data() for item in input.items],
        input.reason,
    )
    return await payload(info, outcome, p.CorrectDeclarationPayload)


async def extend_release_deadline(
    info: Info, input: Annotated[ExtendReleaseDeadlineInput, INPUT]
) -> p.ExtendReleaseDeadlinePayload:
    outcome = await info.context.services.declarations.extend_deadline(
        input.idempotency_key, input.number.strip(), input.hours, input.reason
    )
    return await payload(info, outcome, p.ExtendReleaseDeadlinePayload)


async def run_automatic_mode(
    info: Info, input: Annotated[DeclarationOperationInput, INPUT]
) -> p.RunAutomaticModePayload:
    outcome = await info.context.services.declarations.automatic(
        input.idempotency_key, input.number.strip()
    )
    return await payload(info, outcome, p.RunAutomaticModePayload)


# --- queries ---------------------------------------------------------------------------


async def declaration_by_number(
    info: Info, number: Annotated[str, strawberry.argument(description="Declaration number.")]
) -> Declaration | None:
    return _shown(info, await info.context.loaders.declaration_by_number.load(number))


async def declaration_by_id(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
) -> Declaration | None:
    object_id = parse_typed_id(id, "Declaration")
    return _shown(info, await info.context.loaders.declaration_by_id.load(object_id))


async def load_declaration_node(info: Info, object_id: Any) -> Declaration | None:
    return _shown(info, await info.context.loaders.declaration_by_id.load(object_id))


def declaration_query(filter_: DeclarationFilter | None, info: Info) -> Document:
    """The MongoDB filter of a declarations list (each part served by an index)."""
    parts: list[Document] = [info.context.access.filter(Owned.DECLARATION)]
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
    data = declaration.to_data()
    if not info.context.access.sees_holder(data.declarant_inn):
        raise Forbidden("a DECLARANT key previews declarations of its own INN only")
    preview = await info.context.services.declarations.preview(data)

    def problem(x: Problem) -> p.PreviewProblem:
        field = ["declaration", *(str(part) for part in x.field)] if x.field else []
        return p.PreviewProblem(code=x.code, message=x.message, field=field)

    return p.DeclarationPreview(
        input_errors=[problem(x) for x in preview.input_problems],
        discrepancies=[DiscrepancyType.from_doc(discrepancy_doc(d)) for d in preview.discrepancies],
        accounting_required=preview.accounting_required,
        planned_entries=[
            p.PlannedEntry(
                license_number=m.license_number,
                line_no=m.line_no,
                item_no=m.item_no,
                operation=m.operation.value,
                quantity=ScalarDecimal(m.quantity),
                value=None if m.value is None else ScalarDecimal(m.value),
            )
            for m in preview.movements
        ],
        accounting_errors=[problem(x) for x in preview.accounting_problems],
    )
