"""Fuzz the API over HTTP: schema-valid documents for every root field, and garbage.

    uv run python bench/fuzz.py [--cases 5000] [--seed 0]

It starts the embedded database (SecantusDB) in a temporary folder, migrates it, creates
one key of each role (OFFICER, DECLARANT, ANALYST, INTEGRATOR) and starts the API as a
real uvicorn process (``customs-api serve``, rate limit off).  Then it sends ``--cases``
cases, one at a time, the keys taking turns, drawn by hypothesis from:

* ``hypothesis_graphql.queries`` / ``mutations`` for each root field of
  ``schema.graphql`` on its own (so every field is reached), the custom scalars drawn
  half well-formed, half arbitrary text;
* each root field called through variables (``query($a: T!) { f(a: $a) ... }``) with
  random JSON as the variables;
* random text as the query, and random bytes or JSON values as the whole body.

It counts HTTP statuses and GraphQL ``extensions.code`` values.  A FAILURE is an HTTP
5xx, an answer that is not JSON, a transport error, or an error whose message is
"Unexpected error." or whose code is ``INTERNAL_SERVER_ERROR``.  It prints a summary and
the first failures (query, variables, answer) and exits 1 on any.  Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import graphql
import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import NonInteractiveExampleWarning
from hypothesis_graphql import mutations, nodes, queries

from api.auth import create_api_key
from api.db import CODEC_OPTIONS, make_client
from domain.access import Role
from migrations.runner import migrate
from tests.support.accounting import Processes, api_env, in_temporary_folder
from tests.support.api import HOLDER_INN, START

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema.graphql"
SHOWN_FAILURES = 5
Json = Any
FIRST_DAY, LAST_DAY = date(1991, 1, 1), date(2100, 12, 31)  # the dates the API accepts


@dataclass
class Case:
    """One request: a GraphQL payload, or a raw body."""

    kind: str  # "query:<field>", "mutation:<field>", "variables:<field>", "garbage:..."
    payload: dict[str, Json] | None = None
    raw: bytes | None = None


@dataclass
class Failure:
    case: Case
    role: Role
    reason: str
    answer: str


@dataclass
class Tally:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)


# --- strategies -----------------------------------------------------------------------


def _text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(max_size=max_size)


def custom_scalars() -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Value nodes for the custom scalars: well-formed half the time, arbitrary text else."""
    well_formed: dict[str, st.SearchStrategy[str]] = {
        "CustomsOfficeCode": st.from_regex(r"\A[0-9]{8}\Z"),
        "Date": st.dates(FIRST_DAY, LAST_DAY).map(lambda d: d.isoformat()),
        "DateTime": st.datetimes(
            datetime.combine(FIRST_DAY, datetime.min.time()),
            datetime.combine(LAST_DAY, datetime.min.time()),
            timezones=st.just(UTC),
        ).map(lambda d: d.isoformat()),
        "Decimal": st.decimals(-(10**6), 10**9, allow_nan=False, places=3).map(str),
        "HsCode": st.from_regex(r"\A[0-9]{4,10}\Z"),
        "Inn": st.sampled_from([HOLDER_INN, "500100732259", "7707083894"]),
    }
    scalars: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
        name: st.one_of(good, _text()).map(nodes.String) for name, good in well_formed.items()
    }
    scalars["JSON"] = st.one_of(
        _text().map(nodes.String), st.integers(-(2**31), 2**31 - 1).map(nodes.Int)
    )
    return scalars


def json_values() -> st.SearchStrategy[Json]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text()
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text(12), inner, max_size=4),
        max_leaves=20,
    )


