"""The layers import only downward (README "Layout"):

    domain      pure rules: the standard library and ``domain`` only
    services    use cases: domain, the driver; never the GraphQL or HTTP layers
    resolvers   thin resolvers, loaders, the request context: no HTTP layer
    schema      Strawberry types: resolvers and domain, never services or HTTP
    api         HTTP, settings, keys, CLI: anything
    migrations  frozen once applied: nothing of the live code

Every import statement of every module is read (top level or nested), so a lazy import
inside a function counts too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("domain", "services", "resolvers", "schema", "api", "migrations")

#: package -> project packages it must not import
FORBIDDEN: dict[str, frozenset[str]] = {
    "domain": frozenset({"services", "resolvers", "schema", "api", "migrations"}),
    "services": frozenset({"resolvers", "schema", "api", "migrations"}),
    "resolvers": frozenset({"api", "migrations"}),
    "schema": frozenset({"services", "api", "migrations"}),
    "migrations": frozenset({"domain", "services", "resolvers", "schema", "api"}),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_upward(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _modules(package)
        for line, name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert wrong == []


def test_domain_imports_only_the_standard_library() -> None:
    """No driver, web or GraphQL library in the rules (nor pydantic: inputs are dataclasses)."""
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _modules("domain")
        for line, name in _imports(path)
        if (top := name.split(".")[0]) != "domain"
        and top != "__future__"
        and top not in sys.stdlib_module_names
    ]
    assert wrong == []


def test_every_project_package_is_covered() -> None:
    """A new top-level package gets a place in the table above."""
    packages = {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in {"tests", "bench"}
    }
    assert packages == set(PROJECT)
