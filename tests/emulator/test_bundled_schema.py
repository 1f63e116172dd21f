"""The emulator's own copy of monday's schema (shared/monday_emulator/schema/): inside the clone, holding what
the emulator serves, and, where ../shared/monday has the published schema, a faithful subset of it that
scripts/reduce_monday_schema.py reproduces byte for byte."""

from __future__ import annotations

import subprocess
import sys
from functools import cache

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    parse,
    validate,
)

from shared.monday_emulator import SCHEMA_FILE, MondayEmulator
from shared.monday_emulator.resolvers import _RESOLVERS

from ..conftest import ROOT, SHARED_DIR, load_script
from ..monday.test_graphql_documents import every_document

FULL_SCHEMA_FILE = SHARED_DIR / "monday" / "schema-2026-07.graphql"
SCRIPT = ROOT / "scripts" / "reduce_monday_schema.py"


@cache
def bundled() -> GraphQLSchema:
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def full() -> GraphQLSchema:
    if not FULL_SCHEMA_FILE.is_file():
        pytest.skip(f"monday's full schema not found: ../shared/monday (expected {FULL_SCHEMA_FILE})")
    return build_schema(FULL_SCHEMA_FILE.read_text(encoding="utf-8"))


def test_the_emulator_loads_its_schema_from_inside_the_clone():
    assert SCHEMA_FILE.is_file() and SCHEMA_FILE.resolve().is_relative_to(ROOT / "shared" / "monday_emulator")
    assert MondayEmulator().api.schema is not None


def test_the_bundled_schema_has_every_root_field_the_script_keeps_and_the_emulator_answers():
    root_fields = load_script("reduce_monday_schema").ROOT_FIELDS
    schema = bundled()
    assert {name: set(schema.get_type(name).fields) for name in root_fields} == {
        name: set(names) for name, names in root_fields.items()}
    answered = {(parent, name) for parent, name in _RESOLVERS if parent in root_fields}
    assert answered <= {(parent, name) for parent, names in root_fields.items() for name in names}


def test_the_bundled_schema_is_a_faithful_subset_of_the_published_one():
    """The one test that needs ../shared/monday: the bundled copy keeps monday's types exactly, the script
    still makes it byte for byte, and every document the client sends validates against the full one too."""
    small, large = bundled(), full()
    for name, text in every_document():
        assert validate(large, parse(text)) == [], name
    run = subprocess.run([sys.executable, str(SCRIPT), str(FULL_SCHEMA_FILE), "-o", "-"], cwd=ROOT,
                         capture_output=True, check=True)
    assert run.stdout == SCHEMA_FILE.read_bytes(), "scripts/reduce_monday_schema.py makes another schema now"
    for name, kept in small.type_map.items():
        if name.startswith("__"):
            continue
        original = large.get_type(name)
        assert type(kept) is type(original), name
        if isinstance(kept, GraphQLObjectType | GraphQLInterfaceType):
            assert {i.name for i in kept.interfaces} == {i.name for i in original.interfaces}, name
            for field_name, field in kept.fields.items():
                assert field_name in original.fields, f"{name}.{field_name}"
                same = original.fields[field_name]
                assert str(field.type) == str(same.type), f"{name}.{field_name}"
                assert field.deprecation_reason == same.deprecation_reason, f"{name}.{field_name}"
                for arg_name, arg in field.args.items():
                    assert arg_name in same.args, f"{name}.{field_name}({arg_name})"
                    assert str(arg.type) == str(same.args[arg_name].type), f"{name}.{field_name}({arg_name})"
                    assert arg.default_value == same.args[arg_name].default_value
        elif isinstance(kept, GraphQLInputObjectType):
            for field_name, field in kept.fields.items():
                assert field_name in original.fields, f"{name}.{field_name}"
                assert str(field.type) == str(original.fields[field_name].type), f"{name}.{field_name}"
                assert field.default_value == original.fields[field_name].default_value
        elif isinstance(kept, GraphQLEnumType):
            assert set(kept.values) <= set(original.values), name
        elif isinstance(kept, GraphQLUnionType):
            assert {t.name for t in kept.types} <= {t.name for t in original.types}, name
