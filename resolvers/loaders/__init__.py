"""Data loaders: one batched ``$in`` query per kind of nested read per request tick.

Created fresh for every request (:func:`make_loaders`) so nothing is cached across
requests or principals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from resolvers.loaders.declaration_by_id import DeclarationByIdLoader
from resolvers.loaders.declaration_by_number import DeclarationByNumberLoader
from resolvers.loaders.ledger_by_declaration import LedgerByDeclarationLoader
from resolvers.loaders.license_by_id import LicenseByIdLoader
from resolvers.loaders.license_by_number import LicenseByNumberLoader
from resolvers.loaders.license_history import LicenseHistoryLoader
from resolvers.loaders.notification_by_id import NotificationByIdLoader
from resolvers.loaders.permit_by_id import PermitByIdLoader
from resolvers.loaders.permit_by_number import PermitByNumberLoader
from resolvers.loaders.permit_revisions import PermitRevisionsLoader
from resolvers.loaders.revisions_by_declaration import RevisionsByDeclarationLoader


@dataclass(frozen=True)
class Loaders:
    license_by_id: LicenseByIdLoader
    license_by_number: LicenseByNumberLoader
    license_history: LicenseHistoryLoader
    declaration_by_id: DeclarationByIdLoader
    declaration_by_number: DeclarationByNumberLoader
    ledger_by_declaration: LedgerByDeclarationLoader
    revisions_by_declaration: RevisionsByDeclarationLoader
    notification_by_id: NotificationByIdLoader
    permit_by_id: PermitByIdLoader
    permit_by_number: PermitByNumberLoader
    permit_revisions: PermitRevisionsLoader


def make_loaders(db: AsyncDatabase[dict[str, Any]]) -> Loaders:
    return Loaders(
        license_by_id=LicenseByIdLoader(db),
        license_by_number=LicenseByNumberLoader(db),
        license_history=LicenseHistoryLoader(db),
        declaration_by_id=DeclarationByIdLoader(db),
        declaration_by_number=DeclarationByNumberLoader(db),
        ledger_by_declaration=LedgerByDeclarationLoader(db),
        revisions_by_declaration=RevisionsByDeclarationLoader(db),
        notification_by_id=NotificationByIdLoader(db),
        permit_by_id=PermitByIdLoader(db),
        permit_by_number=PermitByNumberLoader(db),
        permit_revisions=PermitRevisionsLoader(db),
    )
