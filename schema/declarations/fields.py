"""Licensed goods control's parts of the root types (declarations, the ledger and its
notifications, the aggregates), merged in :mod:`schema.root`."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers import analytics, ledger, subscriptions
from resolvers import declarations as r
from schema.analytics import RefusalCount, UtilisationRow
from schema.declarations import payloads as p
from schema.declarations.types import Declaration, DeclarationConnection
from schema.ledger import AccountingNotification, LedgerVerification, NotificationConnection
from schema.licenses.types import License
from schema.permissions import (
    DECLARE,
    OFFICER,
    PREVIEW,
    READ_AGGREGATES,
    READ_ANY,
    mutation,
    query,
    subscription,
)


@strawberry.type(description="Declarations (Order 1907 p.4-13).")
class DeclarationQuery:
    declaration: Declaration | None = query(
        r.declaration_by_number,
        READ_ANY,
        "A declaration by its number. DECLARANT keys see only their own.",
    )
    declaration_by_id: Declaration | None = query(
        r.declaration_by_id, READ_ANY, "A declaration by its global ID."
    )
    declarations: DeclarationConnection = query(
        r.declarations,
        READ_ANY,
        "Declarations, newest first, filtered; DECLARANT keys see their own.",
    )
    preview_declaration: p.DeclarationPreview = query(
        r.preview_declaration,
        PREVIEW,
        "What control (p.6) and accounting (p.7-8) would say for a draft; nothing is written.",
    )


@strawberry.type(description="The ledger and the accounting notifications (p.10).")
class LedgerQuery:
    accounting_notifications: NotificationConnection = query(
        ledger.accounting_notifications, READ_ANY, "Accounting notifications (p.10), newest first."
    )
    verify_ledger: LedgerVerification | None = query(
        ledger.verify_ledger,
        READ_AGGREGATES,
        "Check a licence's ledger chain and its figures against it (DESIGN).",
    )


@strawberry.type(description="Aggregates for officers and analysts.")
class AnalyticsQuery:
    license_utilisation: list[UtilisationRow] = query(
        analytics.license_utilisation,
        READ_AGGREGATES,
        "Quantity limits, accounted, released and available quantities of the "
        "licence lines matching the filter, summed per group and unit, ordered by key and "
        "unit. OFFICER and ANALYST only.",
    )
    refusals_by_ground: list[RefusalCount] = query(
        analytics.refusals_by_ground,
        READ_AGGREGATES,
        "Declarations refused release in [from, to), counted per ground (Order "
        "1907 p.9); grounds with none are left out; most frequent first. OFFICER and "
        "ANALYST only.",
    )


@strawberry.type(description="Licensed goods control (Order 1907 p.4-13).")
class DeclarationMutation:
    register_declaration: p.RegisterDeclarationPayload = mutation(
        r.register_declaration,
        DECLARE,
        "Register a declaration; its release deadline starts (DESIGN).",
    )
    control_declaration: p.ControlDeclarationPayload = mutation(
        r.control_declaration, OFFICER, "Compare every item with its licence line (Order 1907 p.6)."
    )
    account_declaration: p.AccountDeclarationPayload = mutation(
        r.account_declaration,
        OFFICER,
        "Write the items off their licences, all or nothing, with the "
        "accounting notification (p.7-8, p.10); a full declaration actualises its "
        "temporary ones (p.11-12).",
    )
    release_declaration: p.ReleaseDeclarationPayload = mutation(
        r.release_declaration, OFFICER, "Release the goods (p.8-10)."
    )
    refuse_release: p.RefuseReleasePayload = mutation(
        r.refuse_release,
        OFFICER,
        "Refuse release on grounds that hold (p.9); annuls the accounting (p.4).",
    )
    withdraw_declaration: p.WithdrawDeclarationPayload = mutation(
        r.withdraw_declaration, DECLARE, "Withdraw before release; annuls the accounting (p.4)."
    )
    correct_declaration: p.CorrectDeclarationPayload = mutation(
        r.correct_declaration,
        DECLARE,
        "Correct the items: a new revision, accounting adjusted, control again.",
    )
    extend_release_deadline: p.ExtendReleaseDeadlinePayload = mutation(
        r.extend_release_deadline,
        OFFICER,
        "Extend the release deadline by whole hours, with a reason (DESIGN).",
    )
    run_automatic_mode: p.RunAutomaticModePayload = mutation(
        r.run_automatic_mode,
        OFFICER,
        "Control, accounting and the release decision with no officer, traced "
        "(p.13); releases or hands to an officer, never refuses.",
    )


@strawberry.type(description="Live accounting notifications and licence figures.")
class LedgerSubscription:
    accounting_notifications: AsyncGenerator[AccountingNotification, None] = subscription(
        subscriptions.accounting_notifications,
        READ_ANY,
        "Each accounting notification as it is issued (Order 1907 p.10): "
        "write-offs, actualisations, annulments, releases. DECLARANT keys receive only "
        "those of their own declarations.",
    )
    license_balances: AsyncGenerator[License, None] = subscription(
        subscriptions.license_balances,
        READ_ANY,
        "The licence with its lines' figures now, then again each time the "
        "figures change (accounting, annulment, release, an amended limit). DECLARANT keys "
        "may follow only licences issued to their INN.",
    )
