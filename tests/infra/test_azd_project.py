"""azure.yaml, its hooks and the contained-user script: what can be checked without Azure."""

from __future__ import annotations

import importlib.util
import os
import re
import stat
import uuid

import sqlglot

from ..conftest import DEFAULT_CONFIG, ROOT
from .bicep import parse

HOOKS = ROOT / "infra" / "hooks"


def load_sql_app_user():
    spec = importlib.util.spec_from_file_location("sql_app_user", HOOKS / "sql_app_user.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_azure_yaml_names_one_python_function_service_and_both_hooks():
    text = (ROOT / "azure.yaml").read_text(encoding="utf-8")
    services = text.split("\nservices:\n", 1)[1].split("\nhooks:\n", 1)[0]
    assert re.findall(r"^  (\w+):$", services, flags=re.MULTILINE) == ["api"]
    assert re.findall(r"^    (\w+): (.+)$", services, flags=re.MULTILINE) == [
        ("project", "."), ("language", "python"), ("host", "function")]
    hooks = text.split("\nhooks:\n", 1)[1]
    assert "run: ./infra/hooks/postprovision.sh" in hooks.split("postdeploy:")[0]
    assert "run: ./infra/hooks/postdeploy.sh" in hooks.split("postdeploy:")[1]
    # azd deploys the service tagged azd-service-name: api
    assert "'azd-service-name': 'api'" in (ROOT / "infra" / "modules" / "function.bicep").read_text()


def test_hooks_are_executable_and_read_only_outputs_main_bicep_declares():
    outputs = set(parse("main.bicep")["outputs"])
    for hook in ("postprovision.sh", "postdeploy.sh"):
        path = HOOKS / hook
        assert path.stat().st_mode & stat.S_IXUSR, f"{hook} is not executable"
        used = set(re.findall(r"\$\{?((?:AZURE|ORDERSYNC)_[A-Z_]+)", path.read_text(encoding="utf-8")))
        used -= {"ORDERSYNC_PYTHON"}  # the hook's own option
        assert used - {"AZURE_SUBSCRIPTION_ID"} <= outputs, f"{hook}: {used - outputs} are not outputs"
    script = (HOOKS / "sql_app_user.py").read_text(encoding="utf-8")
    assert set(re.findall(r'required\("(AZURE_[A-Z_]+)"\)', script)) <= outputs
    assert "AZURE_CLIENT_ID" not in outputs  # DefaultAzureCredential in the hooks would take the app's id


def test_postprovision_migrates_as_production_before_granting():
    hook = (HOOKS / "postprovision.sh").read_text(encoding="utf-8")
    assert 'ORDERSYNC_ENVIRONMENT="${ORDERSYNC_ENVIRONMENT:-production}"' in hook
    migrate = hook.index('ORDERSYNC_ENV="$ORDERSYNC_ENVIRONMENT" '
                         'ORDERSYNC_DATABASE="$AZURE_SQL_CONNECTION_STRING"')
    assert "-m shared db migrate" in hook[migrate:].splitlines()[0]
    assert migrate < hook.index('"$PYTHON" infra/hooks/sql_app_user.py')


def test_contained_user_gets_reader_writer_and_alter_on_the_orders_table_only():
    script = load_sql_app_user()
    client_id = "6d4a1c2e-9b3f-4e5a-8c7d-0123456789ab"
    statements = script.grant_statements("id-abc]x", client_id, "ORDER_LIST_V2")
    sql = [statement for statement, _ in statements]
    sid = "0x" + uuid.UUID(client_id).bytes_le.hex().upper()
    assert sql[1] == ("IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = ?) "
                      f"CREATE USER [id-abc]]x] WITH SID = {sid}, TYPE = E")
    assert sql[2:] == ["ALTER ROLE db_datareader ADD MEMBER [id-abc]]x]",
                       "ALTER ROLE db_datawriter ADD MEMBER [id-abc]]x]",
                       "GRANT ALTER ON OBJECT::dbo.[ORDER_LIST_V2] TO [id-abc]]x]"]
    assert all(parameters in ((), ("id-abc]x",)) for _, parameters in statements)
    joined = " ".join(sql).lower()
    for too_much in ("db_ddladmin", "db_owner", "control", "alter on schema", "alter on database"):
        assert too_much not in joined
    for statement in sql[2:]:
        sqlglot.parse_one(statement, read="tsql")  # well-formed T-SQL


def test_sid_is_the_client_id_in_sql_server_byte_order():
    script = load_sql_app_user()
    sid = script.sid_of("00112233-4455-6677-8899-aabbccddeeff")
    assert sid.hex() == "33221100554477668899aabbccddeeff"


def test_orders_table_comes_from_the_configuration():
    script = load_sql_app_user()
    assert script.orders_table("production", DEFAULT_CONFIG) == "ORDER_LIST_V2"
    assert script.orders_table("development", DEFAULT_CONFIG) == "ORDER_LIST_V2"


def test_funcignore_keeps_infrastructure_and_check_tooling_out_of_the_package():
    ignored = {line.strip() for line in (ROOT / ".funcignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    assert {"infra", "azure.yaml", ".github", ".venv-checks", ".azure", "requirements-checks.txt"} <= ignored
    git_ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".venv-checks/" in git_ignored and ".azure/" in git_ignored


def test_checks_run_before_the_tests_in_ci():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index("\nmake checks\n") < ci.index("\nmake test\n")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nchecks:", 1)[1].split("\n\n", 1)[0]
    assert "checkov --framework bicep --skip-download -d infra --compact --quiet" in recipe
    assert "check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)" in recipe
    pins = (ROOT / "requirements-checks.txt").read_text(encoding="utf-8")
    assert re.search(r"^checkov==\d", pins, flags=re.MULTILINE)
    assert re.search(r"^check-jsonschema==\d", pins, flags=re.MULTILINE)
    workflows = sorted(os.listdir(ROOT / ".github" / "workflows"))
    assert workflows == ["ci.yml", "deploy.yml"]
    assert "WORKFLOWS := .github/workflows/ci.yml .github/workflows/deploy.yml" in makefile
