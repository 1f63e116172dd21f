"""The package tree shows the pipeline: imports flow one way, and every module stays small enough to change.

functions / cli / demo -> status_page -> sync -> excel -> store, and sync -> monday; every package ->
config -> common. The emulator is a test double: it imports nothing of ordersync, and nothing the Azure
Functions load imports it.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "shared"
# A package may import its own modules and those of lower ranks; two packages of one rank never import each
# other (the store and the monday client know nothing of one another).
RANKS = {"common": 0, "config": 1, "store": 2, "monday": 2, "excel": 3, "sync": 4, "status_page": 5,
         "functions": 6, "demo": 7, "commands": 8, "cli": 9, "__main__": 10, "__init__": 10,
         "telemetry": 0.5}  # just above common: every stage may record, and it imports common only
TOP = RANKS["demo"]  # the demo and the command line may start the emulator
EMULATOR = "monday_emulator"
MAX_MODULE_LINES = 450
MAX_CLASS_LINES = 300


def modules() -> list[str]:
    return sorted(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                  for path in PACKAGE.rglob("*.py"))


def room(module: str) -> str:
    """shared.sync.engine -> sync; shared.cli -> cli; shared -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(module: str) -> set[str]:
    """Every shared.* module a module imports, anywhere in it (lazy and TYPE_CHECKING imports too)."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "shared" or target.startswith("shared."):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)  # `from . import batch_queue`
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("shared."))
    return {name for name in found if name == "shared" or (ROOT / name.replace(".", "/")).exists()
            or (ROOT / (name.replace(".", "/") + ".py")).exists()}


@pytest.mark.parametrize("module", [m for m in modules() if m != "shared.__main__"])  # that one runs the CLI
def test_every_module_imports(module):
    importlib.import_module(module)


@pytest.mark.parametrize("module", [m for m in modules() if room(m) != EMULATOR])
def test_imports_flow_one_way(module):
    source = room(module)
    for target in imported_modules(module):
        destination = room(target)
        if destination == source:
            continue
        assert destination != EMULATOR or RANKS[source] >= TOP, f"{module} imports the emulator ({target})"
        if destination == EMULATOR:
            continue
        assert RANKS[destination] < RANKS[source], (
            f"{module} ({source}, rank {RANKS[source]}) imports {target} ({destination}, rank "
            f"{RANKS[destination]}): imports flow functions/cli -> sync -> excel -> store, sync -> monday, "
            f"-> config -> common")


def test_every_package_is_ranked():
    packages = {room(m) for m in modules()} - {EMULATOR}
    assert packages <= set(RANKS), packages - set(RANKS)


@pytest.mark.parametrize("module", [m for m in modules() if room(m) == EMULATOR])
def test_the_emulator_imports_nothing_of_ordersync(module):
    outside = {t for t in imported_modules(module) if room(t) != EMULATOR}
    assert not outside, f"{module} imports {outside}: the emulator stands alone"


def test_the_functions_never_load_the_emulator():
    loaded = subprocess.run([sys.executable, "-c", "import sys, function_app; "
                             "print(sorted(m for m in sys.modules if 'emulator' in m))"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_importing_the_functions_loads_no_storage_or_monday_client():
    """The host imports function_app.py on every cold start; the jobs import these when they run."""
    clients = ("azure.storage.queue", "azure.storage.blob", "aiohttp")
    loaded = subprocess.run([sys.executable, "-c", f"import sys, function_app; "
                             f"print(sorted(m for m in {clients!r} if m in sys.modules))"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_each_package_says_what_it_owns():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 60, f"{init.relative_to(ROOT)} needs a docstring naming what it owns"


@pytest.mark.parametrize("module", modules())
def test_modules_and_classes_stay_small_enough_to_change(module):
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)}: split it by responsibility"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_CLASS_LINES, f"{path.relative_to(ROOT)}: class {node.name}: {length} lines"