def with_variables(schema: graphql.GraphQLSchema, operation: str, name: str) -> str | None:
    """``operation($a: T) { name(a: $a) { __typename } }``, every argument a variable."""
    root = schema.query_type if operation == "query" else schema.mutation_type
    assert root is not None
    root_field = root.fields[name]
    if not root_field.args:
        return None
    declared = ", ".join(f"${arg}: {kind}" for arg, kind in _arg_types(root_field))
    passed = ", ".join(f"{arg}: ${arg}" for arg in root_field.args)
    leaf = graphql.is_leaf_type(graphql.get_named_type(root_field.type))
    selection = "" if leaf else " { __typename }"
    return f"{operation} Fuzz({declared}) {{ {name}({passed}){selection} }}"


def _arg_types(root_field: graphql.GraphQLField) -> Iterator[tuple[str, str]]:
    for arg, definition in root_field.args.items():
        yield arg, str(definition.type)


def _document_case(kind: str) -> Callable[[str], Case]:
    return lambda query: Case(kind, {"query": query})


def _variables_case(kind: str, document: str) -> Callable[[dict[str, Json]], Case]:
    return lambda variables: Case(kind, {"query": document, "variables": variables})


def cases(schema_sdl: str) -> st.SearchStrategy[Case]:
    schema = graphql.build_schema(schema_sdl)
    scalars = custom_scalars()
    generated: list[st.SearchStrategy[Case]] = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        make = queries if operation == "query" else mutations
        for name in root.fields:
            documents = make(schema, fields=[name], custom_scalars=scalars, allow_x00=True)
            generated.append(documents.map(_document_case(f"{operation}:{name}")))
            document = with_variables(schema, operation, name)
            if document is not None:
                names = _text(12) | st.sampled_from(list(root.fields[name].args))
                variables = st.dictionaries(names, json_values(), max_size=4)
                generated.append(variables.map(_variables_case(f"variables:{name}", document)))
    garbage: list[st.SearchStrategy[Case]] = [
        _text(200).map(lambda q: Case("garbage:query text", {"query": q})),
        st.builds(
            lambda q, v: Case("garbage:text and variables", {"query": q, "variables": v}),
            _text(200),
            json_values(),
        ),
        st.binary(max_size=200).map(lambda b: Case("garbage:body bytes", raw=b)),
        json_values().map(lambda v: Case("garbage:body json", raw=json.dumps(v).encode())),
        st.fixed_dictionaries(
            {},
            optional={
                "query": json_values(),
                "variables": json_values(),
                "operationName": json_values(),
                "extensions": json_values(),
            },
        ).map(lambda p: Case("garbage:payload fields", raw=json.dumps(p).encode())),
    ]
    # the schema's fields weigh as much as their count; the garbage as much as ten of them
    return st.one_of(*generated, *(garbage * 2))


# --- sending --------------------------------------------------------------------------


def judge(response: httpx.Response, tally: Tally) -> tuple[str, str] | None:
    """Count the answer; (reason, answer text) when it is a failure."""
    tally.statuses[response.status_code] += 1
    text = response.text
    try:
        body = response.json()
    except ValueError:
        return "not JSON", text[:2000]
    errors = body.get("errors") if isinstance(body, dict) else None
    reasons: list[str] = []
    if response.status_code >= 500:
        reasons.append(f"HTTP {response.status_code}")
    for error in errors or []:
        code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
        tally.codes[str(code) if code is not None else "(no code)"] += 1
        message = error.get("message") if isinstance(error, dict) else None
        if message == "Unexpected error." or code == "INTERNAL_SERVER_ERROR":
            reasons.append(f"{code}: {message}")
    if not errors:
        tally.codes["(no errors)"] += 1
    return ("; ".join(reasons), text[:2000]) if reasons else None


def send(http: httpx.Client, case: Case, key: str) -> httpx.Response:
    headers = {"x-api-key": key, "content-type": "application/json"}
    if case.raw is not None:
        return http.post("/graphql", content=case.raw, headers=headers)
    return http.post("/graphql", content=json.dumps(case.payload).encode(), headers=headers)


