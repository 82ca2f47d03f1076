"""Errors.

Business failures are data: every mutation payload has ``userErrors`` of its own type
(implementing :class:`UserError`) with a code enum of its own (``RegisterLicenseErrorCode``
...), a message and the path of the input field (:mod:`schema.payloads`).  GraphQL
``errors`` are kept for malformed or unauthorised requests and carry ``extensions.code``;
internal errors are masked.
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError


class PublicError(Exception):
    """An error whose message is safe to show; carries ``extensions.code``."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.extensions = {"code": code or self.code}


class Forbidden(PublicError):
    code = "FORBIDDEN"


class Unauthenticated(PublicError):
    code = "UNAUTHENTICATED"


class InvalidId(PublicError):
    code = "INVALID_ID"


class InvalidPagination(PublicError):
    code = "INVALID_PAGINATION"


def should_mask(error: GraphQLError) -> bool:
    """Hide internal errors; keep GraphQL's own validation errors and our public ones."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    if isinstance(original, PublicError):
        return False
    return not isinstance(getattr(original, "extensions", None), dict)


@strawberry.interface(description="A business rule refused (part of) a mutation's input.")
class UserError:
    message: str = strawberry.field(description="What is wrong, for people.")
    field: list[str] = strawberry.field(
        description='Path of the offending input field, e.g. ["input", "lines", "0", '
        '"hsCode"]; empty when the error concerns the request as a whole.'
    )
