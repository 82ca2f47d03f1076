"""Enums of licensed goods control: the domain's own (:mod:`domain.declarations`,
:mod:`domain.control`, :mod:`domain.accounting`), each value described here."""

from __future__ import annotations

from domain.accounting import Ground as RefusalGround
from domain.accounting import Notice as NotificationKind
from domain.accounting import Operation as LedgerOperation
from domain.control import DiscrepancyCode
from domain.declarations import DeclarationKind, DeclarationStatus
from schema.enum_factory import domain_enum

__all__ = [
    "DISCREPANCY_TEXT",
    "DeclarationKind",
    "DeclarationStatus",
    "DiscrepancyCode",
    "LedgerOperation",
    "NotificationKind",
    "RefusalGround",
]

domain_enum(
    DeclarationKind,
    "Kind of declaration (Order 1907 p.11-12).",
    {
        "STANDARD": "An ordinary declaration.",
        "TEMPORARY": "Temporary declaration of periodic export declaring (p.11).",
        "FULL": "Full declaration completing temporary ones (p.12).",
    },
)

domain_enum(
    DeclarationStatus,
    "Where a declaration stands (Order 1907 p.4, p.6-10).",
    {
        "REGISTERED": "Registered, not controlled.",
        "CONTROLLED": "Compared with its licences (p.6); see discrepancies.",
        "ACCOUNTED": "Quantities written off the licences (p.7-8).",
        "RELEASED": "Goods released (p.8-10). Final.",
        "REFUSED": "Release refused (p.9); accounting annulled (p.4). Final.",
        "WITHDRAWN": "Withdrawn by the declarant; accounting annulled (p.4). Final.",
    },
)

#: The control findings; accounting refuses with these codes too (p.8).
DISCREPANCY_TEXT = {
    "LICENCE_UNKNOWN": "No licence data with this number was received (p.2-3).",
    "LICENCE_LEGACY": "The licence was put on control before the Technology (p.2).",
    "LICENCE_SUSPENDED": "The licence is suspended: a refusal ground at once (p.9).",
    "LICENCE_TERMINATED": "The licence is terminated: a refusal ground at once (p.9).",
    "LICENCE_EXHAUSTED": "An exhaustion message was received for the licence (p.9).",
    "DIRECTION_MISMATCH": "The declaration's direction differs from the licence's (p.6).",
    "OUTSIDE_VALIDITY": "The declaration date is outside the licence's validity (p.6).",
    "HOLDER_MISMATCH": "The declarant is not the licence holder (DESIGN).",
    "LICENCE_DATE_MISMATCH": "The licence date stated differs (does not affect restrictions).",
    "LINE_UNKNOWN": "The licence has no such line (p.6).",
    "HS_CODE_MISMATCH": "The item's HS code does not start with the line's (p.6).",
    "NAME_MISMATCH": "The item's name does not contain the line's name (p.6, DESIGN).",
    "UNIT_MISMATCH": "The units differ and do not convert (p.6, DESIGN).",
    "VALUE_NOT_COMPARABLE": "The value's currency differs from the line's value limit.",
    "QUANTITY_EXCEEDS_AVAILABLE": "More than the line has available (p.8): exhaustion.",
    "VALUE_EXCEEDS_AVAILABLE": "More value than the line has available (p.8): exhaustion.",
    "EARLIER_ACCOUNTING_INVALID": "The earlier accounting cited does not check out (p.7).",
    "PERMIT_NOT_IN_FORCE": "The processing permit cited is not in force: a refusal ground "
    "(DESIGN Part B).",
    "PERMIT_TERM_ENDED": "The processing permit's term has ended: a refusal ground "
    "(Permit rules p.9).",
}
domain_enum(DiscrepancyCode, "Stable codes of control findings (Order 1907 p.6).", DISCREPANCY_TEXT)

domain_enum(
    RefusalGround,
    "Grounds for refusing release (Order 1907 p.9).",
    {
        "EXHAUSTION": "The licence's quantity or value is exhausted.",
        "SUSPENSION": "The licence is suspended.",
        "TERMINATION": "The licence is terminated.",
        "UNFIXED_DISCREPANCIES": "Discrepancies affecting restrictions not fixed by the deadline.",
        "PERMIT_NOT_IN_FORCE": "The processing permit cited is not in force (DESIGN Part B).",
        "PERMIT_TERM_ENDED": "The processing permit's term has ended (Permit rules p.9).",
    },
    name="RefusalGround",
)

domain_enum(
    LedgerOperation,
    "What a ledger entry did to its line.",
    {
        "LIMIT_CHANGE": "The licence's limit was set or amended (p.2-3).",
        "WRITE_OFF": "Quantity written off for a declaration item (p.7).",
        "ANNULMENT": "A write-off returned on withdrawal or refusal (p.4).",
        "ACTUALISATION": "Temporary declarations trued up by the full one (p.11-12).",
        "RELEASE": "Accounted goods released (p.8, p.10).",
    },
    name="LedgerOperation",
)

domain_enum(
    NotificationKind,
    "What an accounting notification reports (Order 1907 p.10).",
    {
        "ACCOUNTED": "Quantities written off for a declaration.",
        "ACTUALISED": "Temporary declarations actualised by a full one (p.12).",
        "ANNULLED": "Accounting annulled on withdrawal or refusal (p.4).",
        "RELEASED": "Accounted goods released.",
    },
    name="NotificationKind",
)
