"""Reduce monday's published schema (SDL) to what the emulator serves and the client sends.

    python scripts/reduce_monday_schema.py [../shared/monday/schema-2026-07.graphql] [-o OUT | -o -]

Keeps the root fields in ROOT_FIELDS and every type they reach, transitively: result and argument types, input
objects, enums, scalars, interfaces with all their implementations, union members, and the directives the kept
definitions use. Object types keep all their fields (a field the emulator does not answer still validates and
answers ``NotEmulated``). Descriptions are stripped; definitions stay in the source's order, so the output is
the same for the same source. By default it writes ``shared/monday_emulator/schema/monday-<version>.graphql``,
the copy the emulator loads, with a header naming the source, its sha256 and the API version.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Node,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    build_ast_schema,
    get_named_type,
    parse,
    print_ast,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "monday" / "schema-2026-07.graphql"
OUTPUT_DIR = ROOT / "shared" / "monday_emulator" / "schema"

# The root fields kept: what shared/monday_emulator/resolvers.py answers (the documents in
# shared/monday/graphql/*.graphql use a subset), plus create_column and move_item_to_group, which the next
# work needs and the emulator does not answer yet.
ROOT_FIELDS = {
    "Query": ("boards", "complexity", "items", "items_page_by_column_values", "next_items_page"),
    "Mutation": ("archive_item", "change_multiple_column_values", "complexity", "create_column",
                 "create_group", "create_item", "create_subitem", "delete_item", "move_item_to_group"),
}


def reduce_schema(source: str, *, source_name: str, version: str) -> str:
    """The reduced SDL of ``source``, header comment first."""
    document = parse(source)
    schema = build_ast_schema(document)
    types = _reachable(schema, [t for field in _root_fields(schema) for t in _field_types(field)])
    kept = []
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode):
            operations = tuple(o for o in node.operation_types if o.type.name.value in types)
            kept.append(dataclasses.replace(node, operation_types=operations))
        elif isinstance(node, TypeDefinitionNode) and node.name.value in types:
            if node.name.value in ROOT_FIELDS:
                fields = tuple(f for f in node.fields if f.name.value in ROOT_FIELDS[node.name.value])
                node = dataclasses.replace(node, fields=fields)
            kept.append(node)
    directives = _used_directives(kept)
    kept += [n for n in document.definitions if isinstance(n, DirectiveDefinitionNode)
             and n.name.value in directives]
    kept = [_without_descriptions(node) for node in kept]
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    header = (f"# monday.com API {version}, reduced by scripts/reduce_monday_schema.py from {source_name}\n"
              f"# sha256 {digest}\n"
              f"# The root fields in its ROOT_FIELDS and every type they reach, descriptions stripped.\n"
              f"# Do not edit: run the script again.\n\n")
    return header + print_ast(DocumentNode(definitions=tuple(kept))) + "\n"


def _root_fields(schema: GraphQLSchema) -> list:
    kept = []
    for root, names in ROOT_FIELDS.items():
        fields = schema.get_type(root).fields
        missing = [n for n in names if n not in fields]
        if missing:
            raise SystemExit(f"the source has no {root} field {', '.join(missing)}; update ROOT_FIELDS")
        kept += [fields[n] for n in names]
    return kept


def _field_types(field) -> list[GraphQLNamedType]:
    return [get_named_type(field.type), *(get_named_type(a.type) for a in field.args.values())]


def _reachable(schema: GraphQLSchema, start: Iterable[GraphQLNamedType]) -> set[str]:
    """Names of the types reachable from ``start`` (the root types themselves included)."""
    seen = set(ROOT_FIELDS)
    todo = list(start)
    while todo:
        named = todo.pop()
        if named.name in seen:
            continue
        seen.add(named.name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            todo += [t for field in named.fields.values() for t in _field_types(field)]
            todo += named.interfaces
        if isinstance(named, GraphQLInterfaceType):
            implementations = schema.get_implementations(named)
            todo += implementations.objects + implementations.interfaces
        if isinstance(named, GraphQLUnionType):
            todo += named.types
        if isinstance(named, GraphQLInputObjectType):
            todo += [get_named_type(f.type) for f in named.fields.values()]
    return seen


def _used_directives(nodes: Iterable[Node]) -> set[str]:
    return {n.name.value for node in nodes for n in _walk(node) if isinstance(n, DirectiveNode)}


def _without_descriptions(node: Node) -> Node:
    changes = {}
    for key in node.keys:
        value = getattr(node, key)
        if key == "description":
            changes[key] = None
        elif isinstance(value, Node):
            changes[key] = _without_descriptions(value)
        elif isinstance(value, tuple | list):
            changes[key] = tuple(_without_descriptions(v) if isinstance(v, Node) else v for v in value)
    return dataclasses.replace(node, **changes)


def _walk(node: Node) -> Iterable[Node]:
    yield node
    for key in node.keys:
        value = getattr(node, key, None)
        for child in value if isinstance(value, tuple | list) else (value,):
            if isinstance(child, Node):
                yield from _walk(child)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE,
                        help=f"monday's full SDL (default: {DEFAULT_SOURCE})")
    parser.add_argument("-o", "--output", help="where to write (default: the emulator's copy; '-': stdout)")
    parser.add_argument("--version", help="the API version (default: from the source's name, schema-<v>)")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        raise SystemExit(f"no schema at {args.source}")
    found = re.search(r"(\d{4}-\d{2})", args.source.name)
    version = args.version or (found.group(1) if found else None)
    if version is None:
        raise SystemExit(f"cannot tell the API version from {args.source.name}; pass --version")
    reduced = reduce_schema(args.source.read_text(encoding="utf-8"), source_name=args.source.name,
                            version=version)
    if args.output == "-":
        sys.stdout.write(reduced)
        return
    output = Path(args.output) if args.output else OUTPUT_DIR / f"monday-{version}.graphql"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(reduced, encoding="utf-8")
    print(f"{output}: {reduced.count(chr(10))} lines, {len(reduced.encode())} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
