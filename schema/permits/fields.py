"""The permit parts of the root types, merged in :mod:`schema.root`."""

from __future__ import annotations

import strawberry

from resolvers import permits as r
from schema.permissions import (
    MANAGE_PERMITS,
    MANAGE_REFERENCE_DATA,
    READ_AGGREGATES,
    READ_ANY,
    READ_PERMITS,
)
from schema.permits import payloads as p
from schema.permits.types import (
    CustomsOffice,
    PermitConnection,
    PermitCount,
    PermitRevision,
    ProcessingPermit,
    Table3Utilisation,
)


@strawberry.type(description="Processing permits and the customs offices reference data.")
class PermitQuery:
    permit: ProcessingPermit | None = strawberry.field(
        resolver=r.permit_by_number,
        permission_classes=[READ_PERMITS],
        description="A permit by its number (p.2). DECLARANT keys see only permits their "
        "INN holds.",
    )
    permit_by_id: ProcessingPermit | None = strawberry.field(
        resolver=r.permit_by_id,
        permission_classes=[READ_PERMITS],
        description="A permit (or a draft) by its global ID.",
    )
    permits: PermitConnection = strawberry.field(
        resolver=r.permits,
        permission_classes=[READ_PERMITS],
        description="Permits and drafts, filtered and ordered; `first` at most 100 (default "
        "20). DECLARANT keys see the ones their INN holds.",
    )
    permit_as_of: PermitRevision | None = strawberry.field(
        resolver=r.permit_as_of,
        permission_classes=[READ_PERMITS],
        description="The permit as it stood on a date: the revision in force at the end of "
        "that day; null if it did not exist yet.",
    )
    permits_by_office_and_status: list[PermitCount] = strawberry.field(
        resolver=r.permits_by_office_and_status,
        permission_classes=[READ_AGGREGATES],
        description="Permits counted per issuing customs and status. OFFICER and ANALYST.",
    )
    permit_table3_utilisation: list[Table3Utilisation] = strawberry.field(
        resolver=r.permit_table3_utilisation,
        permission_classes=[READ_AGGREGATES],
        description="Table 3 quantities against what placements accounted, per HS code and "
        "unit, over the permits matching the filter. OFFICER and ANALYST.",
    )
    customs_offices: list[CustomsOffice] = strawberry.field(
        resolver=r.customs_offices,
        permission_classes=[READ_ANY],
        description="The customs offices reference data (samples until officers edit it).",
    )
    customs_office: CustomsOffice | None = strawberry.field(
        resolver=r.customs_office,
        permission_classes=[READ_ANY],
        description="A customs office by its code.",
    )


@strawberry.type(description="Processing permits: OFFICER keys only.")
class PermitMutation:
    create_permit_draft: p.CreatePermitDraftPayload = strawberry.mutation(
        resolver=r.create_permit_draft,
        permission_classes=[MANAGE_PERMITS],
        description="Create a permit draft (PREPARED); its header comes from the reference "
        "data (p.1). The rules are checked when it is issued; see `issueProblems`.",
    )
    update_permit_draft: p.UpdatePermitDraftPayload = strawberry.mutation(
        resolver=r.update_permit_draft,
        permission_classes=[MANAGE_PERMITS],
        description="Replace a draft's content.",
    )
    issue_permit: p.IssuePermitPayload = strawberry.mutation(
        resolver=r.issue_permit,
        permission_classes=[MANAGE_PERMITS],
        description="Issue a draft: every rule of p.1-p.9 checked, then the number "
        "CCCCCCCC/DDMMYY/51/SEQ assigned atomically with the status (p.2): never "
        "duplicated, never skipped by a refused issue.",
    )
    amend_permit: p.AmendPermitPayload = strawberry.mutation(
        resolver=r.amend_permit,
        permission_classes=[MANAGE_PERMITS],
        description="Amend an issued permit; every rule checked again; kept as a revision.",
    )
    transfer_permit: p.TransferPermitPayload = strawberry.mutation(
        resolver=r.transfer_permit,
        permission_classes=[MANAGE_PERMITS],
        description="Point 1.1: transfer to another Russian person by decision (p.3).",
    )
    fix_permit_term: p.FixPermitTermPayload = strawberry.mutation(
        resolver=r.fix_permit_term,
        permission_classes=[MANAGE_PERMITS],
        description="Fix the term at the first placement: start, and end = start + months "
        "(table 10.1, p.9).",
    )
    extend_permit_term: p.ExtendPermitTermPayload = strawberry.mutation(
        resolver=r.extend_permit_term,
        permission_classes=[MANAGE_PERMITS],
        description="Extend the term by whole months (table 10.2, p.9), up to the cap.",
    )
    revoke_permit: p.RevokePermitPayload = strawberry.mutation(
        resolver=r.revoke_permit,
        permission_classes=[MANAGE_PERMITS],
        description="Revoke a permit in force, with grounds and date (point 15).",
    )
    annul_permit: p.AnnulPermitPayload = strawberry.mutation(
        resolver=r.annul_permit,
        permission_classes=[MANAGE_PERMITS],
        description="Annul a permit in force, with grounds and date (point 15).",
    )
    restore_permit: p.RestorePermitPayload = strawberry.mutation(
        resolver=r.restore_permit,
        permission_classes=[MANAGE_PERMITS],
        description="Restore a revoked or annulled permit to force (point 15).",
    )
    expire_permits: p.ExpirePermitsPayload = strawberry.mutation(
        resolver=r.expire_permits,
        permission_classes=[MANAGE_PERMITS],
        description="Expire every permit in force whose term ended before today (each "
        "customs' local date, from the request's clock) (p.9).",
    )
    save_customs_office: p.SaveCustomsOfficePayload = strawberry.mutation(
        resolver=r.save_customs_office,
        permission_classes=[MANAGE_REFERENCE_DATA],
        description="Add a customs office to the reference data, or change one (by code).",
    )
