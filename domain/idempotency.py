"""Idempotent operations (DESIGN "The invariant", "Idempotency keys"): every operation
carries a key, a feed message id or a client's idempotency key, scoped to the API key
that sent it; the same key again gets the first answer, and the same key with other
content is refused.

The first answer is a success or a business refusal alike (DESIGN "Refusals are answers
too"): a refused key replays its refusal, and a new attempt takes a new key.  Only a
request refused for its input alone, before anything is read (a blank key, malformed
or out-of-bounds content: :func:`check_key` and the other input checks), leaves no
record: the same input gets the same refusal anyway, and the key stays unused."""

from __future__ import annotations

from domain.limits import MAX_KEY_LENGTH, check_identifier
from domain.problems import Problem

#: The field naming the key: feed messages carry ``messageId`` (Order 1907 p.2-3), every
#: other operation an ``idempotencyKey``.
MESSAGE_ID = "messageId"


def check_key(key: str, key_field: str) -> list[Problem]:
    """An operation needs a non-blank key, within its bound (``domain.limits``)."""
    if key.strip():
        return check_identifier(key, MAX_KEY_LENGTH, (key_field,))
    return [Problem("REQUIRED", f"{key_field} is required", (key_field,))]


def key_reused(key: str, key_field: str, first_operation: str) -> Problem:
    """The refusal of a key already used for other content: a new attempt takes a new key."""
    code = "MESSAGE_ID_REUSED" if key_field == MESSAGE_ID else "IDEMPOTENCY_KEY_REUSED"
    return Problem(
        code,
        f"the key {key!r} was already used for a different {first_operation} request; "
        "send new content with a new key",
        (key_field,),
    )
