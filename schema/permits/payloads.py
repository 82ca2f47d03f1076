"""Payloads of the permit mutations: each with an error type and a code enum of its own,
``userErrors`` and ``replayed`` (the convention of :mod:`schema.declarations.payloads`)."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.errors import UserError
from schema.permits import codes as c
from schema.permits.types import CustomsOffice, ProcessingPermit

_REPLAYED = "True when this key was seen before: nothing changed now."


def _error_type(name: str, code_enum: Any, description: str) -> Any:
    return strawberry.type(
        type(
            f"{name}Error",
            (UserError,),
            {
                "__annotations__": {"code": code_enum},
                "code": strawberry.field(description="Stable error code."),
                "__doc__": f"A refused {description}.",
            },
        ),
        description=f"A refused part of {description}.",
    )


def _payload(
    name: str,
    code_enum: Any,
    description: str,
    *,
    field: str = "permit",
    field_type: Any = ProcessingPermit | None,
    field_description: str = "The permit after the operation; null when refused.",
) -> tuple[Any, Any]:
    """A mutation's error type and payload type ``{ <field>, userErrors, replayed }``."""
    error_type = _error_type(name, code_enum, description)
    payload = strawberry.type(
        type(
            f"{name}Payload",
            (),
            {
                "__annotations__": {
                    field: field_type,
                    "user_errors": list[error_type],  # type: ignore[valid-type]
                    "replayed": bool,
                },
                field: strawberry.field(description=field_description),
                "user_errors": strawberry.field(description="Why it was refused."),
                "replayed": strawberry.field(description=_REPLAYED),
            },
        ),
        description=f"Result of {description}.",
    )
    return error_type, payload


CreatePermitDraftError, CreatePermitDraftPayload = _payload(
    "CreatePermitDraft", c.CreatePermitDraftErrorCode, "createPermitDraft"
)
UpdatePermitDraftError, UpdatePermitDraftPayload = _payload(
    "UpdatePermitDraft", c.UpdatePermitDraftErrorCode, "updatePermitDraft"
)
IssuePermitError, IssuePermitPayload = _payload(
    "IssuePermit", c.IssuePermitErrorCode, "issuePermit (p.1-p.9)"
)
AmendPermitError, AmendPermitPayload = _payload(
    "AmendPermit", c.AmendPermitErrorCode, "amendPermit"
)
TransferPermitError, TransferPermitPayload = _payload(
    "TransferPermit", c.TransferPermitErrorCode, "transferPermit (p.3)"
)
FixPermitTermError, FixPermitTermPayload = _payload(
    "FixPermitTerm", c.FixPermitTermErrorCode, "fixPermitTerm (p.9)"
)
ExtendPermitTermError, ExtendPermitTermPayload = _payload(
    "ExtendPermitTerm", c.ExtendPermitTermErrorCode, "extendPermitTerm (p.9)"
)
RevokePermitError, RevokePermitPayload = _payload(
    "RevokePermit", c.RevokePermitErrorCode, "revokePermit (point 15)"
)
AnnulPermitError, AnnulPermitPayload = _payload(
    "AnnulPermit", c.AnnulPermitErrorCode, "annulPermit (point 15)"
)
RestorePermitError, RestorePermitPayload = _payload(
    "RestorePermit", c.RestorePermitErrorCode, "restorePermit (point 15)"
)
ExpirePermitsError, ExpirePermitsPayload = _payload(
    "ExpirePermits",
    c.ExpirePermitsErrorCode,
    "expirePermits (p.9)",
    field="expired",
    field_type=list[ProcessingPermit],
    field_description="The permits this call expired (empty when refused or none was due).",
)
SaveCustomsOfficeError, SaveCustomsOfficePayload = _payload(
    "SaveCustomsOffice",
    c.SaveCustomsOfficeErrorCode,
    "saveCustomsOffice",
    field="customs_office",
    field_type=CustomsOffice | None,
    field_description="The office as saved; null when refused.",
)
