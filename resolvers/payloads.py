"""The answer of every mutation: an operation's :class:`Outcome` as its payload type
(declared with :func:`schema.payloads.mutation_payload`): the subject loaded once, after
the write, through the request's loaders; ``userErrors`` typed with the mutation's code
enum, each with the path of its input field; ``replayed``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from domain.problems import FieldPath, Problem
from resolvers.context import Info
from resolvers.loaders import Loaders, Row
from schema.payloads import PAYLOADS, Payload
from services.transactions import Outcome

P = TypeVar("P")

#: Subject field of a payload -> (the key in the operation's result, the loader by it).
SUBJECTS: dict[str, tuple[str, Row]] = {
    "license": ("licenseId", Loaders.license_by_id),
    "declaration": ("declarationId", Loaders.declaration_by_id),
    "permit": ("permitId", Loaders.permit_by_id),
    "expired": ("permitIds", Loaders.permit_by_id),
    "customs_office": ("code", Loaders.customs_office_by_code),
}


async def payload(
    info: Info, outcome: Outcome, payload_type: Callable[..., P], *, stored: str | None = None
) -> P:
    """``payload_type`` for ``outcome``.  Problem paths are of the input (``["input",
    ...]``), but those starting with ``stored``: they name a field of the stored document
    as they are (issuePermit checks the stored permit; its input has no form)."""
    parts = PAYLOADS[payload_type]
    return payload_type(
        **{parts.subject.field: await _subject(info, parts, outcome.result)},
        user_errors=user_errors(parts, outcome.problems, stored=stored),
        replayed=outcome.replayed,
    )


async def _subject(info: Info, parts: Payload, result: dict[str, Any] | None) -> Any:
    subject = parts.subject
    if result is None:
        return [] if subject.many else None
    key, row = SUBJECTS[subject.field]
    loader = info.context.loaders.loader(row)
    # The write just changed it: what the request's loader holds may be stale.
    keys = list(result[key]) if subject.many else [result[key]]
    for k in keys:
        loader.clear(k)
    docs = [doc for doc in await loader.load_many(keys) if doc is not None]
    nodes = [subject.type.from_doc(doc) for doc in docs]
    return nodes if subject.many else (nodes[0] if nodes else None)


def user_errors(parts: Payload, problems: list[Problem], *, stored: str | None = None) -> list[Any]:
    """The problems as the mutation's typed user errors.  A code that the mutation's enum
    does not list is a programming error and fails loudly (``tests/test_error_codes.py``
    keeps every code a rule can give declared)."""
    return [
        parts.error(code=parts.codes(p.code), message=p.message, field=field_path(p.field, stored))
        for p in problems
    ]


def field_path(field: FieldPath, stored: str | None = None, *, root: str = "input") -> list[str]:
    """The GraphQL path of a problem's field: under ``root`` (empty for the request as a
    whole), or as it is when it starts with ``stored``."""
    if not field:
        return []
    parts = [str(part) for part in field]
    return parts if stored is not None and parts[0] == stored else [root, *parts]
