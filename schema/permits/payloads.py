"""Payloads of the permit mutations, each with an error type and a code enum of its own
(:mod:`schema.permits.codes`), declared as every area's are (:mod:`schema.payloads`)."""

from __future__ import annotations

from schema.payloads import Subject, mutation_payload
from schema.permits import codes as c
from schema.permits.types import CustomsOffice, ProcessingPermit

PERMIT = Subject("permit", ProcessingPermit, "The permit after the operation; null when refused.")

CreatePermitDraftError, CreatePermitDraftPayload = mutation_payload(
    c.CreatePermitDraftErrorCode, PERMIT, "createPermitDraft"
)
UpdatePermitDraftError, UpdatePermitDraftPayload = mutation_payload(
    c.UpdatePermitDraftErrorCode, PERMIT, "updatePermitDraft"
)
IssuePermitError, IssuePermitPayload = mutation_payload(
    c.IssuePermitErrorCode, PERMIT, "issuePermit (p.1-p.9)"
)
AmendPermitError, AmendPermitPayload = mutation_payload(
    c.AmendPermitErrorCode, PERMIT, "amendPermit"
)
TransferPermitError, TransferPermitPayload = mutation_payload(
    c.TransferPermitErrorCode, PERMIT, "transferPermit (p.3)"
)
FixPermitTermError, FixPermitTermPayload = mutation_payload(
    c.FixPermitTermErrorCode, PERMIT, "fixPermitTerm (p.9)"
)
ExtendPermitTermError, ExtendPermitTermPayload = mutation_payload(
    c.ExtendPermitTermErrorCode, PERMIT, "extendPermitTerm (p.9)"
)
RevokePermitError, RevokePermitPayload = mutation_payload(
    c.RevokePermitErrorCode, PERMIT, "revokePermit (point 15)"
)
AnnulPermitError, AnnulPermitPayload = mutation_payload(
    c.AnnulPermitErrorCode, PERMIT, "annulPermit (point 15)"
)
RestorePermitError, RestorePermitPayload = mutation_payload(
    c.RestorePermitErrorCode, PERMIT, "restorePermit (point 15)"
)
ExpirePermitsError, ExpirePermitsPayload = mutation_payload(
    c.ExpirePermitsErrorCode,
    Subject(
        "expired",
        ProcessingPermit,
        "The permits this call expired (empty when refused or none was due).",
        many=True,
    ),
    "expirePermits (p.9)",
)
SaveCustomsOfficeError, SaveCustomsOfficePayload = mutation_payload(
    c.SaveCustomsOfficeErrorCode,
    Subject("customs_office", CustomsOffice, "The office as saved; null when refused."),
    "saveCustomsOffice",
)
