"""The published schema: committed, current, described, and never broken by accident."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
)

from schema.compat import ROOT, SCHEMA_FILE, breaking_changes, deliberate_changes
from schema.root import schema_sdl


def test_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.exists(), "run `uv run customs-api export-schema` and commit it"
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql is stale: run `uv run customs-api export-schema` and commit it"
    )


def test_every_type_field_argument_and_value_is_described() -> None:
    schema = build_schema(SCHEMA_FILE.read_text())
    missing: list[str] = []
    for name, type_ in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not type_.description:
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({arg})"
                    for arg, definition in field.args.items()
                    if not definition.description
                ]
        elif isinstance(type_, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, d in type_.fields.items() if not d.description]
        elif isinstance(type_, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, d in type_.values.items() if not d.description]
    assert missing == []


def _previous_committed_schema() -> str | None:
    """schema.graphql as it was before its latest change: the working file's HEAD
    version when the file is modified, else the version before the last commit that
    touched it.  None when there is no git history to compare with."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    try:
        dirty = git("status", "--porcelain", "--", "schema.graphql").strip()
        if dirty:
            return git("show", "HEAD:schema.graphql") if not dirty.startswith("??") else None
        commits = git("log", "--format=%H", "-n", "2", "--", "schema.graphql").split()
        if len(commits) < 2:
            return None
        return git("show", f"{commits[1]}:schema.graphql")
    except subprocess.CalledProcessError:
        return None


def test_no_unmarked_breaking_change() -> None:
    """A change that can break clients must be listed in schema-changes.md (written by
    `customs-api export-schema --allow-breaking REASON`)."""
    previous = _previous_committed_schema()
    if previous is None:
        pytest.skip("no earlier committed schema.graphql to compare with")
    unmarked = [
        change
        for change in breaking_changes(previous, schema_sdl())
        if change not in deliberate_changes()
    ]
    assert unmarked == [], "breaking schema changes not marked deliberate"


def test_breaking_change_detection_works() -> None:
    old = "type Query { a: String, b(x: Int): Int }"
    new = "type Query { b(x: Int!): Int }"
    assert breaking_changes(old, new) == [
        "ARG_CHANGED_KIND: Argument Query.b(x:) has changed type from Int to Int!.",
        "FIELD_REMOVED: Field Query.a was removed.",
    ]
