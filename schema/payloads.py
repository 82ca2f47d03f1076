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


def error_codes(name: str, what: str, *tables: Mapping[str, str], **extra: str) -> type[Enum]:
    """The enum ``name`` ("Why ``what`` was refused."): the codes of ``tables`` and then
    ``extra``, in that order; a code met again keeps its first place and its last text."""
    codes: dict[str, str] = {}
    for table in (*tables, extra):
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
