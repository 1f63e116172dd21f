"""The GraphQL documents the client sends: one file per query or mutation in ``graphql/``, and a write
template turned into a batch of aliased copies (m0, m1, …) with per-record variables suffixed by index.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

GRAPHQL_DIR = Path(__file__).resolve().parent / "graphql"
SHARED_VARIABLES = frozenset({"board_id"})  # in a batch template, the one variable all aliases share


@functools.cache
def document(name: str) -> str:
    """The text of ``graphql/<name>.graphql`` (read once)."""
    return (GRAPHQL_DIR / f"{name}.graphql").read_text(encoding="utf-8")


class _RenameVariables(Visitor):
    def __init__(self, index: int):
        super().__init__()
        self.index = index

    def enter_variable(self, node: VariableNode, *_):
        name = node.name.value
        return None if name in SHARED_VARIABLES else VariableNode(name=NameNode(value=f"{name}_{self.index}"))


@functools.lru_cache(maxsize=256)
def batch_document(name: str, size: int) -> str:
    """``size`` aliased copies (m0..m{size-1}) of the mutation in template ``name``, one complexity field.

    Per-record variables are suffixed with the alias' index ($item_name -> $item_name_3); $board_id is shared.
    """
    operation = parse(document(name)).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    complexity = [s for s in operation.selection_set.selections if s.name.value == "complexity"]
    (mutation,) = [s for s in operation.selection_set.selections if s.name.value != "complexity"]
    shared = [d for d in operation.variable_definitions if d.variable.name.value in SHARED_VARIABLES]
    per_record = [d for d in operation.variable_definitions if d.variable.name.value not in SHARED_VARIABLES]
    definitions, selections = list(shared), list(complexity)
    for index in range(size):
        rename = _RenameVariables(index)
        definitions += [visit(d, rename) for d in per_record]
        renamed = visit(mutation, rename)
        selections.append(FieldNode(alias=NameNode(value=f"m{index}"), name=renamed.name,
                                    arguments=renamed.arguments, directives=renamed.directives,
                                    selection_set=renamed.selection_set))
    batch = OperationDefinitionNode(operation=operation.operation, name=operation.name,
                                    variable_definitions=tuple(definitions), directives=(),
                                    selection_set=SelectionSetNode(selections=tuple(selections)))
    return print_ast(batch)


def batch_variables(shared: Mapping[str, Any], per_record: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    variables = dict(shared)
    for index, record in enumerate(per_record):
        variables.update({f"{name}_{index}": value for name, value in record.items()})
    return variables
