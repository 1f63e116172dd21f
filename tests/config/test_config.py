import dataclasses
import textwrap

import pytest

from shared.common.errors import ConfigError
from shared.config import load_config
from shared.config.templates import Template

from ..conftest import DEFAULT_CONFIG

BASE = textwrap.dedent(
    """
    default_environment = "development"

    [environments.development]
    database = "sqlite:///x.db"
    orders_table = "ORDER_LIST_V2"
    lines_table = "ORDER_LIST_LINES"
    board_id = "9609317401"
    key_column = "text_sync_key"

    [environments.development.item_columns]
    "AAG ORDER NUMBER" = "text_order_number"
    "CUSTOMER NAME" = "text_customer"
    "TOTAL QTY" = "numbers_total_qty"
    "ETA CUSTOMER WAREHOUSE DATE" = "date_eta"

    [environments.development.subitem_columns]
    size_code = "text_size"
    qty = "numbers_qty"

    [excel]
    sheet = "MASTER"
    sizes_after = "UNIT OF MEASURE"
    sizes_before = "TOTAL QTY"
    required_columns = ["AAG ORDER NUMBER", "CUSTOMER NAME"]

    [orders]
    key = ["AAG ORDER NUMBER", "PLANNED DELIVERY METHOD", "CUSTOMER STYLE"]
    group_name = "{CUSTOMER NAME} {CUSTOMER SEASON|AAG SEASON}"
    item_name = "{CUSTOMER STYLE} {CUSTOMER COLOUR DESCRIPTION} {AAG ORDER NUMBER}"
    subitem_name = "{size_code}"

    [[customers]]
    name = "GREYSON"
    aliases = ["GREYSON CLOTHIERS", "Greyson Clothiers LLC"]

    [sync]
    orders_per_message = 50
    max_attempts = 5
    create_labels_if_missing = []

    [monday]
    api_version = "2026-07"
    """
)


def write(tmp_path, text):
    path = tmp_path / "cfg.toml"
    path.write_text(text)
    return path


def test_issue_example_loads_and_canonicalises(tmp_path):
    config = load_config(write(tmp_path, BASE))
    assert config.environment.orders_table == "ORDER_LIST_V2"
    assert config.canonical_customer("  greyson   clothiers ") == ("GREYSON", True)
    assert config.canonical_customer("Nobody Ltd") == ("Nobody Ltd", False)
    assert config.key_columns("GREYSON") == ("AAG ORDER NUMBER", "PLANNED DELIVERY METHOD", "CUSTOMER STYLE")


def test_bundled_config_loads_every_environment():
    assert load_config(DEFAULT_CONFIG).environment.name == "development"
    assert load_config(DEFAULT_CONFIG, "production").environment.board_id == "9200517329"


def test_labels_may_be_created_in_columns_of_any_environment(tmp_path):
    # production's board has other column ids; each environment's own ids are allowed, typos are not
    production = (BASE.split("[excel]")[0].split("[environments.development]")[1]
                  .replace("9609317401", "5550001").replace("text_customer", "text_customer_prod"))
    text = (BASE.replace("create_labels_if_missing = []",
                         'create_labels_if_missing = ["text_customer", "text_customer_prod"]')
            + "\n[environments.production]" + production.replace("[environments.development.",
                                                                  "[environments.production."))
    config = load_config(write(tmp_path, text), "production")
    assert config.environment.board_id == "5550001"
    assert config.sync.create_labels_if_missing == ("text_customer", "text_customer_prod")