def fuzz(
    http: httpx.Client, keys: list[tuple[Role, str]], args: argparse.Namespace, tally: Tally
) -> None:
    turns = itertools.cycle(keys)
    strategy = cases(SCHEMA_PATH.read_text())

    @settings(
        max_examples=args.cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(case=strategy)
    def one(case: Case) -> None:
        role, key = next(turns)
        tally.sent += 1
        tally.kinds[case.kind.split(":")[0]] += 1
        tally.kinds[case.kind] += 1
        try:
            verdict = judge(send(http, case, key), tally)
        except httpx.HTTPError as exc:
            tally.statuses[0] += 1
            verdict = ("transport error", f"{type(exc).__name__}: {exc}")
        if verdict is not None:
            tally.failures.append(Failure(case, role, *verdict))

    if args.seed is not None:
        one = hypothesis_seed(args.seed)(one)
    one()


def report(tally: Tally, schema: graphql.GraphQLSchema, seconds: float) -> None:
    print(f"\n{tally.sent} cases in {seconds:.1f} s ({tally.sent / seconds:.0f}/s)")
    groups = {k: n for k, n in tally.kinds.items() if ":" not in k}
    print("by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(groups.items())))
    missed = [
        f"{op}:{name}"
        for op, root in (("query", schema.query_type), ("mutation", schema.mutation_type))
        if root is not None
        for name in root.fields
        if tally.kinds[f"{op}:{name}"] == 0
    ]
    reached = len({k for k in tally.kinds if k.startswith(("query:", "mutation:"))})
    print(f"root fields reached by generated documents: {reached}"
          f"{'; never: ' + ', '.join(missed) if missed else ' (all)'}")  # fmt: skip
    print("HTTP statuses: " + ", ".join(f"{s or 'transport error'} x{n}"
                                        for s, n in tally.statuses.most_common()))  # fmt: skip
    print("GraphQL error codes:")
    for code, count in tally.codes.most_common():
        print(f"  {code:<32}{count:>7}")
    print(f"FAILURES: {len(tally.failures)}")
    for failure in tally.failures[:SHOWN_FAILURES]:
        case = failure.case
        print(f"\n--- {failure.reason} ({case.kind}, {failure.role.value} key)")
        if case.raw is not None:
            print(f"body: {case.raw[:2000]!r}")
        else:
            assert case.payload is not None
            print(f"query: {str(case.payload.get('query'))[:2000]}")
            print(f"variables: {json.dumps(case.payload.get('variables'))[:2000]}")
        print(f"answer: {failure.answer}")


async def run(args: argparse.Namespace, processes: Processes, folder: Path) -> int:
    server = processes.embedded(folder / "db")
    uri = server.start()
    name = f"fuzz_{uuid.uuid4().hex[:8]}"
    client = make_client(uri)
    try:
        db = client.get_database(name, codec_options=CODEC_OPTIONS)
        await migrate(db)
        keys = [
            (
                role,
                await create_api_key(
                    db,
                    name=f"fuzz {role.value}",
                    role=role,
                    inn=HOLDER_INN if role is Role.DECLARANT else None,
                    now=START,
                ),
            )
            for role in (Role.OFFICER, Role.DECLARANT, Role.ANALYST, Role.INTEGRATOR)
        ]
    finally:
        await client.close()
    api = processes.start_api(api_env(mongodb_uri=uri, database=name), folder / "api.log")
    print(f"API at {api.base_url}; {args.cases} cases, seed {args.seed}")
    tally = Tally()
    began = time.monotonic()
    with httpx.Client(base_url=api.base_url, timeout=120) as http:
        await asyncio.to_thread(fuzz, http, keys, args, tally)
    seconds = time.monotonic() - began
    report(tally, graphql.build_schema(SCHEMA_PATH.read_text()), seconds)
    if api.process.poll() is not None:
        print(f"\nthe API process has exited; its log ends with:\n{api.output()}")
        return 1
    return 1 if tally.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5000, help="cases to send")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed")
    args = parser.parse_args()
    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
    return asyncio.run(in_temporary_folder("bench-fuzz-", lambda p, f: run(args, p, f)))


if __name__ == "__main__":
    sys.exit(main())
