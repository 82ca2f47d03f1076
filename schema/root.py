"""The assembled schema: Query, Mutation and the extensions every request runs with."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers import analytics as analytics_resolvers
from resolvers import declarations as declaration_resolvers
from resolvers import ledger as ledger_resolvers
from resolvers import licenses as license_resolvers
from resolvers import nodes as node_resolvers
from resolvers import subscriptions as subscription_resolvers
from schema.analytics import RefusalCount, UtilisationRow
from schema.declarations.payloads import (
    AccountDeclarationPayload,
    ControlDeclarationPayload,
    CorrectDeclarationPayload,
    DeclarationPreview,
    ExtendReleaseDeadlinePayload,
    RefuseReleasePayload,
    RegisterDeclarationPayload,
    ReleaseDeclarationPayload,
    RunAutomaticModePayload,
    WithdrawDeclarationPayload,
)
from schema.declarations.types import Declaration, DeclarationConnection
from schema.errors import should_mask
from schema.ledger import AccountingNotification, LedgerVerification, NotificationConnection
from schema.licenses.payloads import (
    AmendLicensePayload,
    LicenseStatusPayload,
    RegisterLicensePayload,
)
from schema.licenses.types import License, LicenseConnection
from schema.permissions import (
    DECLARE,
    LICENSE_FEED,
    OFFICER,
    PREVIEW,
    READ_AGGREGATES,
    READ_ANY,
)
from schema.permits.fields import PermitMutation, PermitQuery
from schema.relay import Node
from schema.scalars import SCALARS


@strawberry.type(description="Licences, declarations, the ledger.")
class CustomsQuery:
    node: Node | None = strawberry.field(
        resolver=node_resolvers.node,
        permission_classes=[READ_ANY],
        description="Any object by its global ID; null when absent or not visible to you.",
    )
    nodes: list[Node | None] = strawberry.field(
        resolver=node_resolvers.nodes,
        permission_classes=[READ_ANY],
        description="Objects by global IDs (at most 100), in the order asked.",
    )
    license: License | None = strawberry.field(
        resolver=license_resolvers.license_by_number,
        permission_classes=[READ_ANY],
        description="A licence by its number (Order 1907 p.3). DECLARANT keys see only "
        "licences issued to their INN.",
    )
    license_by_id: License | None = strawberry.field(
        resolver=license_resolvers.license_by_id,
        permission_classes=[READ_ANY],
        description="A licence by its global ID.",
    )
    licenses: LicenseConnection = strawberry.field(
        resolver=license_resolvers.licenses,
        permission_classes=[READ_ANY],
        description="Licences, filtered and ordered; `first` at most 100 (default 20).",
    )

    declaration: Declaration | None = strawberry.field(
        resolver=declaration_resolvers.declaration_by_number,
        permission_classes=[READ_ANY],
        description="A declaration by its number. DECLARANT keys see only their own.",
    )
    declaration_by_id: Declaration | None = strawberry.field(
        resolver=declaration_resolvers.declaration_by_id,
        permission_classes=[READ_ANY],
        description="A declaration by its global ID.",
    )
    declarations: DeclarationConnection = strawberry.field(
        resolver=declaration_resolvers.declarations,
        permission_classes=[READ_ANY],
        description="Declarations, newest first, filtered; DECLARANT keys see their own.",
    )
    preview_declaration: DeclarationPreview = strawberry.field(
        resolver=declaration_resolvers.preview_declaration,
        permission_classes=[PREVIEW],
        description="What control (p.6) and accounting (p.7-8) would say for a draft; "
        "nothing is written.",
    )
    accounting_notifications: NotificationConnection = strawberry.field(
        resolver=ledger_resolvers.accounting_notifications,
        permission_classes=[READ_ANY],
        description="Accounting notifications (p.10), newest first.",
    )
    verify_ledger: LedgerVerification | None = strawberry.field(
        resolver=ledger_resolvers.verify_ledger,
        permission_classes=[READ_AGGREGATES],
        description="Check a licence's ledger chain and its figures against it (DESIGN).",
    )


@strawberry.type(description="Licence feed and licensed goods control.")
class CustomsMutation:
    register_license: RegisterLicensePayload = strawberry.mutation(
        resolver=license_resolvers.register_license,
        permission_classes=[LICENSE_FEED],
        description="Licence data received from EAIS (Order 1907 p.2-3). INTEGRATOR only.",
    )
    amend_license: AmendLicensePayload = strawberry.mutation(
        resolver=license_resolvers.amend_license,
        permission_classes=[LICENSE_FEED],
        description="Amended licence data: dates, holder, counterparty, lines (p.3).",
    )
    suspend_license: LicenseStatusPayload = strawberry.mutation(
        resolver=license_resolvers.suspend_license,
        permission_classes=[LICENSE_FEED],
        description="Suspension of a licence: accounting and release stop at once (p.9).",
    )
    resume_license: LicenseStatusPayload = strawberry.mutation(
        resolver=license_resolvers.resume_license,
        permission_classes=[LICENSE_FEED],
        description="End of a suspension.",
    )
    terminate_license: LicenseStatusPayload = strawberry.mutation(
        resolver=license_resolvers.terminate_license,
        permission_classes=[LICENSE_FEED],
        description="Termination of a licence; final (p.9).",
    )
    report_license_exhaustion: LicenseStatusPayload = strawberry.mutation(
        resolver=license_resolvers.report_license_exhaustion,
        permission_classes=[LICENSE_FEED],
        description="The feed's message that the licence's quantity is exhausted: a "
        "refusal ground at once (Order 1907 p.9).",
    )

    register_declaration: RegisterDeclarationPayload = strawberry.mutation(
        resolver=declaration_resolvers.register_declaration,
        permission_classes=[DECLARE],
        description="Register a declaration; its release deadline starts (DESIGN).",
    )
    control_declaration: ControlDeclarationPayload = strawberry.mutation(
        resolver=declaration_resolvers.control_declaration,
        permission_classes=[OFFICER],
        description="Compare every item with its licence line (Order 1907 p.6).",
    )
    account_declaration: AccountDeclarationPayload = strawberry.mutation(
        resolver=declaration_resolvers.account_declaration,
        permission_classes=[OFFICER],
        description="Write the items off their licences, all or nothing, with the "
        "accounting notification (p.7-8, p.10); a full declaration actualises its "
        "temporary ones (p.11-12).",
    )
    release_declaration: ReleaseDeclarationPayload = strawberry.mutation(
        resolver=declaration_resolvers.release_declaration,
        permission_classes=[OFFICER],
        description="Release the goods (p.8-10).",
    )
    refuse_release: RefuseReleasePayload = strawberry.mutation(
        resolver=declaration_resolvers.refuse_release,
        permission_classes=[OFFICER],
        description="Refuse release on grounds that hold (p.9); annuls the accounting (p.4).",
    )
    withdraw_declaration: WithdrawDeclarationPayload = strawberry.mutation(
        resolver=declaration_resolvers.withdraw_declaration,
        permission_classes=[DECLARE],
        description="Withdraw before release; annuls the accounting (p.4).",
    )
    correct_declaration: CorrectDeclarationPayload = strawberry.mutation(
        resolver=declaration_resolvers.correct_declaration,
        permission_classes=[DECLARE],
        description="Correct the items: a new revision, accounting adjusted, control again.",
    )
    extend_release_deadline: ExtendReleaseDeadlinePayload = strawberry.mutation(
        resolver=declaration_resolvers.extend_release_deadline,
        permission_classes=[OFFICER],
        description="Extend the release deadline by whole hours, with a reason (DESIGN).",
    )
    run_automatic_mode: RunAutomaticModePayload = strawberry.mutation(
        resolver=declaration_resolvers.run_automatic_mode,
        permission_classes=[OFFICER],
        description="Control, accounting and the release decision with no officer, traced "
        "(p.13); releases or hands to an officer, never refuses.",
    )


@strawberry.type(description="Aggregates for officers and analysts.")
class AnalyticsQuery:
    license_utilisation: list[UtilisationRow] = strawberry.field(
        resolver=analytics_resolvers.license_utilisation,
        permission_classes=[READ_AGGREGATES],
        description="Quantity limits, accounted, released and available quantities of the "
        "licence lines matching the filter, summed per group and unit, ordered by key and "
        "unit. OFFICER and ANALYST only.",
    )
    refusals_by_ground: list[RefusalCount] = strawberry.field(
        resolver=analytics_resolvers.refusals_by_ground,
        permission_classes=[READ_AGGREGATES],
        description="Declarations refused release in [from, to), counted per ground (Order "
        "1907 p.9); grounds with none are left out; most frequent first. OFFICER and "
        "ANALYST only.",
    )


@strawberry.type(description="Live accounting notifications and licence figures.")
class CustomsSubscription:
    accounting_notifications: AsyncGenerator[AccountingNotification, None] = (
        strawberry.subscription(
            resolver=subscription_resolvers.accounting_notifications,
            permission_classes=[READ_ANY],
            description="Each accounting notification as it is issued (Order 1907 p.10): "
            "write-offs, actualisations, annulments, releases. DECLARANT keys receive only "
            "those of their own declarations.",
        )
    )
    license_balances: AsyncGenerator[License, None] = strawberry.subscription(
        resolver=subscription_resolvers.license_balances,
        permission_classes=[READ_ANY],
        description="The licence with its lines' figures now, then again each time the "
        "figures change (accounting, annulment, release, an amended limit). DECLARANT keys "
        "may follow only licences issued to their INN.",
    )


def merged(name: str, description: str, *parts: type) -> type:
    """One root type from per-domain parts (each domain keeps its fields in its module)."""
    return strawberry.type(type(name, parts, {}), description=description)


#: Domains add their Query and Mutation parts here.
Query = merged("Query", "Everything that can be read.", CustomsQuery, AnalyticsQuery, PermitQuery)
Mutation = merged(
    "Mutation",
    "Everything that changes data. Each mutation is idempotent.",
    CustomsMutation,
    PermitMutation,
)

#: Subscriptions travel over WebSocket (graphql-transport-ws, api/websocket.py).
Subscription = merged("Subscription", "Everything that can be followed live.", CustomsSubscription)


class Schema(strawberry.Schema):
    """Strawberry's schema, logging only unexpected errors: refusals that the client
    caused (bad IDs, wrong role, malformed scalars) are answers, not incidents."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [e for e in errors if should_mask(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(*, max_depth: int = 12, max_aliases: int = 30) -> strawberry.Schema:
    """The schema with its per-request extensions, passed as factories."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        ParserCache,
        ValidationCache,
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: MaskErrors(should_mask_error=should_mask),
    ]
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[License, Declaration, AccountingNotification],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )


def schema_sdl() -> str:
    """The SDL committed as ``schema.graphql``."""
    sdl: str = build_schema().as_str()
    return sdl + "\n"


__all__: list[Any] = ["build_schema", "schema_sdl"]