def test_environment_variables_choose_environment_and_database(tmp_path, monkeypatch):
    path = write(tmp_path, BASE)
    monkeypatch.setenv("ORDERSYNC_CONFIG", str(path))
    monkeypatch.setenv("ORDERSYNC_DATABASE", "sqlite:///elsewhere.db")
    assert load_config().environment.database == "sqlite:///elsewhere.db"
    monkeypatch.setenv("ORDERSYNC_ENV", "staging")
    with pytest.raises(ConfigError, match="unknown environment 'staging'"):
        load_config()


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ('board_id = "9609317401"', 'board_id = "9609317401"\nboardid = "1"',
         "environments.development.boardid", "unknown key"),
        ('orders_table = "ORDER_LIST_V2"\n', "", "environments.development.orders_table", "is required"),
        ('item_name = "{CUSTOMER STYLE}', 'item_name = "{CUSTOMER STYEL}', "orders.item_name",
         "CUSTOMER STYEL"),
        ('"TOTAL QTY" = "numbers_total_qty"', '"TOTAL QTY" = "text_customer"',
         'environments.development.item_columns."TOTAL QTY"', "already the target"),
        ('"TOTAL QTY" = "numbers_total_qty"', '"TOTAL QTY" = "text_sync_key"',
         'environments.development.item_columns."TOTAL QTY"', "key_column"),
        ('default_environment = "development"', 'default_environment = "prod"', "environments",
         "unknown environment 'prod'"),
        ("orders_per_message = 50", "orders_per_message = 0", "sync.orders_per_message", "whole number"),
        ("max_attempts = 5", "max_attempts = 5\nlease_seconds = 0", "sync.lease_seconds", "whole number"),
        ('aliases = ["GREYSON CLOTHIERS"', 'aliases = ["greyson", "GREYSON CLOTHIERS"',
         "customers[0].aliases", None),
        ("size_code = ", "colour = ", "environments.development.subitem_columns.colour",
         "unknown line field"),
        ("create_labels_if_missing = []", 'create_labels_if_missing = ["status_nope"]',
         "sync.create_labels_if_missing", "not a monday column"),
        ('group_name = "{CUSTOMER NAME}', 'group_name = "{CUSTOMER NAME', "orders.group_name", "unbalanced"),
        # board provision's column types: only mapped columns, only types it can create, a text key column
        ("[sync]", '[environments.development.column_types]\nnotes_x = "text"\n\n[sync]',
         "environments.development.column_types.notes_x", "is not a monday column this environment maps"),
        ("[sync]", '[environments.development.column_types]\nnumbers_total_qty = "mirror"\n\n[sync]',
         "environments.development.column_types.numbers_total_qty", "must be one of text, long_text"),
        ("[sync]", '[environments.development.column_types]\ntext_sync_key = "numbers"\n\n[sync]',
         "environments.development.column_types.text_sync_key", "the key column must be a text column"),
    ],
)
def test_broken_config_names_file_and_key(tmp_path, old, new, key, message):
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new, 1))
    if key == "customers[0].aliases":
        # an alias equal to the customer's own name is harmless; one naming another customer is not
        other = '\n[[customers]]\nname = "OTHER"\naliases = ["Greyson Clothiers LLC"]\n'
        path = write(tmp_path, BASE + other)
        key = "customers[1].aliases"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == key
    assert str(path) in str(caught.value)
    if message:
        assert message in str(caught.value)


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "x = ["))
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


def test_cli_reports_config_error_without_traceback(tmp_path, capsys):
    from shared.cli import main

    path = write(tmp_path, BASE.replace("[monday]", "[monday]\ntoken = 'x'"))
    assert main(["--config", str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert "monday.token" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("{CUSTOMER NAME} {CUSTOMER SEASON|AAG SEASON}", {"CUSTOMER NAME": "GREYSON", "AAG SEASON": "SS26"},
         "GREYSON SS26"),
        ("{CUSTOMER NAME} {CUSTOMER SEASON|AAG SEASON}",
         {"CUSTOMER NAME": "GREYSON", "CUSTOMER SEASON": "FW26", "AAG SEASON": "SS26"}, "GREYSON FW26"),
        ("{A}  {B}   {C}", {"A": "x", "B": "  ", "C": "z"}, "x z"),
        ("PO-{A}", {}, "PO-"),
        ("{ CUSTOMER   NAME |AAG SEASON} #{N}", {"CUSTOMER NAME": " ", "AAG SEASON": "SS26", "N": 3},
         "SS26 #3"),
    ],
)
def test_template_render(template, values, expected):
    assert Template.parse(template).render(values) == expected


def test_the_database_password_never_shows_in_a_repr(monkeypatch):
    secret = "S3cr;et}}pw"
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"Server=tcp:db.example,1433;Database=orders;UID=app;"
                                             f"PWD={{{secret}}};Encrypt=yes")
    config = load_config(DEFAULT_CONFIG)
    assert config.environment.database.endswith("Encrypt=yes")  # the value itself is intact
    for shown in (repr(config), repr(config.environment), str(config)):
        assert "S3cr" not in shown and "pw" not in shown.split("PWD=")[1][:5]
        assert "PWD=***;Encrypt=yes" in shown
    monkeypatch.setenv("ORDERSYNC_DATABASE", "Server=x;Password=plain words;UID=u")
    assert "plain words" not in repr(load_config(DEFAULT_CONFIG))


def test_the_excel_limits_and_complete_list_keys_are_checked(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "\ncomplete_lists = false ", "\ncomplete_lists = \"yes\" ", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="excel.complete_lists: must be true or false"):
        load_config(path)
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "[excel]\n", "[excel]\nmax_rows = 2_000_000\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="excel.max_rows: must be a whole number from 100 to 1048576"):
        load_config(path)
    loaded = dataclasses.asdict(load_config(DEFAULT_CONFIG).excel)
    assert (loaded["complete_lists"], loaded["max_removed_fraction"], loaded["max_rows"]) == (False, 0.5,
                                                                                              1_048_576)
