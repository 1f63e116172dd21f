"""The complexity monday charges a query, estimated statically before it runs (as monday does): 1 point per
field times how many of its parent the query may return, plus a fixed cost per mutation field. The budget the
estimate is charged to lives in limits.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
)
from graphql.execution.values import VariableValues, get_argument_values

QUERY_COMPLEXITY_MAX = 5_000_000
# Complexity charged per mutation field (its selection is charged on top, like any read).
MUTATION_COSTS = {"create_item": 30_000, "create_subitem": 30_000, "create_group": 10_000,
                  "change_multiple_column_values": 10_000, "delete_item": 10_000, "archive_item": 10_000,
                  "move_item_to_group": 10_000}
# How many elements a list field is assumed to return when its arguments do not say.
_DEFAULT_FANOUT = {"boards": 25, "items": 25, "columns": 20, "column_values": 20, "groups": 10,
                   "subitems": 10}
MUTATION_COSTS["create_column"] = 10_000  # board provision


@dataclass
class Cost:
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

