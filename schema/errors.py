"""Errors.

Business failures are data: every mutation payload has ``userErrors`` of its own type
with a code enum of its own (``RegisterLicenseErrorCode`` ...), a message and the path
of the input field.  GraphQL ``errors`` are kept for malformed or unauthorised requests
and carry ``extensions.code``; internal errors are masked.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from domain.problems import Problem


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


E = TypeVar("E", bound=Enum)


def user_errors(
    error_type: Any, codes: type[E], problems: list[Problem], *, root: str = "input"
) -> list[Any]:
    """Convert domain problems to a mutation's typed user errors.  A code that the
    mutation's enum does not list is a programming error and fails loudly."""
    return [
        error_type(
            code=codes(p.code),
            message=p.message,
            field=[root, *(str(part) for part in p.field)] if p.field else [],
        )
        for p in problems
    ]
