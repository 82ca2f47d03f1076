"""Enums built from a table of codes and descriptions (error codes, discrepancy codes)."""

from __future__ import annotations

from enum import Enum
from typing import cast

import strawberry


def described_enum(name: str, description: str, codes: dict[str, str]) -> type[Enum]:
    """A GraphQL enum whose every value carries its description."""
    members = {code: strawberry.enum_value(code, description=text) for code, text in codes.items()}
    return strawberry.enum(cast(type[Enum], Enum(name, members)), description=description)
