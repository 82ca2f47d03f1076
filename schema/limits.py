"""Bounded work per GraphQL request (README "Conventions", "Query limits and cost").

Every request runs :class:`RequestLimits`, which does all its work before graphql-core's
validation rules, some of which grow with the square of a document's size (1,000 repeated
fields took 16-30 s in OverlappingFieldsCanBeMerged):

1. **parse** with graphql-core's own limits: at most ``max_length`` characters (checked
   before a character is read) and ``max_tokens`` tokens, comments included (checked as
   they are read), and no deeper nesting than the parser's recursion allows;
2. **one walk** over the parsed document (:func:`measure`) counts its field selections
   and fragment spreads, directives, aliases, the depth and the cost of the operation, and
   finds introspection fields; a document over any limit is refused with its own code,
   and neither validated nor cached;
3. **validation** of what passed; the parse, the walk and the validation of a new
   document run in one worker thread (:func:`off_loop`) so that the event loop keeps
   serving other requests; the result is cached per document text (:class:`DocumentCache`:
   only documents that passed the limits are kept, parsed, with their validation errors);
4. **execution** within ``timeout_s``: a longer operation is cancelled and answered with
   ``OPERATION_TIMEOUT`` (a mutation's open transaction is then aborted by the driver, so
   nothing of it is written; see :meth:`RequestLimits.on_execute`).

Every answer reports the cost in ``extensions.cost``: ``{"requested": N, "maximum": M}``.

The cost is a static estimate of the objects an operation may return, computed from the
document and its variables before anything runs: each field costs 1, times the product of
the sizes of the lists around it.  A field with a ``first`` or ``last`` argument (a
connection, a paged list) is a list of that many items (``DEFAULT_PAGE`` when the argument
is not given, at most ``MAX_PAGE``); any other field returning a list counts as
``DEFAULT_PAGE`` items; the ``edges`` of a connection are the connection's own page (no
second factor); fields inside introspection (``__schema``, ``__type``) count 1 each.
Fragments count where they are spread.  ``{ licenses(first: 50) { totalCount edges { node
{ number lines { lineNo } } } } }`` costs ``1 + 50 * (1 + 1 + 1 + 1 + 1 + 20 * 1) = 1251``.

Depth is the number of nested fields on the longest path: ``{ __typename }`` is 1.  The
fields under ``__schema``/``__type`` do not add to it (a standard introspection query
nests 15 levels of ``ofType``); graphql-core's MaxIntrospectionDepthRule (one of its
specified rules) bounds them instead.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from domain.access import Principal, Role
from schema import errors
from schema.relay import DEFAULT_PAGE, MAX_PAGE

#: the introspection fields that read the schema (``__typename`` is not one)
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Limits:
    """The bounds of one request (the API passes its settings)."""

    max_length: int = 20_000
    max_tokens: int = 5_000
    max_fields: int = 500
    max_directives: int = 50
    max_depth: int = 12
    max_aliases: int = 30
    max_cost: int = 500_000
    timeout_s: float = 30.0
    declarant_introspection: bool = False
    cache_size: int = 256

    def sees_schema(self, principal: Principal | None) -> bool:
        """Whether ``principal`` may introspect the schema and read suggestions ("Did you
        mean ...?") in error messages: every role but DECLARANT, unless the setting
        opens it to them too (the production profile keeps it closed)."""
        if principal is None or principal.role is not Role.DECLARANT:
            return True
        return self.declarant_introspection


# --- measuring a document -----------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """What :func:`measure` found in a document."""

    fields: int  # field selections and fragment spreads, each counted once
    directives: int
    aliases: int
    depth: int  # of the chosen operation
    cost: int  # of the chosen operation, capped at ``limit + 1``
    introspection: bool  # __schema or __type anywhere


def _page(field: FieldNode, variables: Mapping[str, Any]) -> int | None:
    """The ``first``/``last`` of a field as written (a literal or a variable's value)."""
    sizes: list[int] = []
    for argument in field.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            sizes.append(int(value.value))
        elif isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            if isinstance(given, int) and not isinstance(given, bool):
                sizes.append(given)
    return max(sizes) if sizes else None


def _factor(
    field: FieldNode,
    definition: GraphQLField | None,
    parent: GraphQLNamedType | None,
    variables: Mapping[str, Any],
) -> int:
    """How many items a field's selection is counted for (module docstring)."""
    if definition is None:
        return 1
    page = _page(field, variables)
    if page is not None or "first" in definition.args or "last" in definition.args:
        return min(max(DEFAULT_PAGE if page is None else page, 0), MAX_PAGE)
    if not isinstance(get_nullable_type(definition.type), GraphQLList):
        return 1
    in_connection = parent is not None and parent.name.endswith("Connection")
    return 1 if in_connection and field.name.value == "edges" else DEFAULT_PAGE


class _Walk:
    """Depth and cost of selections, each fragment measured once (memoised by name), so a
    document that spreads fragments into fragments costs linear time; a fragment that
    spreads itself (refused later by validation) counts 0 where it recurs.  Costs are
    capped at ``cap`` so that no number grows past what the decision needs."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        cap: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.cap = cap
        self.depths: dict[str, int] = {}
        self.costs: dict[tuple[str, bool], int] = {}
        self.open: set[object] = set()

    def depth(self, selections: SelectionSetNode | None) -> int:
        deepest = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                below = 0
                if selection.name.value not in INTROSPECTION_FIELDS:
                    below = self.depth(selection.selection_set)
                deepest = max(deepest, 1 + below)
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self._fragment_depth(selection.name.value))
        return deepest

    def cost(
        self,
        selections: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        introspection: bool = False,
    ) -> int:
        total = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                total += 1 + self._field_cost(selection, parent, introspection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = parent if condition is None else self.schema.get_type(condition.name.value)
                total += self.cost(selection.selection_set, kind, introspection)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment_cost(selection.name.value, introspection)
            if total >= self.cap:
                return self.cap
        return total

    def _field_cost(
        self, field: FieldNode, parent: GraphQLNamedType | None, introspection: bool
    ) -> int:
        """The cost of what a field selects (0 for a leaf)."""
        if field.selection_set is None:
            return 0
        fields = (
            parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        )
        definition = fields.get(field.name.value)
        inside = introspection or field.name.value in INTROSPECTION_FIELDS
        factor = 1 if inside else _factor(field, definition, parent, self.variables)
        child = None if definition is None else get_named_type(definition.type)
        return min(factor * self.cost(field.selection_set, child, inside), self.cap)

    def _fragment_depth(self, name: str) -> int:
        if name not in self.depths:
            fragment = self.fragments.get(name)
            if fragment is None or name in self.open:
                return 0
            self.open.add(name)
            self.depths[name] = self.depth(fragment.selection_set)
            self.open.discard(name)
        return self.depths[name]

    def _fragment_cost(self, name: str, introspection: bool) -> int:
        key = (name, introspection)
        if key not in self.costs:
            fragment = self.fragments.get(name)
            if fragment is None or key in self.open:
                return 0
            self.open.add(key)
            kind = self.schema.get_type(fragment.type_condition.name.value)
            self.costs[key] = self.cost(fragment.selection_set, kind, introspection)
            self.open.discard(key)
        return self.costs[key]


def _nodes(document: DocumentNode) -> Iterator[Node]:
    """Every node of the document's executable definitions (iteratively)."""
    stack: list[Node] = list(document.definitions)
    while stack:
        node = stack.pop()
        yield node
        for key in node.keys:
            value = getattr(node, key, None)
            if isinstance(value, Node):
                stack.append(value)
            elif isinstance(value, tuple | list):
                stack.extend(item for item in value if isinstance(item, Node))


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    max_cost: int,
) -> Measure:
    """One pass over ``document`` for the counts, and one walk of ``operation`` (with
    the fragments it spreads) for depth and cost."""
    fields = directives = aliases = 0
    introspection = False
    for node in _nodes(document):
        if isinstance(node, FieldNode):
            fields += 1
            aliases += node.alias is not None
            introspection = introspection or node.name.value in INTROSPECTION_FIELDS
        elif isinstance(node, FragmentSpreadNode):
            fields += 1
        elif isinstance(node, DirectiveNode):
            directives += 1
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walk = _Walk(schema, fragments, variables, max_cost + 1)
    root = schema.get_root_type(operation.operation)
    return Measure(
        fields=fields,
        directives=directives,
        aliases=aliases,
        depth=walk.depth(operation.selection_set),
        cost=walk.cost(operation.selection_set, root),
        introspection=introspection,
    )


# --- the cache of accepted documents --------------------------------------------------


class DocumentCache:
    """Documents that passed the limits, parsed, with their validation errors, by text
    (least recently used dropped first).  A refused document is never stored, so neither
    its memory nor a verdict of "valid" outlives its request."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()

    def get(self, text: str) -> tuple[DocumentNode, list[GraphQLError]] | None:
        entry = self.entries.get(text)
        if entry is not None:
            self.entries.move_to_end(text)
        return entry

    def put(self, text: str, document: DocumentNode, found: list[GraphQLError]) -> None:
        self.entries[text] = (document, found)
        self.entries.move_to_end(text)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


# --- the extension -------------------------------------------------------------------

#: The one thread that parses, measures and validates new documents.  One, not a pool:
#: CPU-bound threads share the interpreter lock with the event loop, and the loop waits
#: for it behind every such thread at each step: with four clients sending monster
#: documents, /healthz took p50 10-40 ms and p99 200-500 ms behind a pool, p50 4-8 ms
#: behind one thread (p99 70-280 ms, measured on a busy 2-core machine).  New documents
#: queue here; documents seen before come from the cache and never wait.
_DOCUMENT_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-documents")

T = TypeVar("T")


async def off_loop(work: Callable[[], T]) -> T:
    """Run ``work`` in the document worker and await its result."""
    return await asyncio.get_running_loop().run_in_executor(_DOCUMENT_WORKER, work)


class RequestLimits(SchemaExtension):
    """Parse limits, the document's measure, cached off-loop validation, the time budget
    and the cost report, for one request (a new instance per request)."""

    def __init__(self, limits: Limits, cache: DocumentCache) -> None:
        self.limits = limits
        self.cache = cache
        self.cost = 0
        self.cached: tuple[DocumentNode, list[GraphQLError]] | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        """The document from the cache, or parsed in a worker thread within the limits
        (a syntax error raised here becomes the request's error, see Schema.stream)."""
        context = self.execution_context
        query = context.query
        if query is not None:
            self.cached = self.cache.get(query)
            if self.cached is not None:
                context.graphql_document = self.cached[0]
            else:
                context.graphql_document = await off_loop(
                    partial(
                        parse,
                        query,
                        max_source_length=self.limits.max_length,
                        max_tokens=self.limits.max_tokens,
                    )
                )
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None  # parsed: strawberry validates only then
        refusal = await self._refusal(document)
        if refusal is not None:
            context.pre_execution_errors = [refusal]
        elif self.cached is not None:
            context.pre_execution_errors = self.cached[1]
        else:
            found = await off_loop(
                partial(
                    validate_document, context.schema._schema, document, context.validation_rules
                )
            )
            found = [_validation_error(e) for e in found]
            if context.query is not None:
                self.cache.put(context.query, document, found)
            context.pre_execution_errors = found
        yield

    async def _refusal(self, document: DocumentNode) -> GraphQLError | None:
        """The first limit ``document`` passes, as a request error."""
        context = self.execution_context
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        provided = getattr(context, "_provided_operation_name", None)  # strawberry's field
        if provided is None and len(operations) > 1:
            return errors.request_error(
                errors.OPERATION_NAME_REQUIRED,
                f"the document has {len(operations)} operations: name the one to run in "
                "`operationName`",
            )
        name = context.operation_name
        operation = next(
            (o for o in operations if name is None or (o.name and o.name.value == name)),
            None,
        )
        if operation is None:
            return errors.request_error(
                errors.UNKNOWN_OPERATION, f"the document has no operation named {name!r}"
            )
        limits = self.limits
        arguments = (
            context.schema._schema,
            document,
            operation,
            context.variables or {},
            limits.max_cost,
        )
        # an accepted (cached) document is small: measured here; a new one in a thread
        found = measure(*arguments) if self.cached else await off_loop(partial(measure, *arguments))
        self.cost = found.cost
        principal = getattr(context.context, "principal", None)
        checks = (
            (
                found.introspection and not limits.sees_schema(principal),
                errors.INTROSPECTION_DISABLED,
                "introspection (__schema, __type) is not available to DECLARANT keys; the "
                "schema is published as schema.graphql",
            ),
            (
                found.fields > limits.max_fields,
                errors.TOO_MANY_FIELDS,
                f"the document selects {found.fields} fields and fragments; at most "
                f"{limits.max_fields} are allowed",
            ),
            (
                found.directives > limits.max_directives,
                errors.TOO_MANY_DIRECTIVES,
                f"the document has {found.directives} directives; at most "
                f"{limits.max_directives} are allowed",
            ),
            (
                found.aliases > limits.max_aliases,
                errors.TOO_MANY_ALIASES,
                f"the document has {found.aliases} aliases; at most {limits.max_aliases} "
                "are allowed",
            ),
            (
                found.depth > limits.max_depth,
                errors.QUERY_TOO_DEEP,
                f"the operation nests {found.depth} levels of fields; at most "
                f"{limits.max_depth} are allowed",
            ),
            (
                found.cost > limits.max_cost,
                errors.QUERY_TOO_COSTLY,
                f"the operation may cost more than {limits.max_cost} (README 'Query cost'); "
                "ask for smaller pages (`first`) or fewer nested lists",
            ),
        )
        for failed, code, message in checks:
            if failed:
                return errors.request_error(code, message)
        return None

    async def on_execute(self) -> AsyncIterator[None]:
        """The time budget.  A query is cancelled.  So is a mutation: its resolvers run
        in the driver's ``with_transaction``, which aborts the open transaction when
        cancelled, so nothing of the cancelled step is written; a mutation that had
        already committed keeps its effect and its idempotency record, so resending the
        same key returns it (``replayed: true``).  A subscription lives as long as its
        client: no budget."""
        if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
            yield
            return
        seconds = self.limits.timeout_s
        try:
            async with asyncio.timeout(seconds):
                yield
        except TimeoutError:
            raise errors.request_error(
                errors.OPERATION_TIMEOUT,
                f"the operation ran longer than {seconds:g} s and was stopped; a mutation "
                "stopped before its commit wrote nothing: resend it with the same "
                "idempotency key to run it or learn its outcome",
            ) from None

    def get_results(self) -> dict[str, Any]:
        return {"cost": {"requested": self.cost, "maximum": self.limits.max_cost}}


def _validation_error(error: GraphQLError) -> GraphQLError:
    """A validation error with its code (kept if a scalar's parser gave one)."""
    if errors.code_of(error) is not None:
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": errors.GRAPHQL_VALIDATION_FAILED},
    )
