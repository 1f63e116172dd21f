"""The GraphQL side: monday's real schema, documents parsed and validated once, a static complexity estimate,
and the resolvers that answer from :class:`AccountState` with graphql-core's own executor (so every answer has
exactly the schema's shape, aliases, fragments and errors included).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    build_schema,
    execute,
    get_named_type,
    get_nullable_type,
    parse,
    validate,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from .api_errors import MondayApiError
from .board_state import AccountState, Board, Column, Group, Item
from .column_values import COLUMN_VALUE_TYPENAMES, EMPTY, StoredValue

SCHEMA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "monday"
SCHEMA_FILE = SCHEMA_DIR / "schema-2026-07.graphql"
PAGE_LIMIT_MAX = 500
ITEMS_IDS_MAX = 100
CURSOR_LIFETIME = 3600.0  # monday keeps an items_page cursor for 60 minutes
QUERY_COMPLEXITY_MAX = 5_000_000
# Complexity charged per mutation field (its selection is charged on top, like any read).
MUTATION_COSTS = {"create_item": 30_000, "create_subitem": 30_000, "create_group": 10_000,
                  "change_multiple_column_values": 10_000, "delete_item": 10_000, "archive_item": 10_000}
# How many elements a list field is assumed to return when its arguments do not say.
_DEFAULT_FANOUT = {"boards": 25, "items": 25, "columns": 20, "column_values": 20, "groups": 10,
                   "subitems": 10}


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
        raise SchemaNotFound(f"monday API schema not found at {path}; the emulator needs the read-only "
                             f"folder {path.parent} (the project's sibling shared/monday/)")
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
        estimate = _Cost(self.schema, operation.fragments, variables.coerced)
        return estimate.selection(operation.definition.selection_set, root, 1)

    async def execute(self, operation: Operation, variables: Variables,
                      context: RequestContext) -> ExecutionResult:
        result = execute(self.schema, operation.document, root_value=None, context_value=context,
                         variable_values=variables.raw, operation_name=operation.name,
                         field_resolver=_resolve, type_resolver=_column_value_type)
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


# -- complexity ----------------------------------------------------------------------------------------------

@dataclass
class _Cost:
    """1 point per field, times how many of its parent the query may return; mutations add MUTATION_COSTS."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: VariableValues

    def selection(self, selection_set: SelectionSetNode, parent: GraphQLObjectType, times: int,
                  page_limit: int | None = None) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                fragment_type = self._type(fragment, parent)
                total += self.selection(fragment.selection_set, fragment_type, times, page_limit)
            elif isinstance(node, InlineFragmentNode):
                total += self.selection(node.selection_set, self._type(node, parent), times, page_limit)
            elif node.name.value not in ("complexity", "__typename"):
                total += self.field(node, parent, times, page_limit)
        return total

    def field(self, node: FieldNode, parent: GraphQLObjectType, times: int, page_limit: int | None) -> int:
        definition = parent.fields[node.name.value]
        args = get_argument_values(definition, node, self.variables)
        cost = times + (MUTATION_COSTS.get(node.name.value, 0) if parent is self.schema.mutation_type else 0)
        if node.selection_set is None:
            return cost
        child_limit = args.get("limit") if "items_page" in node.name.value else None
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            ids = args.get("ids")
            times *= max(1, page_limit or (len(ids) if ids else None) or args.get("limit")
                         or _DEFAULT_FANOUT.get(node.name.value, 10))
        return cost + self.selection(node.selection_set, get_named_type(definition.type), times, child_limit)

    def _type(self, fragment, parent):
        condition = fragment.type_condition
        return self.schema.get_type(condition.name.value) if condition else parent


# -- resolving -----------------------------------------------------------------------------------------------

@dataclass
class FailAlias:
    """A fault: the mutation under ``alias`` fails with this error instead of being applied."""

    alias: str
    error: MondayApiError


