"""GraphQL enums: the domain's own enums exposed with descriptions, and enums built from
a table of codes and descriptions (error codes, warning codes)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar, cast

import strawberry

E = TypeVar("E", bound=Enum)


def described_enum(name: str, description: str, codes: Mapping[str, str]) -> type[Enum]:
    """A GraphQL enum whose every value carries its description."""
    members = {code: strawberry.enum_value(code, description=text) for code, text in codes.items()}
    return strawberry.enum(cast(type[Enum], Enum(name, members)), description=description)


def domain_enum(
    domain: type[E], description: str, texts: Mapping[str, str], *, name: str | None = None
) -> type[E]:
    """The domain's enum itself as a GraphQL enum (named ``name``, or as in the domain):
    its members in the domain's order, each described by ``texts`` (by member name).
    Resolvers and types pass the domain's members as they are.  A member without a text,
    or a text without a member, fails at import."""
    members = [member.name for member in domain]
    if sorted(members) != sorted(texts):
        raise TypeError(f"{domain.__name__}: members {members} but descriptions for {list(texts)}")
    strawberry.enum(domain, name=name, description=description)
    for value in domain.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = texts[value.name]
    return domain
