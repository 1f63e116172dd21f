"""The dashboard: infra/workbook.json is an Azure Monitor workbook over the Application Insights component,
deployed by the Bicep, whose queries use only the telemetry names docs/operations.md lists."""

from __future__ import annotations

import json
import re

from ..conftest import ROOT
from .bicep import INFRA, module, one_resource
from .test_bicep_structure import dotted

WORKBOOK = INFRA / "workbook.json"


def documented_names() -> set[str]:
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = doc.split("## Telemetry names", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Za-z_.]+)`", section))


def queries() -> list[str]:
    return [item["content"]["query"] for item in json.loads(WORKBOOK.read_text(encoding="utf-8"))["items"]
            if item["type"] == 3]


def test_the_bicep_deploys_the_workbook_json_on_the_application_insights_component():
    workbook = one_resource("modules/workbook.bicep", "Microsoft.Insights/workbooks")
    assert workbook["kind"] == "shared"
    properties = workbook["properties"]
    assert properties["sourceId"] == "applicationInsightsId"
    assert properties["serializedData"]["function"] == {
        "type": "load_text_content", "parameters": {"file_path": "../workbook.json", "encoding": None}}
    call = module("main.bicep", "workbook")
    assert call["_path"] == "modules/workbook.bicep"
    assert dotted(call["params"]["applicationInsightsId"]) == "monitoring.outputs.applicationInsightsId"


def test_every_tile_queries_the_component_over_the_chosen_time_range():
    workbook = json.loads(WORKBOOK.read_text(encoding="utf-8"))
    assert workbook["version"] == "Notebook/1.0"
    [parameters] = [item for item in workbook["items"] if item["type"] == 9]
    assert [parameter["name"] for parameter in parameters["content"]["parameters"]] == ["TimeRange"]
    tiles = [item["content"] for item in workbook["items"] if item["type"] == 3]
    assert len(tiles) >= 8
    for tile in tiles:
        assert tile["resourceType"] == "microsoft.insights/components" and tile["title"]
        assert tile["timeContextFromParameter"] == "TimeRange"
        assert tile["query"].count("(") == tile["query"].count(")")


def test_the_queries_use_only_documented_telemetry_names():
    text = " ".join(queries())
    used = set(re.findall(r'"(ordersync\.[a-z_.]+)"', text))
    used |= set(re.findall(r"customDimensions\.([a-z_]+)", text))
    assert {"ordersync.ingest", "ordersync.sync_batch", "ordersync.records_written",
            "ordersync.orders_parked", "ordersync.monday.complexity"} <= used
    assert used <= documented_names(), used - documented_names()