class CursorStore:
    """Server-side items_page cursors: the ids still to hand out, for CURSOR_LIFETIME seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._pages: dict[str, tuple[list[str], float]] = {}

    def page(self, state: AccountState, ids: Sequence[str], limit: object) -> dict:
        size = _page_limit(limit)
        now = self.clock()
        self._pages = {c: p for c, p in self._pages.items() if p[1] > now}
        items = state.visible(ids[:size])
        rest = list(ids[size:])
        cursor = None
        if rest:
            cursor = f"MSw5NjA5MzE3NDAxLHh{secrets.token_urlsafe(24)}"
            self._pages[cursor] = (rest, now + CURSOR_LIFETIME)
        return {"cursor": cursor, "items": items}

    def next_page(self, state: AccountState, cursor: str, limit: object) -> dict:
        entry = self._pages.pop(cursor, None)
        if entry is None or entry[1] <= self.clock():
            raise MondayApiError("CursorException", "The cursor is invalid or has expired (cursors live 60 "
                                 "minutes)", status_code=400, error_data={"cursor": cursor[:40]})
        return self.page(state, entry[0], limit)


@dataclass
class RequestContext:
    state: AccountState
    cursors: CursorStore
    complexity: dict
    latency: float = 0.0
    fail_alias: FailAlias | None = None
    applied: list[str] = field(default_factory=list)  # mutation fields that took effect, in order


def _resolve(source: Any, info, **args) -> Any:
    resolver = _RESOLVERS.get((info.parent_type.name, info.field_name))
    if resolver is not None:
        return resolver(source, info, **args)
    if isinstance(source, Mapping):
        return source.get(info.field_name)
    if info.field_name in _PLAIN_FIELDS.get(type(source), ()):
        return getattr(source, info.field_name)
    raise MondayApiError("NotEmulated", f"{info.parent_type.name}.{info.field_name} is not emulated",
                         status_code=501)


def _column_value_type(value: Any, info, abstract_type) -> str:
    return value["__typename"]


def _page_limit(limit: object) -> int:
    if not isinstance(limit, int) or not 1 <= limit <= PAGE_LIMIT_MAX:
        raise MondayApiError("InvalidArgumentException", f"limit must be between 1 and {PAGE_LIMIT_MAX}",
                             status_code=400, error_data={"limit": limit})
    return limit


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _query_boards(_, info, ids=None, limit=None, page=None, **__):
    boards = info.context.state.boards
    if ids:
        return [boards[str(i)] for i in ids if str(i) in boards]
    size, start = limit or 25, ((page or 1) - 1) * (limit or 25)
    return list(boards.values())[start:start + size]


def _query_items(_, info, ids=None, limit=None, exclude_nonactive=None, **__):
    if ids and len(ids) > ITEMS_IDS_MAX:
        raise MondayApiError("InvalidArgumentException", f"items(ids:) takes at most {ITEMS_IDS_MAX} ids",
                             status_code=400, error_data={"ids": len(ids)})
    items = info.context.state.visible(ids or [])
    if exclude_nonactive:
        items = [i for i in items if i.state == "active"]
    return items[:limit or 25]


def _items_page(board: Board, info, limit=25, cursor=None, query_params=None, **__):
    context = info.context
    if cursor:
        return context.cursors.next_page(context.state, cursor, limit)
    items = context.state.board_items(board.id)
    if query_params:
        items = _filtered(board, items, query_params)
    return context.cursors.page(context.state, [i.id for i in items], limit)


def _group_items_page(group: Group, info, limit=25, cursor=None, **__):
    context = info.context
    if cursor:
        return context.cursors.next_page(context.state, cursor, limit)
    board = next(b for b in context.state.boards.values() if b.groups.get(group.id) is group)
    ids = [i.id for i in context.state.board_items(board.id, group_id=group.id)]
    return context.cursors.page(context.state, ids, limit)


def _filtered(board: Board, items: list[Item], params: Mapping) -> list[Item]:
    unsupported = sorted(k for k, v in params.items() if v and k not in ("ids", "rules", "operator"))
    if unsupported:
        raise MondayApiError("NotEmulated", f"items_page query_params {', '.join(unsupported)} are not "
                             f"emulated", status_code=501)
    if params.get("ids"):
        wanted = {str(i) for i in params["ids"]}
        items = [i for i in items if i.id in wanted]
    rules = params.get("rules") or []
    checks = [_rule(board, rule) for rule in rules]
    combine = any if params.get("operator") == "or" else all
    return [i for i in items if combine(check(i) for check in checks)] if checks else items


def _rule(board: Board, rule: Mapping) -> Callable[[Item], bool]:
    column_id, operator = str(rule["column_id"]), rule.get("operator") or "any_of"
    if column_id != "name" and column_id not in board.columns:
        raise MondayApiError("InvalidColumnIdException", "This column ID doesn't exist for the board",
                             error_data={"column_id": column_id})
    compare = rule.get("compare_value")
    wanted = {str(v) for v in (compare if isinstance(compare, list) else [compare])}
    tests = {"any_of": lambda text: text in wanted, "not_any_of": lambda text: text not in wanted,
             "is_empty": lambda text: text == "", "is_not_empty": lambda text: text != ""}
    if operator not in tests:
        raise MondayApiError("NotEmulated", f"items_page rule operator {operator} is not emulated",
                             status_code=501)
    test = tests[operator]
    return lambda item: test(_text_of(item, column_id))


def _text_of(item: Item, column_id: str) -> str:
    return item.name if column_id == "name" else (item.values.get(column_id) or EMPTY).text


def _items_by_column_values(_, info, board_id, columns=None, limit=25, cursor=None, **__):
    context = info.context
    if cursor:
        return context.cursors.next_page(context.state, cursor, limit)
    board = context.state.board(board_id)
    now = context.state.clock()
    items = [i for i in context.state.board_items(board.id) if i.indexed_at <= now]  # the search index lags
    for condition in columns or []:
        column_id = condition["column_id"]
        if column_id != "name" and column_id not in board.columns:
            raise MondayApiError("InvalidColumnIdException", "This column ID doesn't exist for the board",
                                 error_data={"column_id": column_id})
        wanted = {str(v) for v in condition["column_values"] if v is not None}
        items = [i for i in items if _text_of(i, column_id) in wanted]
    return context.cursors.page(context.state, [i.id for i in items], limit)


def _next_items_page(_, info, cursor, limit):
    return info.context.cursors.next_page(info.context.state, cursor, limit)


def _board_columns(board: Board, _info, ids=None, types=None, **__):
    columns = list(board.columns.values())
    if ids is not None:
        columns = [board.columns[i] for i in ids if i in board.columns]
    return [c for c in columns if types is None or c.type in types]


def _board_groups(board: Board, _info, ids=None):
    return [g for g in board.groups.values() if ids is None or g.id in ids]


def _item_column_values(item: Item, info, ids=None, types=None, **__):
    board = info.context.state.boards[item.board_id]
    columns = [c for c in board.columns.values() if c.type != "name"]
    if ids is not None:
        columns = [board.columns[i] for i in ids if i in board.columns and board.columns[i].type != "name"]
    return [_column_value(info.context.state, item, c) for c in columns if types is None or c.type in types]


def _column_value(state: AccountState, item: Item, column: Column) -> dict:
    stored = item.values.get(column.id, EMPTY)
    if column.type == "subtasks":
        subitems = state.visible(item.subitem_ids)
        if subitems:
            linked = {"linkedPulseIds": [{"linkedPulseId": int(s.id)} for s in subitems]}
            stored = StoredValue(json.dumps(linked), ", ".join(s.name for s in subitems))
    return {"__typename": COLUMN_VALUE_TYPENAMES.get(column.type, "UnsupportedValue"), "id": column.id,
            "type": column.type, "text": stored.text, "value": stored.value, "column": column,
            "is_leaf": True}


def _mutation(apply: Callable[..., Any]) -> Callable[..., Any]:
    """A mutation field: the request's latency, the fail_alias fault, then the change itself."""

    async def resolver(_, info, **args):
        context: RequestContext = info.context
        if context.latency:
            await asyncio.sleep(context.latency)
        if context.fail_alias and context.fail_alias.alias == info.path.key:
            raise context.fail_alias.error
        result = apply(context.state, **args)
        context.applied.append(info.field_name)
        return result

    return resolver


