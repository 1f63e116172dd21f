"""Reading infra/*.bicep in tests: pycep-parser's JSON of a file, and small look-ups in it.

pycep keeps expressions as they are written: a literal string and an identifier are both Python strings
(``'x'`` and ``x`` alike), an interpolated string keeps its ``${...}``, and a call or a property access is a
dict (``{"function": ...}``, ``{"operator": ...}``). A conditional or looped resource nests its body one level
down.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from pycep import BicepParser

from ..conftest import ROOT

INFRA = ROOT / "infra"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))


@functools.cache
def parse(relative: str) -> dict[str, Any]:
    """The JSON of ``infra/<relative>``."""
    return BicepParser().parse(file_path=INFRA / relative)


def body(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource's body, whether or not it has a condition or a loop."""
    config = resource["config"]
    while isinstance(config.get("config"), dict) and ("condition" in config or "loop_type" in config):
        config = config["config"]
    return config


def resources(relative: str, resource_type: str) -> dict[str, dict[str, Any]]:
    """Symbolic name -> body of every resource of that type in the file."""
    return {name: body(resource) for name, resource in (parse(relative).get("resources") or {}).items()
            if resource["type"] == resource_type}


def one_resource(relative: str, resource_type: str) -> dict[str, Any]:
    found = resources(relative, resource_type)
    assert len(found) == 1, f"{relative}: expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


def parameter(relative: str, name: str) -> dict[str, Any]:
    return parse(relative)["parameters"][name]


def decorators(relative: str, name: str) -> dict[str, Any]:
    """A parameter's decorators: type -> argument (``min_value``, ``max_value``, ``secure``, ...)."""
    return {decorator["type"]: decorator.get("argument")
            for decorator in parameter(relative, name)["decorators"]}


def variable(relative: str, name: str) -> Any:
    return parse(relative)["variables"][name]["value"]


def module(relative: str, name: str) -> dict[str, Any]:
    """A module call's body (its ``params`` and ``scope``) and its path as ``_path``."""
    call = parse(relative)["modules"][name]
    return {**call["config"], "_path": call["detail"]["path"]}


def role_of(assignment: dict[str, Any], roles: dict[str, str]) -> str:
    """The role definition GUID of a role assignment written as subscriptionResourceId(..., roles.<key>)."""
    function = assignment["properties"]["roleDefinitionId"]["function"]
    assert function["type"] == "subscription_resource_id"
    assert function["parameters"]["resource_type"] == "Microsoft.Authorization/roleDefinitions"
    operands = function["parameters"]["resource_name_1"]["operator"]["operands"]
    assert operands["operand_1"] == "roles"
    return roles[operands["operand_2"]]


def path_of(relative: str) -> Path:
    return INFRA / relative
