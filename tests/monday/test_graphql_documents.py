"""Every GraphQL document the client can send validates against monday's 2026-07 schema (the bundled copy;
tests/emulator/test_bundled_schema.py checks them against the full published one when ../shared has it)."""

from functools import cache

import pytest
from graphql import build_schema, parse, validate

from shared.monday.documents import GRAPHQL_DIR, batch_document, batch_variables
from shared.monday.write_operations import WRITE_OPERATIONS
from shared.monday_emulator import SCHEMA_FILE as BUNDLED_SCHEMA_FILE

DOCUMENT_FILES = sorted(GRAPHQL_DIR.glob("*.graphql"))


@cache
def schema():
    return build_schema(BUNDLED_SCHEMA_FILE.read_text(encoding="utf-8"))


def every_document() -> list[tuple[str, str]]:
    """(name, text) of each document file and of each write template batched 1 and 25 times."""
    files = [(path.name, path.read_text(encoding="utf-8")) for path in DOCUMENT_FILES]
    batches = [(f"{op.template} x{size}", batch_document(op.template, size))
               for op in WRITE_OPERATIONS for size in (1, 25)]
    return files + batches


def test_the_documents_folder_holds_every_template():
    names = {p.stem for p in DOCUMENT_FILES}
    assert {op.template for op in WRITE_OPERATIONS} <= names
    assert {"board_schema", "board_groups", "create_group", "items_by_column_values", "board_items",
            "next_items_page", "subitems_of"} <= names


@pytest.mark.parametrize("path", DOCUMENT_FILES, ids=lambda p: p.name)
def test_document_file_validates(path):
    errors = validate(schema(), parse(path.read_text(encoding="utf-8")))
    assert errors == []


@pytest.mark.parametrize("size", [1, 25])
@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=lambda op: op.template)
def test_batched_document_validates(operation, size):
    text = batch_document(operation.template, size)
    assert validate(schema(), parse(text)) == []
    aliases = [f"m{i}:" for i in range(size)]
    assert all(alias in text for alias in aliases) and f"m{size}:" not in text
    assert text.count("complexity") == 1


def test_a_broken_document_does_fail_validation():
    # The check above is only worth something if validation does reject a wrong field or argument.
    assert validate(schema(), parse("mutation { create_item(board_id: 1, name: \"x\") { id } }"))


def test_batch_values_travel_only_as_variables():
    name = 'Evil" } mutation { delete_board(board_id: 1) { id } } #'
    text = batch_document("create_item", 2)
    variables = batch_variables({"board_id": "1"}, [{"item_name": name, "group_id": "g"},
                                                    {"item_name": "ok", "group_id": "g"}])
    assert name not in text
    assert variables == {"board_id": "1", "item_name_0": name, "group_id_0": "g", "item_name_1": "ok",
                         "group_id_1": "g"}
    # every variable the batch sends is one the document declares
    declared = {d.variable.name.value for d in parse(text).definitions[0].variable_definitions}
    assert set(variables) <= declared