def _create_item(state: AccountState, board_id, item_name, group_id=None, column_values=None,
                 create_labels_if_missing=None, **_):
    return state.create_item(board_id, item_name, group_id=group_id, column_values=column_values,
                             create_labels=bool(create_labels_if_missing))


def _create_subitem(state: AccountState, parent_item_id, item_name, column_values=None,
                    create_labels_if_missing=None):
    return state.create_subitem(parent_item_id, item_name, column_values=column_values,
                                create_labels=bool(create_labels_if_missing))


def _change_values(state: AccountState, board_id, column_values, item_id=None, create_labels_if_missing=None):
    return state.change_column_values(board_id, item_id, column_values,
                                      create_labels=bool(create_labels_if_missing))


def _board_of(source, info, **_):
    return info.context.state.boards.get(source.board_id)


def _group_of(item: Item, info):
    return info.context.state.boards[item.board_id].groups.get(item.group_id)


_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "boards"): _query_boards,
    ("Query", "items"): _query_items,
    ("Query", "items_page_by_column_values"): _items_by_column_values,
    ("Query", "next_items_page"): _next_items_page,
    ("Query", "complexity"): lambda _, info: info.context.complexity,
    ("Mutation", "complexity"): lambda _, info: info.context.complexity,
    ("Mutation", "create_group"): _mutation(lambda state, board_id, group_name, **_:
                                            state.create_group(board_id, group_name)),
    ("Mutation", "create_item"): _mutation(_create_item),
    ("Mutation", "create_subitem"): _mutation(_create_subitem),
    ("Mutation", "change_multiple_column_values"): _mutation(_change_values),
    ("Mutation", "delete_item"): _mutation(lambda state, item_id=None: state.delete_item(item_id)),
    ("Mutation", "archive_item"): _mutation(lambda state, item_id=None: state.archive_item(item_id)),
    ("Board", "columns"): _board_columns,
    ("Board", "groups"): _board_groups,
    ("Board", "items_page"): _items_page,
    ("Board", "items_count"): lambda board, info: len(info.context.state.board_items(board.id)),
    ("Board", "type"): lambda board, _: board.kind,
    ("Board", "board_kind"): lambda *_: "public",
    ("Board", "state"): lambda *_: "active",
    ("Board", "top_group"): lambda board, _: next(iter(board.groups.values()), None),
    ("Board", "workspace_id"): lambda *_: None,
    ("Board", "url"): lambda board, _: f"https://emulator.monday.com/boards/{board.id}",
    ("Group", "items_page"): _group_items_page,
    ("Group", "color"): lambda *_: "#579bfc",
    ("Group", "position"): lambda group, _: str(65536 * (group.position + 1)),
    ("Group", "archived"): lambda *_: False,
    ("Group", "deleted"): lambda *_: False,
    ("Column", "settings"): lambda column, _: column.settings(),
    ("Column", "settings_str"): lambda column, _: column.settings_str(),
    ("Column", "archived"): lambda *_: False,
    ("Column", "description"): lambda *_: None,
    ("Column", "width"): lambda *_: None,
    ("Item", "board"): _board_of,
    ("Item", "group"): _group_of,
    ("Item", "column_values"): _item_column_values,
    ("Item", "subitems"): lambda item, info: info.context.state.visible(item.subitem_ids),
    ("Item", "parent_item"): lambda item, info: (info.context.state.items.get(item.parent_id)
                                                 if item.parent_id else None),
    ("Item", "created_at"): lambda item, _: _iso(item.created_at),
    ("Item", "updated_at"): lambda item, _: _iso(item.updated_at),
    ("Item", "url"): lambda item, _: f"https://emulator.monday.com/boards/{item.board_id}/pulses/{item.id}",
    ("Item", "relative_link"): lambda item, _: f"/boards/{item.board_id}/pulses/{item.id}",
    ("Item", "creator_id"): lambda *_: "1",
}
_PLAIN_FIELDS: dict[type, tuple[str, ...]] = {
    Board: ("id", "name"), Group: ("id", "title"), Column: ("id", "title", "type"),
    Item: ("id", "name", "state"),
}
