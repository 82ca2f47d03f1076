"""Schema compatibility: breaking changes between two SDL texts, and the list of the
ones made deliberately (``schema-changes.md``), which partners read before upgrading."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import build_schema as build_from_sdl
from graphql.utilities import find_breaking_changes

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema.graphql"
CHANGES_FILE = ROOT / "schema-changes.md"
_ENTRY = re.compile(r"^- `([A-Z_]+)`: (.+)$")


def breaking_changes(old_sdl: str, new_sdl: str) -> list[str]:
    """Each breaking change as ``"TYPE: description"`` (graphql-core's classification:
    removed types and fields, changed argument and field types, new required args...)."""
    changes = find_breaking_changes(build_from_sdl(old_sdl), build_from_sdl(new_sdl))
    return sorted(f"{change.type.name}: {change.description}" for change in changes)


def deliberate_changes(path: Path = CHANGES_FILE) -> set[str]:
    """Breaking changes marked deliberate: lines ``- `TYPE`: description``."""
    if not path.exists():
        return set()
    found = set()
    for line in path.read_text().splitlines():
        match = _ENTRY.match(line.strip())
        if match:
            found.add(f"{match.group(1)}: {match.group(2)}")
    return found


def mark_deliberate(changes: list[str], reason: str, path: Path = CHANGES_FILE) -> None:
    """Append breaking changes to the deliberate list with the reason for them."""
    lines = [f"\n## {reason}\n"]
    for change in changes:
        kind, _, description = change.partition(": ")
        lines.append(f"- `{kind}`: {description}")
    with path.open("a") as out:
        if path.stat().st_size == 0:
            out.write(
                "# Deliberate breaking changes of schema.graphql\n\n"
                "Each entry was accepted on purpose; partners should read this list before "
                "upgrading. Written by `customs-api export-schema --allow-breaking REASON`.\n"
            )
        out.write("\n".join(lines) + "\n")
