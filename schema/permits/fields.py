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
    mutation,
    query,
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
    permit: ProcessingPermit | None = query(
        r.permit_by_number,
        READ_PERMITS,
        "A permit by its number (p.2). DECLARANT keys see only permits their INN holds.",
    )
    permit_by_id: ProcessingPermit | None = query(
        r.permit_by_id, READ_PERMITS, "A permit (or a draft) by its global ID."
    )
    permits: PermitConnection = query(
        r.permits,
        READ_PERMITS,
        "Permits and drafts, filtered and ordered; `first` at most 100 (default "
        "20). DECLARANT keys see the ones their INN holds.",
    )
    permit_as_of: PermitRevision | None = query(
        r.permit_as_of,
        READ_PERMITS,
        "The permit as it stood on a date: the revision in force at the end of "
        "that day; null if it did not exist yet.",
    )
    permits_by_office_and_status: list[PermitCount] = query(
        r.permits_by_office_and_status,
        READ_AGGREGATES,
        "Permits counted per issuing customs and status. OFFICER and ANALYST.",
    )
    permit_table3_utilisation: list[Table3Utilisation] = query(
        r.permit_table3_utilisation,
        READ_AGGREGATES,
        "Table 3 quantities against what placements accounted, per HS code and "
        "unit, over the permits matching the filter. OFFICER and ANALYST.",
    )
    customs_offices: list[CustomsOffice] = query(
        r.customs_offices,
        READ_ANY,
        "The customs offices reference data (samples until officers edit it).",
    )
    customs_office: CustomsOffice | None = query(
        r.customs_office, READ_ANY, "A customs office by its code."
    )


@strawberry.type(description="Processing permits: OFFICER keys only.")
class PermitMutation:
    create_permit_draft: p.CreatePermitDraftPayload = mutation(
        r.create_permit_draft,
        MANAGE_PERMITS,
        "Create a permit draft (PREPARED); its header comes from the reference "
        "data (p.1). The rules are checked when it is issued; see `issueProblems`.",
    )
    update_permit_draft: p.UpdatePermitDraftPayload = mutation(
        r.update_permit_draft, MANAGE_PERMITS, "Replace a draft's content."
    )
    issue_permit: p.IssuePermitPayload = mutation(
        r.issue_permit,
        MANAGE_PERMITS,
        "Issue a draft: every rule of p.1-p.9 checked, then the number "
        "CCCCCCCC/DDMMYY/51/SEQ assigned atomically with the status (p.2): never "
        "duplicated, never skipped by a refused issue.",
    )
    amend_permit: p.AmendPermitPayload = mutation(
        r.amend_permit,
        MANAGE_PERMITS,
        "Amend an issued permit; every rule checked again; kept as a revision.",
    )
    transfer_permit: p.TransferPermitPayload = mutation(
        r.transfer_permit,
        MANAGE_PERMITS,
        "Point 1.1: transfer to another Russian person by decision (p.3).",
    )
    fix_permit_term: p.FixPermitTermPayload = mutation(
        r.fix_permit_term,
        MANAGE_PERMITS,
        "Fix the term at the first placement: start, and end = start + months (table 10.1, p.9).",
    )
    extend_permit_term: p.ExtendPermitTermPayload = mutation(
        r.extend_permit_term,
        MANAGE_PERMITS,
        "Extend the term by whole months (table 10.2, p.9), up to the cap.",
    )
    revoke_permit: p.RevokePermitPayload = mutation(
        r.revoke_permit,
        MANAGE_PERMITS,
        "Revoke a permit in force, with grounds and date (point 15).",
    )
    annul_permit: p.AnnulPermitPayload = mutation(
        r.annul_permit, MANAGE_PERMITS, "Annul a permit in force, with grounds and date (point 15)."
    )
    restore_permit: p.RestorePermitPayload = mutation(
        r.restore_permit,
        MANAGE_PERMITS,
        "Restore a revoked or annulled permit to force (point 15).",
    )
    expire_permits: p.ExpirePermitsPayload = mutation(
        r.expire_permits,
        MANAGE_PERMITS,
        "Expire every permit in force whose term ended before today (each "
        "customs' local date, from the request's clock) (p.9).",
    )
    save_customs_office: p.SaveCustomsOfficePayload = mutation(
        r.save_customs_office,
        MANAGE_REFERENCE_DATA,
        "Add a customs office to the reference data, or change one (by code).",
    )
