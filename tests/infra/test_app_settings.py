"""The app settings the code reads, the ones the Bicep sets and the ones local.settings.json.example sets are
the same names, but for short explicit lists with a reason each, so the three cannot drift apart.

The code's names are collected from the source with ``ast``, over function_app.py and the whole ``shared``
package (not one file, so the settings may move between modules): string arguments of ``os.environ.get``,
``environ.get``, ``os.getenv`` and ``os.environ[...]``, and of local helpers that pass their first argument on
to one of those (``text(name, default)`` in ``AppSettings.from_environ``). Module-level string constants and
f-strings of them are resolved (``f"{STORAGE_SETTING}__accountName"``).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from ..conftest import ROOT
from .bicep import one_resource

# Read by the Functions host or an SDK, not by our code.
PLATFORM = {
    "FUNCTIONS_WORKER_RUNTIME": "the host's worker language; on Flex Consumption functionAppConfig.runtime",
    "AzureWebJobsStorage__credential": "the host's identity-based connection (managedidentity)",
}
# Set only in local.settings.json.example.
LOCAL_ONLY = {
    "AzureWebJobsStorage": "a connection string (Azurite) locally; Azure uses the identity-based settings",
    "FUNCTIONS_WORKER_RUNTIME": "func start needs it; Flex Consumption rejects it as an app setting",
    "ORDERSYNC_CONFIG": "the default next to function_app.py is right in Azure; a relative path in an app "
                        "setting would depend on the worker's working directory",
}
# Set only in the Bicep (identity-based storage and telemetry exist only in Azure).
AZURE_ONLY = {
    "AzureWebJobsStorage__accountName": "identity-based storage: the account name",
    "AzureWebJobsStorage__clientId": "identity-based storage: the user-assigned identity",
    "AzureWebJobsStorage__credential": "identity-based storage: managedidentity",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "no Application Insights locally",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "no Application Insights locally",
    "AZURE_CLIENT_ID": "no managed identity locally (SQLite needs no token)",
}
# Read by the code, set in neither: overrides for special networks, derived from the account name otherwise.
OPTIONAL = {
    "AzureWebJobsStorage__blobServiceUri": "explicit blob endpoint (private endpoints, sovereign clouds)",
    "AzureWebJobsStorage__queueServiceUri": "explicit queue endpoint (private endpoints, sovereign clouds)",
}
ENVIRON_READERS = {"get", "getenv"}


def code_files() -> list[Path]:
    package = ROOT / "shared"
    return [ROOT / "function_app.py", *sorted(path for path in package.rglob("*.py")
                                               if "monday_emulator" not in path.relative_to(package).parts)]


def module_constants(trees: list[ast.Module]) -> dict[str, str]:
    """NAME = "text" at module level, in any of the files."""
    constants = {}
    for tree in trees:
        for node in tree.body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)):
                constants.update({target.id: node.value.value for target in node.targets
                                  if isinstance(target, ast.Name)})
    return constants


def text_of(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = [text_of(value.value if isinstance(value, ast.FormattedValue) else value, constants)
                 for value in node.values]
        return None if None in parts else "".join(parts)
    return None


def is_environ_read(call: ast.Call) -> bool:
    """os.environ.get(...), environ.get(...), os.getenv(...), getenv(...)."""
    function = call.func
    if isinstance(function, ast.Attribute) and function.attr in ENVIRON_READERS:
        owner = function.value
        return (isinstance(owner, ast.Name) and owner.id in {"environ", "os"}) or (
            isinstance(owner, ast.Attribute) and owner.attr == "environ")
    return isinstance(function, ast.Name) and function.id == "getenv"


def called_name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else None


def helper_readers(trees: list[ast.Module]) -> set[str]:
    """Functions reading the setting named by their first parameter, directly or through another such one."""
    functions = [node for tree in trees for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.args.args]
    readers: set[str] = set()
    changed = True
    while changed:
        changed = False
        for function in functions:
            first = function.args.args[0].arg
            if function.name in readers:
                continue
            for call in (node for node in ast.walk(function) if isinstance(node, ast.Call)):
                forwards = call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == first
                if forwards and (is_environ_read(call) or called_name(call) in readers):
                    readers.add(function.name)
                    changed = True
                    break
    return readers


def settings_read_by_code() -> tuple[set[str], list[str]]:
    """The names, and the reads whose name could not be worked out (file:line)."""
    files = code_files()
    trees = [ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for path in files]
    constants, readers = module_constants(trees), helper_readers(trees)
    names, unresolved = set(), []
    for path, tree in zip(files, trees, strict=True):
        forwarded = {function.args.args[0].arg for function in ast.walk(tree)
                     if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
                     and function.name in readers}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (is_environ_read(node) or called_name(node) in readers):
                argument = node.args[0] if node.args else None
            elif (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                  and node.value.attr == "environ"):
                argument = node.slice
            else:
                continue
            if argument is None:
                continue
            name = text_of(argument, constants)
            if name is not None:
                names.add(name)
            elif not (isinstance(argument, ast.Name) and argument.id in forwarded):
                unresolved.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return names, unresolved


def settings_set_by_bicep() -> set[str]:
    site = one_resource("modules/function.bicep", "Microsoft.Web/sites")
    return {setting["name"] for setting in site["properties"]["siteConfig"]["appSettings"]}


def settings_set_locally() -> set[str]:
    return set(json.loads((ROOT / "local.settings.json.example").read_text(encoding="utf-8"))["Values"])


def test_the_collector_finds_the_settings_of_the_app_settings_class():
    names, unresolved = settings_read_by_code()
    assert not unresolved, f"setting names the test cannot work out: {unresolved}"
    # through the helpers text() and storage_name(), f-strings of STORAGE_SETTING, and plain environ.get
    assert {"SYNC_SCHEDULE", "SYNC_QUEUE", "ORDERS_CONTAINER", "PLAN_AFTER_INGEST",
            "AzureWebJobsStorage", "AzureWebJobsStorage__accountName", "MONDAY_API_TOKEN",
            "ORDERSYNC_DATABASE"} <= names


def test_code_bicep_and_local_example_name_the_same_settings():
    code, _ = settings_read_by_code()
    bicep, local = settings_set_by_bicep(), settings_set_locally()
    every = code | bicep | local
    assert code == every - PLATFORM.keys(), "read by the code but set in neither, or a stale list"
    assert bicep == every - LOCAL_ONLY.keys() - OPTIONAL.keys(), "the Bicep misses or adds a setting"
    assert local == every - AZURE_ONLY.keys() - OPTIONAL.keys(), \
        "local.settings.json.example misses or adds a setting"


def test_the_exception_lists_are_current_and_explained():
    code, _ = settings_read_by_code()
    every = code | settings_set_by_bicep() | settings_set_locally()
    for listed in (PLATFORM, LOCAL_ONLY, AZURE_ONLY, OPTIONAL):
        assert listed.keys() <= every, f"no longer used anywhere: {listed.keys() - every}"
        assert all(len(reason.split()) >= 3 for reason in listed.values())
    assert not PLATFORM.keys() & code, "our code reads it now: take it off PLATFORM"
    assert OPTIONAL.keys() <= code
