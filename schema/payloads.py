"""Mutation payloads, declared one way in every area.

A mutation has a code enum of its own (:func:`error_codes`: "Why ... was refused."), an
error type implementing :class:`schema.errors.UserError` with that enum as ``code``, and
a payload ``{ <subject>, userErrors, replayed }`` (:func:`mutation_payload`).  The parts
of every payload are kept in :data:`PAYLOADS`, from which
:func:`resolvers.payloads.payload` builds the answer to an operation's outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import strawberry

from schema.enum_factory import described_enum
from schema.errors import UserError

#: ``replayed`` of the mutations that take an idempotency key.
REPLAYED = "True when this key was seen before: nothing changed now."

#: Codes every mutation can give (issue 9, :mod:`domain.limits`): each takes a key and
#: strings, bounded and checked as text, and the database's validator is the last guard.
COMMON_CODES = {
    "TOO_LONG": "A string is longer than its bound.",
    "INVALID_TEXT": "A string is not text (a lone surrogate, a control character) or a "
    "number is written with digits other than 0-9.",
    "INVALID_DOCUMENT": "The record would not pass the database's validation; nothing was written.",
}
#: Codes of the mutations that take lists (:mod:`domain.limits`).
LIST_CODES = {"TOO_MANY_ITEMS": "A list is longer than its bound."}


def error_codes(
    name: str,
    what: str,
    *tables: Mapping[str, str],
    added: Mapping[str, str] | None = None,
    **extra: str,
) -> type[Enum]:
    """The enum ``name`` ("Why ``what`` was refused."): the codes of ``tables``, then
    ``extra``, then ``added`` and :data:`COMMON_CODES` (codes declared later, kept last so
    that earlier values keep their place), in that order; a code met again keeps its
    first place and its last text."""
    codes: dict[str, str] = {}
    for table in (*tables, extra, added or {}, COMMON_CODES):
        codes.update(table)
    return described_enum(name, f"Why {what} was refused.", codes)


@dataclass(frozen=True)
class Subject:
    """What a payload returns besides its errors: the field, its object type (one, or a
    list when ``many``) and the field's description."""

    field: str
    type: Any
    description: str
    many: bool = False

    def with_description(self, description: str) -> Subject:
        return Subject(self.field, self.type, description, self.many)


@dataclass(frozen=True)
class Payload:
    """The parts of a mutation payload type, for building its value."""

    error: Any
    codes: type[Enum]
    subject: Subject


#: Every mutation payload type -> its parts.
PAYLOADS: dict[Any, Payload] = {}


def mutation_payload(
    codes: type[Enum],
    subject: Subject,
    operation: str,
    *,
    refused: str | None = None,
    replayed: str = REPLAYED,
) -> tuple[Any, Any]:
    """The error type ``<name>Error`` ("A refused part of ``operation``." unless
    ``refused`` says otherwise) and the payload type ``<name>Payload`` ("Result of
    ``operation``.") of the mutation whose code enum is ``codes``, ``<name>ErrorCode``."""
    name = codes.__name__.removesuffix("ErrorCode")
    error = strawberry.type(
        type(
            f"{name}Error",
            (UserError,),
            {
                "__annotations__": {"code": codes},
                "code": strawberry.field(description="Stable error code."),
            },
        ),
        description=refused or f"A refused part of {operation}.",
    )
    subject_type = list[subject.type] if subject.many else subject.type | None  # type: ignore[name-defined]
    payload = strawberry.type(
        type(
            f"{name}Payload",
            (),
            {
                "__annotations__": {
                    subject.field: subject_type,
                    "user_errors": list[error],  # type: ignore[valid-type]
                    "replayed": bool,
                },
                subject.field: strawberry.field(description=subject.description),
                "user_errors": strawberry.field(description="Why it was refused."),
                "replayed": strawberry.field(description=replayed),
            },
        ),
        description=f"Result of {operation}.",
    )
    PAYLOADS[payload] = Payload(error, codes, subject)
    return error, payload
