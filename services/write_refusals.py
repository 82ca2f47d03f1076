"""A write the database itself refuses, as a typed refusal (issue 9, the last guard).

The collections carry ``$jsonSchema`` validators (``migrations/``).  The rules check
every constraint a validator enforces before anything is written, so a validator should
never fire; when one does anyway (a rule missed, data written by an older version), the
client gets ``INVALID_DOCUMENT`` rather than a masked error, and the log gets one line
naming the rules not satisfied: never the document nor any value of it (MongoDB's
``errInfo`` carries the values it considered, which may be a whole sub-document).

Use :func:`validation_refusal` where a write's error is handled (the idempotent runner,
:func:`services.transactions.idempotent`)::

    except (WriteError, BulkWriteError) as error:
        if (problem := validation_refusal(error)) is None:
            raise
        return Outcome(None, [problem])

and :func:`describe` wherever a database error is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from pymongo.errors import BulkWriteError, OperationFailure, PyMongoError

from domain.limits import invalid_document
from domain.problems import Problem

#: MongoDB's error code of a write its collection's validator refused.
DOCUMENT_VALIDATION_FAILURE = 121

log = logging.getLogger(__name__)


def _write_errors(error: PyMongoError) -> list[dict[str, Any]]:
    """The per-document write errors of ``error`` (one for a single write)."""
    details = getattr(error, "details", None) or {}
    if isinstance(error, BulkWriteError):
        return list(details.get("writeErrors") or [])
    if isinstance(error, OperationFailure):
        return [{"code": error.code, **details}]
    return []


def _rules(details: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The schema paths and operators a validator's ``errInfo.details`` names as not
    satisfied (``table3.unit: pattern``): names from the schema, never a value."""
    if isinstance(details, list):
        for entry in details:
            yield from _rules(entry, path)
        return
    if not isinstance(details, dict):
        return
    name = details.get("propertyName")
    here = (*path, str(name)) if isinstance(name, str) else path
    nested = [
        details[key]
        for key in ("details", "schemaRulesNotSatisfied", "propertiesNotSatisfied")
        if key in details
    ]
    if not nested:
        operator = details.get("operatorName")
        yield f"{'.'.join(here) or '(document)'}: {operator if isinstance(operator, str) else '?'}"
    for entry in nested:
        yield from _rules(entry, here)


def describe(error: BaseException) -> str:
    """A database error in one line that is safe to log: its type, code and code name,
    and for a validation failure the rules not satisfied; no document, no value."""
    if not isinstance(error, PyMongoError):
        return type(error).__name__
    parts = [type(error).__name__]
    code = getattr(error, "code", None)
    if code is not None:
        parts.append(f"code {code}")
    details = getattr(error, "details", None) or {}
    if isinstance(details, dict) and isinstance(details.get("codeName"), str):
        parts.append(details["codeName"])
    for entry in _write_errors(error):
        if entry.get("code") == DOCUMENT_VALIDATION_FAILURE:
            info = entry.get("errInfo") or {}
            rules = sorted(set(_rules(info.get("details") if isinstance(info, dict) else None)))
            parts.append("validation failed: " + ("; ".join(rules) or "no details"))
    return ", ".join(parts)


def validation_refusal(error: BaseException) -> Problem | None:
    """``INVALID_DOCUMENT`` when ``error`` is a write refused by a collection's validator
    (code 121, alone or in a bulk write), after logging :func:`describe` of it; None for
    any other error (let it be raised)."""
    if not isinstance(error, PyMongoError):
        return None
    codes = {entry.get("code") for entry in _write_errors(error)}
    if DOCUMENT_VALIDATION_FAILURE not in codes:
        return None
    log.warning(
        "write refused by the database's validator", extra={"database_error": describe(error)}
    )
    return invalid_document()
