"""Every code a rule can give is declared in the schema.

A mutation turns its use case's problems into ``userErrors`` with its own code enum
(:mod:`resolvers.payloads`); a code that enum does not list fails at run time as a masked
internal error.  So the codes are read from the source of ``domain/`` and ``services/``
(no rule runs here) and each must be a value of an error-code enum:

* the code of every ``Problem(...)``: a literal, a module constant, an f-string (then a
  declared code must have its shape), a local variable assigned those;
* the code passed to a function that makes a ``Problem`` of one of its parameters
  (``_unless(ok, "INVALID_INN", ...)``), found to any depth;
* every member of a domain enum of codes (``DiscrepancyCode``: accounting refuses with
  the control findings).

Codes of an area's own modules must be declared by a mutation of that area (the licence
feed's codes by a licence mutation ...) or be its warnings; shared modules (identifier
formats, units, the idempotency runner) only by some mutation.  The rules of query
arguments (:data:`QUERY_ARGUMENT_RULES`) answer with a GraphQL error, not a user error.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest
from graphql import GraphQLEnumType

from schema.declarations.fields import DeclarationMutation
from schema.licenses.fields import LicenseMutation
from schema.payloads import PAYLOADS
from schema.permits.enums import PermitWarningCode
from schema.permits.fields import PermitMutation
from schema.root import build_schema

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "services")
CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")

#: Rules of a query's arguments: their problems become a GraphQL error of the query
#: (``INVALID_ARGUMENT``, ``INVALID_FILTER``), never a mutation's user error.
QUERY_ARGUMENT_RULES = frozenset({"check_hs_code_prefix", "check_hs_prefix_length", "check_period"})

#: Each area: its mutations (the root part), its warning codes, its modules (paths from
#: the project root; a folder covers its modules).
AREAS: dict[str, tuple[type, tuple[type[Enum], ...], tuple[str, ...]]] = {
    "licences": (
        LicenseMutation,
        (),
        ("domain/licenses.py", "services/licenses.py", "services/documents/licenses.py"),
    ),
    "declarations": (
        DeclarationMutation,
        (),
        (
            "domain/declarations.py",
            "domain/control.py",
            "domain/accounting.py",
            "services/declarations.py",
            "services/declaration_facts.py",
            "services/documents/declarations.py",
        ),
    ),
    "permits": (
        PermitMutation,
        (PermitWarningCode,),
        (
            "domain/permits/",
            "domain/customs_offices.py",
            "services/permits.py",
            "services/permit_documents.py",
            "services/customs_offices.py",
            "services/documents/permits.py",
        ),
    ),
}


@dataclass(frozen=True)
class Found:
    """A code a rule can give: exactly ``code``, or any code matching it when
    ``pattern`` (an f-string's shape)."""

    code: str
    where: str
    pattern: bool = False

    def declared_in(self, declared: set[str]) -> bool:
        if not self.pattern:
            return self.code in declared
        return any(re.fullmatch(self.code, code) for code in declared)


Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Module:
    path: str
    tree: ast.Module

    def functions(self) -> Iterator[Function]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield node


def _modules() -> list[Module]:
    return [
        Module(str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def _constants(modules: list[Module]) -> dict[str, set[str]]:
    """Module-level ``NAME = "TEXT"`` of every module, by name."""
    found: dict[str, set[str]] = {}
    for module in modules:
        for node in module.tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(
                node.value, ast.Constant
            ):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        found.setdefault(target.id, set()).add(node.value.value)
    return found


def _params(function: Function) -> list[str]:
    args = function.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _argument(call: ast.Call, function: Function, param: str) -> ast.expr | None:
    """The expression ``call`` passes as ``param`` of ``function``."""
    for keyword in call.keywords:
        if keyword.arg == param:
            return keyword.value
    params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    if isinstance(call.func, ast.Attribute) and params[:1] in (["self"], ["cls"]):
        params = params[1:]
    if param in params and params.index(param) < len(call.args):
        arg = call.args[params.index(param)]
        return None if isinstance(arg, ast.Starred) else arg
    return None


class Collector:
    """The codes that ``domain/`` and ``services/`` can put in a ``Problem``."""

    def __init__(self, modules: list[Module]) -> None:
        self.modules = modules
        self.constants = _constants(modules)
        self.functions = [(m, f) for m in modules for f in m.functions()]
        #: function name -> (its definition, the parameter that becomes a code)
        self.makers: dict[str, list[tuple[Function, str]]] = {"Problem": []}
        self.found: list[Found] = []
        self.unresolved: list[str] = []
        self._find_makers()

    def _sinks(self, function: Function) -> Iterator[tuple[ast.Call, ast.expr]]:
        """Each call in ``function`` that makes a Problem, with its code expression."""
        for node in ast.walk(function):
            if not isinstance(node, ast.Call) or (name := _callee(node)) not in self.makers:
                continue
            if name == "Problem":
                code = node.args[0] if node.args else None
                code = next((k.value for k in node.keywords if k.arg == "code"), code)
                if code is not None:
                    yield node, code
                continue
            for definition, param in self.makers[name]:
                if (arg := _argument(node, definition, param)) is not None:
                    yield node, arg

    def _find_makers(self) -> None:
        """Functions that make a Problem whose code is one of their parameters."""
        changed = True
        while changed:
            changed = False
            for _, function in self.functions:
                params = _params(function)
                for _, code in self._sinks(function):
                    if isinstance(code, ast.Name) and code.id in params:
                        entry = (function, code.id)
                        if entry not in self.makers.setdefault(function.name, []):
                            self.makers[function.name].append(entry)
                            changed = True

    def collect(self) -> list[Found]:
        for module, function in self.functions:
            params = _params(function)
            if function.name in QUERY_ARGUMENT_RULES:
                continue
            for call, code in self._sinks(function):
                where = f"{module.path}:{call.lineno}"
                self._resolve(code, function, params, where)
        self._code_enums()
        return self.found

    def _resolve(self, expr: ast.expr, function: Function, params: list[str], where: str) -> None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            self.found.append(Found(expr.value, where))
        elif isinstance(expr, ast.JoinedStr):
            shape = "".join(
                re.escape(str(part.value)) if isinstance(part, ast.Constant) else "[A-Z0-9_]*"
                for part in expr.values
            )
            self.found.append(Found(shape, where, pattern=True))
        elif isinstance(expr, ast.IfExp):
            for branch in (expr.body, expr.orelse):
                self._resolve(branch, function, params, where)
        elif isinstance(expr, ast.Attribute):
            pass  # a problem's or an enum member's code: made (and read) elsewhere
        elif isinstance(expr, ast.Name):
            if expr.id in params:
                return  # the callers pass it: read at their calls
            values = [
                node.value
                for node in ast.walk(function)
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)
            ]
            for value in values:
                self._resolve(value, function, params, where)
            for text in self.constants.get(expr.id, set()) if not values else set():
                self.found.append(Found(text, where))
            if not values and expr.id not in self.constants:
                self.unresolved.append(f"{where}: {expr.id}")
        else:
            self.unresolved.append(f"{where}: {ast.unparse(expr)}")

    def _code_enums(self) -> None:
        """Every member of a domain enum of codes (``class DiscrepancyCode(StrEnum)``)."""
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.ClassDef) and node.name.endswith("Code"):
                    for statement in node.body:
                        if (
                            isinstance(statement, ast.Assign)
                            and isinstance(statement.value, ast.Constant)
                            and isinstance(statement.value.value, str)
                        ):
                            where = f"{module.path}:{statement.lineno} ({node.name})"
                            self.found.append(Found(statement.value.value, where))


@pytest.fixture(scope="module")
def found() -> tuple[list[Found], list[str]]:
    collector = Collector(_modules())
    return collector.collect(), collector.unresolved


def _schema_codes() -> set[str]:
    """The values of every error-code (and warning-code) enum of the schema."""
    schema = build_schema()._schema
    return {
        value
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLEnumType) and name.endswith(("ErrorCode", "WarningCode"))
        for value in type_.values
    }


