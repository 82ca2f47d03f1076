"""Errors.

Business failures are data: every mutation payload has ``userErrors`` of its own type
(implementing :class:`UserError`) with a code enum of its own (``RegisterLicenseErrorCode``
...), a message and the path of the input field (:mod:`schema.payloads`).  GraphQL
``errors`` are kept for malformed or unauthorised requests and carry ``extensions.code``;
internal errors are masked.
"""

from __future__ import annotations

import re
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError

#: ``extensions.code`` of the errors GraphQL itself gives, before or while executing
#: (README "Conventions"); the codes of mutation refusals are in :mod:`schema.payloads`.
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"  # masked: "Unexpected error."
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # the document is not GraphQL
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # not valid against the schema
BAD_USER_INPUT = "BAD_USER_INPUT"  # a variable's value does not fit its type
QUERY_TOO_LONG = "QUERY_TOO_LONG"  # more characters than CUSTOMS_MAX_QUERY_LENGTH
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"  # more tokens than CUSTOMS_MAX_QUERY_TOKENS
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"  # deeper than CUSTOMS_MAX_QUERY_DEPTH
TOO_MANY_FIELDS = "TOO_MANY_FIELDS"  # more selections than CUSTOMS_MAX_QUERY_FIELDS
TOO_MANY_DIRECTIVES = "TOO_MANY_DIRECTIVES"  # more than CUSTOMS_MAX_QUERY_DIRECTIVES
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"  # more than CUSTOMS_MAX_ALIASES
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"  # a cost above CUSTOMS_MAX_QUERY_COST
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"  # __schema/__type for a DECLARANT key
OPERATION_NAME_REQUIRED = "OPERATION_NAME_REQUIRED"  # several operations, no operationName
UNKNOWN_OPERATION = "UNKNOWN_OPERATION"  # operationName names no operation of the document
OPERATION_NOT_ALLOWED = "OPERATION_NOT_ALLOWED"  # a subscription over HTTP, a mutation by GET
OPERATION_TIMEOUT = "OPERATION_TIMEOUT"  # ran longer than CUSTOMS_OPERATION_TIMEOUT_S

#: Codes of errors that end a request before execution: GraphQL over HTTP answers them
#: without a ``data`` entry (and with 400 under ``application/graphql-response+json``).
REQUEST_ERROR_CODES = frozenset(
    {
        GRAPHQL_PARSE_FAILED,
        GRAPHQL_VALIDATION_FAILED,
        BAD_USER_INPUT,
        QUERY_TOO_LONG,
        TOO_MANY_TOKENS,
        QUERY_TOO_DEEP,
        TOO_MANY_FIELDS,
        TOO_MANY_DIRECTIVES,
        TOO_MANY_ALIASES,
        QUERY_TOO_COSTLY,
        INTROSPECTION_DISABLED,
        OPERATION_NAME_REQUIRED,
        UNKNOWN_OPERATION,
        OPERATION_NOT_ALLOWED,
        "INVALID_SCALAR",  # a variable a custom scalar refused (schema/scalars.py)
        "INVALID_TEXT",  # a variable's text that cannot be encoded (schema/scalars.py)
    }
)

MASKED_MESSAGE = "Unexpected error."

#: graphql-core's suggestions (" Did you mean 'node' or 'nodes'?"), names of the schema
#: a client without introspection must not learn from error messages.
_SUGGESTION = re.compile(r" ?Did you mean\b[^?]*\?")

#: graphql-core's parser limits, recognised by their messages (graphql/language/parser.py)
_PARSER_LIMITS = (
    ("Source contains more than", QUERY_TOO_LONG),
    ("Document contains more than", TOO_MANY_TOKENS),
    ("Document is nested too deeply", QUERY_TOO_DEEP),
)


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


def request_error(code: str, message: str) -> GraphQLError:
    """An error that ends a request before execution, with its code."""
    return GraphQLError(message, extensions={"code": code})


def code_of(error: GraphQLError) -> str | None:
    """The ``extensions.code`` of an error, if it has one."""
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def _code_for(error: GraphQLError) -> str:
    """The code of an error that came without one: graphql-core's parse errors and
    limits, the coercion of variables (no path: before execution), and otherwise an
    internal failure while executing (a non-null field resolved to null...)."""
    if isinstance(error, GraphQLSyntaxError):
        return next(
            (code for text, code in _PARSER_LIMITS if text in error.message),
            GRAPHQL_PARSE_FAILED,
        )
    if error.path is None:
        return BAD_USER_INPUT
    return INTERNAL_SERVER_ERROR


def without_suggestions(message: str) -> str:
    """``message`` without graphql-core's "Did you mean ...?" suggestions."""
    return _SUGGESTION.sub("", message)


def public_error(error: GraphQLError, *, hide_suggestions: bool = False) -> GraphQLError:
    """The error as a client sees it: internal errors masked ("Unexpected error.",
    ``INTERNAL_SERVER_ERROR``), every other one with an ``extensions.code``, and without
    suggestions when ``hide_suggestions``.  Returns a new error when anything changes (a
    cached validation error is shared between requests)."""
    code = None if should_mask(error) else code_of(error) or _code_for(error)
    if code is None or (code == INTERNAL_SERVER_ERROR and code_of(error) is None):
        return GraphQLError(
            MASKED_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": INTERNAL_SERVER_ERROR},
        )
    message = without_suggestions(error.message) if hide_suggestions else error.message
    if message == error.message and code == code_of(error):
        return error
    extensions: dict[str, Any] = {**(error.extensions or {}), "code": code}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


def is_request_error(data: object, errors: list[GraphQLError] | None) -> bool:
    """Whether a result is a request error (GraphQL over HTTP): it has no data because
    the request stopped before execution (parse, validation, limits, variables)."""
    return (
        data is None
        and bool(errors)
        and all(e.path is None and code_of(e) in REQUEST_ERROR_CODES for e in errors or ())
    )


@strawberry.interface(description="A business rule refused (part of) a mutation's input.")
class UserError:
    message: str = strawberry.field(description="What is wrong, for people.")
    field: list[str] = strawberry.field(
        description='Path of the offending input field, e.g. ["input", "lines", "0", '
        '"hsCode"]; empty when the error concerns the request as a whole.'
    )
