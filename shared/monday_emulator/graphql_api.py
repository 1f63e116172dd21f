"""The GraphQL side: monday's schema, documents parsed and validated once, their variables and arguments, and
execution with graphql-core's own executor over the resolvers (so every answer has exactly the schema's shape,
aliases, fragments and errors included).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    execute,
    parse,
    validate,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from .complexity import Cost
from .resolvers import RequestContext, column_value_type, resolve

# monday's 2026-07 schema reduced to what the emulator serves (scripts/reduce_monday_schema.py makes it).
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SCHEMA_FILE = SCHEMA_DIR / "monday-2026-07.graphql"


class SchemaNotFound(FileNotFoundError):
    """The monday schema file the emulator validates against is missing."""


class RequestRejected(Exception):
    """A document that cannot run: parse, validation or variable errors, already in monday's shape."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors[0]["message"] if errors else "invalid request")
        self.errors = errors


@functools.lru_cache(maxsize=4)
def load_schema(path: Path) -> GraphQLSchema:
    if not path.is_file():
        raise SchemaNotFound(f"monday API schema not found at {path} (folder {path.parent}); the emulator's "
                             f"own copy is {SCHEMA_FILE.name} in {SCHEMA_DIR}")
    return build_schema(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Operation:
    """One validated operation of a document."""

    document: DocumentNode
    definition: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    name: str | None
    is_mutation: bool
    fields: tuple[FieldNode, ...]  # top-level fields other than complexity, in document order

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple((f.alias or f.name).value for f in self.fields)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name.value for f in self.fields)


@dataclass(frozen=True)
class Variables:
    raw: dict[str, Any]  # as the request sent them (the executor coerces them again)
    coerced: VariableValues


class MondayGraphQL:
    def __init__(self, schema_file: Path | None = None):
        self.schema = load_schema(Path(schema_file) if schema_file else SCHEMA_FILE)
        self._documents: dict[str, DocumentNode | list[dict]] = {}

    def operation(self, query: str, operation_name: str | None) -> Operation:
        document = self._validated(query)
        definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name:
            definitions = [d for d in definitions if d.name and d.name.value == operation_name]
        if len(definitions) != 1:
            problem = (f'Unknown operation named "{operation_name}".' if operation_name else
                       "Must provide operation name if query contains multiple operations.")
            raise RequestRejected([_formatted(GraphQLError(problem), "GRAPHQL_VALIDATION_FAILED")])
        definition = definitions[0]
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        fields = tuple(s for s in definition.selection_set.selections
                       if isinstance(s, FieldNode) and s.name.value not in ("complexity", "__typename"))
        return Operation(document, definition, fragments, definition.name.value if definition.name else None,
                         definition.operation == OperationType.MUTATION, fields)

    def variables(self, operation: Operation, raw: Any) -> Variables:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            problem = GraphQLError("variables must be a JSON object")
            raise RequestRejected([_formatted(problem, "BAD_USER_INPUT")])
        coerced = get_variable_values(self.schema, operation.definition.variable_definitions or (), raw)
        if isinstance(coerced, list):
            raise RequestRejected([_formatted(e, "BAD_USER_INPUT") for e in coerced])
        return Variables(raw, coerced)

    def arguments(self, operation: Operation, node: FieldNode, variables: Variables) -> dict[str, Any]:
        root = self.schema.mutation_type if operation.is_mutation else self.schema.query_type
        return get_argument_values(root.fields[node.name.value], node, variables.coerced)

    def cost(self, operation: Operation, variables: Variables) -> int:
        root = self.schema.mutation_type if operation.is_mutation else self.schema.query_type
        estimate = Cost(self.schema, operation.fragments, variables.coerced)
        return estimate.selection(operation.definition.selection_set, root, 1)

    async def execute(self, operation: Operation, variables: Variables,
                      context: RequestContext) -> ExecutionResult:
        result = execute(self.schema, operation.document, root_value=None, context_value=context,
                         variable_values=variables.raw, operation_name=operation.name,
                         field_resolver=resolve, type_resolver=column_value_type)
        return await result if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future) else result

    def _validated(self, query: str) -> DocumentNode:
        cached = self._documents.get(query)
        if cached is None:
            try:
                document = parse(query)
            except GraphQLError as exc:
                cached = [_formatted(exc, "GRAPHQL_PARSE_FAILED")]
            else:
                errors = validate(self.schema, document)
                cached = [_formatted(e, "GRAPHQL_VALIDATION_FAILED") for e in errors] if errors else document
            if len(self._documents) > 1024:
                self._documents.clear()
            self._documents[query] = cached
        if isinstance(cached, list):
            raise RequestRejected(cached)
        return cached


def _formatted(error: GraphQLError, code: str) -> dict:
    formatted = error.formatted
    formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
    return formatted