def _mutation_codes(part: type) -> set[str]:
    """The codes of the mutations of an area's root part."""
    codes: set[str] = set()
    for field in part.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        enum: type[Enum] = PAYLOADS[field.type].codes
        codes |= {member.name for member in enum}
    return codes


def test_the_collector_finds_the_codes(found: tuple[list[Found], list[str]]) -> None:
    """The reading of the source works: well-known codes of each kind are found, and
    every code expression could be read (else say which codes it can have)."""
    codes, unresolved = found
    exact = {f.code for f in codes if not f.pattern}
    assert {"REQUIRED", "INVALID_INN", "LICENSE_NOT_FOUND", "MESSAGE_ID_REUSED"} <= exact
    assert {"IDEMPOTENCY_KEY_REUSED", "LICENCE_UNKNOWN", "QUANTITY_BELOW_ACCOUNTED"} <= exact
    assert any(f.pattern for f in codes)
    assert unresolved == [], "use a literal code, a constant or a parameter"


def test_every_code_a_rule_gives_is_declared(found: tuple[list[Found], list[str]]) -> None:
    declared = _schema_codes()
    missing = sorted({f"{f.code} ({f.where})" for f in found[0] if not f.declared_in(declared)})
    assert missing == [], "add these codes to the error-code enum of the mutations giving them"


@pytest.mark.parametrize("area", sorted(AREAS))
def test_an_areas_codes_are_declared_by_its_mutations(
    area: str, found: tuple[list[Found], list[str]]
) -> None:
    part, warnings, paths = AREAS[area]
    declared = _mutation_codes(part) | {member.name for enum in warnings for member in enum}
    own = [f for f in found[0] if f.where.split(":")[0].startswith(paths)]
    assert own, f"no code found in {paths}: is the table of areas current?"
    missing = sorted({f"{f.code} ({f.where})" for f in own if not f.declared_in(declared)})
    assert missing == [], f"declare these codes in the {area} mutations' enums"


def test_a_new_problem_code_is_caught() -> None:
    """A rule giving an undeclared code makes the check fail."""
    source = (
        "def _unless(ok, code, message):\n"
        "    return [] if ok else [Problem(code, message)]\n"
        "def check(x):\n"
        "    problems = _unless(x, 'BRAND_NEW_CODE', 'new')\n"
        "    code = 'OTHER_NEW_CODE' if x else KEY\n"
        "    return problems + [Problem(code, 'm'), Problem(f'{x}NEW_SHAPE', 'm')]\n"
        "KEY = 'CONSTANT_CODE'\n"
    )
    collector = Collector([Module("domain/new.py", ast.parse(source))])
    found = collector.collect()
    assert {f.code for f in found} == {
        "BRAND_NEW_CODE",
        "OTHER_NEW_CODE",
        "CONSTANT_CODE",
        "[A-Z0-9_]*NEW_SHAPE",
    }
    assert collector.unresolved == []
    assert [f.code for f in found if not f.declared_in(_schema_codes())] != []
