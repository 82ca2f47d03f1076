"""Lists of inputs cut at their bound before they are read (issue 9, :mod:`domain.limits`).

graphql-core coerces every element of a variable and Strawberry converts each into its
input class before any resolver runs: about 80 microseconds an element, so a licence of
10,000 lines cost most of a second before the rules could count them.  This extension
runs before that (``on_execute``, ahead of the coercion of the variables) and cuts every
list of bounded input objects found in the variables to its bound plus one element.  A
list within its bound is never touched; a longer one is refused anyway by the rule that
counts it (``TOO_MANY_ITEMS`` with the path of its field, as a user error), which only
needs to see that it has more than its bound.  So the refusal is the same, and its cost
no longer grows with the list.

The bounds are those of the rules (:data:`BOUNDS`, by input type: every list of input
objects in the schema has one, ``tests/test_input_bounds.py`` checks it); a list of
scalars or enums costs little to coerce and is counted by the rules alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    type_from_ast,
)
from strawberry.extensions import SchemaExtension

from domain.limits import (
    MAX_DECLARATION_ITEMS,
    MAX_DOCUMENT_AMENDMENTS,
    MAX_IDENTIFICATION_METHODS,
    MAX_LICENSE_LINES,
    MAX_OTHER_QUANTITIES,
    MAX_PROCESSING_ORGANISATIONS,
    MAX_ROW_CUSTOMS_OFFICES,
    MAX_TABLE_ROWS,
    MAX_TRADE_DOCUMENTS,
    MAX_YIELD_NORMS,
)

#: Input type name -> the most elements a list of it may have (the rules' bound).
BOUNDS: dict[str, int] = {
    "LicenseLineInput": MAX_LICENSE_LINES,
    "DeclarationItemInput": MAX_DECLARATION_ITEMS,
    "TradeDocumentInput": MAX_TRADE_DOCUMENTS,
    "PermitDocumentRefInput": MAX_DOCUMENT_AMENDMENTS,
    "PermitGoodsRowInput": MAX_TABLE_ROWS,
    "OtherQuantityInput": MAX_OTHER_QUANTITIES,
    "PermitCustomsOfficeRefInput": MAX_ROW_CUSTOMS_OFFICES,
    "YieldNormInput": MAX_YIELD_NORMS,
    "IdentificationInput": MAX_IDENTIFICATION_METHODS,
    "ProcessingOrganisationInput": MAX_PROCESSING_ORGANISATIONS,
}


def cut(value: Any, type_: GraphQLInputType) -> Any:
    """``value`` (a raw variable value of ``type_``) with every list of a bounded input
    type cut to its bound plus one; what is not of the expected shape is left for the
    coercion to refuse."""
    nullable = get_nullable_type(type_)
    if isinstance(nullable, GraphQLList):
        item: GraphQLInputType = nullable.of_type
        if not isinstance(get_named_type(item), GraphQLInputObjectType):
            return value
        if not isinstance(value, list):
            return cut(value, item)  # one value stands for a list of one
        bound = BOUNDS.get(get_named_type(item).name)
        if bound is not None and len(value) > bound + 1:
            value = value[: bound + 1]
        return [cut(element, item) for element in value]
    if isinstance(nullable, GraphQLInputObjectType) and isinstance(value, dict):
        fields = nullable.fields
        return {k: cut(v, fields[k].type) if k in fields else v for k, v in value.items()}
    return value


def cut_variables(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: dict[str, Any],
) -> dict[str, Any]:
    """The variables of the operation with their bounded lists cut (:func:`cut`)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return variables
    cut_values = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if name in cut_values and type_ is not None:
            cut_values[name] = cut(cut_values[name], type_)  # type: ignore[arg-type]
    return cut_values


class InputListBounds(SchemaExtension):
    """Cut the bounded lists of the variables before they are coerced (see the module)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.variables and context.graphql_document is not None:
            context.variables = cut_variables(
                context.schema._schema,
                context.graphql_document,
                context.operation_name,
                context.variables,
            )
        yield
