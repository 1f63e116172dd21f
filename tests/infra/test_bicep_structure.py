"""The Bicep of infra/ says what docs/deploy.md promises: read with pycep-parser, since nothing can be
deployed from here. checkov (make checks) looks for insecure settings; these tests look for the intended
ones."""

from __future__ import annotations

import json
import re

import pytest

from ..conftest import ROOT
from .bicep import (
    BICEP_FILES,
    INFRA,
    decorators,
    module,
    one_resource,
    parameter,
    parse,
    path_of,
    resources,
    role_of,
    variable,
)

FUNCTION = "modules/function.bicep"
STORAGE = "modules/storage.bicep"
SQL = "modules/sql.bicep"
RBAC = "modules/rbac.bicep"
ALERTS = "modules/alerts.bicep"
SKIP = re.compile(r"//\s*checkov:skip=(CKV2?_[A-Z]+_\d+)(?::(.*))?$")
ROLE_GUIDS = {
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
}


def dotted(expression) -> str:
    """``a.b.c`` of a property access as pycep nests it."""
    if isinstance(expression, str):
        return expression
    operands = expression["operator"]["operands"]
    return f"{dotted(operands['operand_1'])}.{dotted(operands['operand_2'])}"


def app_settings() -> dict[str, object]:
    site = one_resource(FUNCTION, "Microsoft.Web/sites")
    settings = site["properties"]["siteConfig"]["appSettings"]
    names = [setting["name"] for setting in settings]
    assert len(names) == len(set(names)), "an app setting is set twice"
    return {setting["name"]: setting["value"] for setting in settings}


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda path: str(path.relative_to(INFRA)))
def test_every_bicep_file_parses(path):
    # checkov silently passes over a file it cannot parse, so each one must parse
    assert parse(str(path.relative_to(INFRA)))


def test_main_is_azd_subscription_scope_with_its_parameters_file():
    main = parse("main.bicep")
    assert main["globals"]["scope"]["value"] == "subscription"
    values = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    assert values["environmentName"]["value"] == "${AZURE_ENV_NAME}"
    assert values["location"]["value"] == "${AZURE_LOCATION}"
    assert values["principalId"]["value"] == "${AZURE_PRINCIPAL_ID}"
    declared = main["parameters"]
    assert set(values) <= set(declared), "main.parameters.json names a parameter main.bicep lacks"
    required = {name for name, param in declared.items() if param["default"] is None}
    assert required <= set(values), "azd would prompt for a parameter the docs do not mention"
    assert "mondayApiToken" not in values  # a secret stays out of azd's .env files
    assert "secure" in decorators("main.bicep", "mondayApiToken")


def test_every_module_exists_and_gets_only_parameters_it_declares():
    for relative in ("main.bicep",):
        for name in parse(relative)["modules"]:
            call = module(relative, name)
            target = path_of(call["_path"])
            assert target.is_file(), f"{relative}: module {name}: {call['_path']} does not exist"
            declared = parse(str(target.relative_to(INFRA)))["parameters"]
            given = set(call["params"])
            assert given <= set(declared), f"{name}: unknown parameters {given - set(declared)}"
            missing = {param for param, spec in declared.items() if spec["default"] is None} - given
            assert not missing, f"{name}: required parameters not given: {missing}"


def test_plan_is_flex_consumption_fc1():
    plan = one_resource(FUNCTION, "Microsoft.Web/serverfarms")
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan["properties"]["reserved"] is True  # Linux


def test_function_app_runtime_scale_and_deployment_storage():
    site = one_resource(FUNCTION, "Microsoft.Web/sites")
    assert site["kind"] == "functionapp,linux"
    assert site["properties"]["httpsOnly"] is True
    config = site["properties"]["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "3.11"}
    assert config["scaleAndConcurrency"]["instanceMemoryMB"] == 2048
    storage = config["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"] == {"type": "UserAssignedIdentity",
                                         "userAssignedIdentityResourceId": "identityId"}


def test_maximum_instance_count_is_a_parameter_with_a_low_default():
    site = one_resource(FUNCTION, "Microsoft.Web/sites")
    assert site["properties"]["functionAppConfig"]["scaleAndConcurrency"]["maximumInstanceCount"] == \
        "maximumInstanceCount"
    for relative in ("main.bicep", FUNCTION):
        assert parameter(relative, "maximumInstanceCount")["type"] == "int"
        assert 1 <= parameter(relative, "maximumInstanceCount")["default"] <= 2
        assert decorators(relative, "maximumInstanceCount")["min_value"] == 1
    assert module("main.bicep", "functionApp")["params"]["maximumInstanceCount"] == "maximumInstanceCount"


def test_function_app_signs_in_everywhere_with_the_one_user_assigned_identity():
    site = one_resource(FUNCTION, "Microsoft.Web/sites")
    assert site["identity"]["type"] == "UserAssigned"
    assert list(site["identity"]["userAssignedIdentities"]) == ["'${identityId}'"]
    assert site["properties"]["keyVaultReferenceIdentity"] == "identityId"
    settings = app_settings()
    assert settings["AzureWebJobsStorage__accountName"] == "storageAccountName"
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert settings["AZURE_CLIENT_ID"] == "identityClientId"
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == \
        "ClientId=${identityClientId};Authorization=AAD"
    assert settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] == "applicationInsightsConnectionString"
    assert "AzureWebJobsStorage" not in settings  # no connection string, no account key
    # main.bicep hands the app the identity module's outputs, and starts it after the role assignments
    params = module("main.bicep", "functionApp")["params"]
    assert module("main.bicep", "identity")["_path"] == "modules/identity.bicep"
    assert dotted(params["identityId"]) == "identity.outputs.id"
    assert dotted(params["identityClientId"]) == "identity.outputs.clientId"
    rbac = module("main.bicep", "rbac")["params"]
    assert dotted(rbac["identityPrincipalId"]) == "identity.outputs.principalId"
    assert module("main.bicep", "functionApp")["dependsOn"] == ["rbac"]


def test_function_app_settings_for_production():
    settings = app_settings()
    assert settings["ORDERSYNC_ENV"] == "ordersyncEnvironment"
    assert parameter(FUNCTION, "ordersyncEnvironment")["default"] == "production"
    assert parameter("main.bicep", "ordersyncEnvironment")["default"] == "production"
    assert settings["ORDERSYNC_DATABASE"] == "sqlConnectionString"
    assert settings["BLOB_TRIGGER_SOURCE"] == "EventGrid"
    assert settings["MONDAY_API_TOKEN"] == \
        "@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/monday-api-token/)"
    assert settings["ORDERS_CONTAINER"] == "ordersContainer"
    assert settings["SYNC_QUEUE"] == "syncQueue"
    # Flex Consumption refuses these as app settings: the runtime lives in functionAppConfig
    for name in ("FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE",
                 "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"):
        assert name not in settings


def test_sql_connection_string_holds_no_credentials():
    output = parse(SQL)["outputs"]["connectionString"]["value"]
    assert output.startswith("Driver={ODBC Driver 18 for SQL Server};Server=tcp:")
    assert ",1433;Database=" in output and output.endswith(";Encrypt=yes;TrustServerCertificate=no")
    lowered = output.lower()
    for key in ("uid=", "pwd=", "password=", "user id=", "authentication="):
        assert key not in lowered


def test_storage_account_hardening():
    account = one_resource(STORAGE, "Microsoft.Storage/storageAccounts")
    properties = account["properties"]
    assert properties["allowSharedKeyAccess"] is False
    assert properties["minimumTlsVersion"] == "TLS1_2"
    assert properties["allowBlobPublicAccess"] is False
    assert properties["supportsHttpsTrafficOnly"] is True
    assert properties["allowCrossTenantReplication"] is False
    containers = one_resource(STORAGE, "Microsoft.Storage/storageAccounts/blobServices/containers")
    assert containers["properties"]["publicAccess"] == "None"


def test_containers_and_queues():
    assert one_resource(STORAGE, "Microsoft.Storage/storageAccounts/blobServices/containers")["name"] == \
        "containerName"
    assert one_resource(STORAGE, "Microsoft.Storage/storageAccounts/queueServices/queues")["name"] == \
        "queueName"
    params = module("main.bicep", "storage")["params"]
    containers = [variable("main.bicep", name) for name in params["containerNames"]]
    assert containers[:3] == ["orders-inbox", "orders-archive", "orders-rejected"]
    assert containers[3].startswith("app-package-")
    queue = variable("main.bicep", "syncQueue")
    assert queue == "order-sync"
    assert params["queueNames"] == ["syncQueue", "${syncQueue}-poison"]
    # the deployment container is the one the function app deploys from
    assert module("main.bicep", "functionApp")["params"]["deploymentContainer"] == "deploymentContainer"
    assert params["containerNames"][3] == "deploymentContainer"


def test_event_grid_system_topic_and_inbox_subscription():
    topic = one_resource(STORAGE, "Microsoft.EventGrid/systemTopics")
    assert topic["properties"]["topicType"] == "Microsoft.Storage.StorageAccounts"
    subscription = one_resource("eventgrid-subscription.bicep",
                                "Microsoft.EventGrid/systemTopics/eventSubscriptions")
    container = parameter("eventgrid-subscription.bicep", "ordersContainer")["default"]
    assert container == "orders-inbox"
    event_filter = subscription["properties"]["filter"]
    assert event_filter["subjectBeginsWith"].replace("${ordersContainer}", container) == \
        "/blobServices/default/containers/orders-inbox/"
    assert event_filter["includedEventTypes"] == ["Microsoft.Storage.BlobCreated"]
    destination = subscription["properties"]["destination"]
    assert destination["endpointType"] == "WebHook"
    function_name = parameter("eventgrid-subscription.bicep", "functionName")["default"]
    url = destination["properties"]["endpointUrl"].replace("${functionName}", function_name)
    key = ("${listKeys(resourceId('Microsoft.Web/sites/host', site.name, 'default'), '2024-04-01')"
           ".systemKeys.blobs_extension}")
    assert url == ("https://${site.properties.defaultHostName}/runtime/webhooks/blobs"
                   f"?functionName=Host.Functions.ingest_orders&code={key}")
    assert "def ingest_orders(" in (ROOT / "function_app.py").read_text(encoding="utf-8")


def test_key_vault_rbac_soft_delete_and_purge_protection():
    vault = one_resource("modules/keyvault.bicep", "Microsoft.KeyVault/vaults")["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["enableSoftDelete"] is True
    assert vault["enablePurgeProtection"] is True
    assert "accessPolicies" not in vault
    secret = one_resource("modules/keyvault.bicep", "Microsoft.KeyVault/vaults/secrets")
    assert secret["name"] == "monday-api-token"
    assert "secure" in decorators("modules/keyvault.bicep", "mondayApiToken")
    assert parameter("modules/keyvault.bicep", "mondayApiToken")["default"] == ""


def test_sql_server_entra_only_and_serverless_database():
    server = one_resource(SQL, "Microsoft.Sql/servers")["properties"]
    assert server["minimalTlsVersion"] == "1.2"
    admins = server["administrators"]
    assert admins["administratorType"] == "ActiveDirectory"
    assert admins["azureADOnlyAuthentication"] is True
    assert "administratorLogin" not in server and "administratorLoginPassword" not in server
    database = resources(SQL, "Microsoft.Sql/servers/databases")["database"]
    assert database["sku"] == {"name": "GP_S_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 1}
    assert database["properties"]["autoPauseDelay"] == "autoPauseDelayMinutes"
    assert parameter(SQL, "autoPauseDelayMinutes")["default"] >= 15
    rules = resources(SQL, "Microsoft.Sql/servers/firewallRules")
    assert rules["allowAzureServices"]["properties"] == {"startIpAddress": "0.0.0.0",
                                                         "endIpAddress": "0.0.0.0"}
    assert set(rules) == {"allowAzureServices", "allowDeployer"}  # nothing open to the internet
    # the deploying principal is the Entra admin unless an admin group is named
    admin = variable("main.bicep", "effectiveSqlAdminId")["operator"]["operands"]
    assert admin["true_value"] == "principalId"


def test_application_insights_takes_entra_authenticated_telemetry_only():
    component = one_resource("modules/monitoring.bicep", "Microsoft.Insights/components")["properties"]
    assert component["DisableLocalAuth"] is True
    assert dotted(component["WorkspaceResourceId"]) == "logAnalytics.id"


def test_role_assignments_of_the_app_identity():
    roles = variable(RBAC, "roles")
    assignments = resources(RBAC, "Microsoft.Authorization/roleAssignments")
    for_app = {name: body for name, body in assignments.items()
               if body["properties"]["principalId"] == "identityPrincipalId"}
    granted = {(role_of(body, roles), body["scope"]) for body in for_app.values()}
    assert granted == {
        (ROLE_GUIDS["Storage Blob Data Owner"], "storage"),
        (ROLE_GUIDS["Storage Queue Data Contributor"], "storage"),
        (ROLE_GUIDS["Key Vault Secrets User"], "vault"),
        (ROLE_GUIDS["Monitoring Metrics Publisher"], "applicationInsights"),
    }
    assert all(body["properties"]["principalType"] == "ServicePrincipal" for body in for_app.values())
    for_deployer = {role_of(body, roles) for body in assignments.values()
                    if body["properties"]["principalId"] == "deployerPrincipalId"}
    assert for_deployer == {ROLE_GUIDS["Storage Blob Data Owner"], "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"}
    # no broad role anywhere: Owner, Contributor, User Access Administrator
    assert not {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c",
                "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"} & set(roles.values())


def test_alert_rules_and_their_action_group():
    group = one_resource(ALERTS, "Microsoft.Insights/actionGroups")
    receivers = group["properties"]["emailReceivers"]["operator"]["operands"]
    assert receivers["true_value"] == []
    assert receivers["false_value"][0]["emailAddress"] == "alertEmail"
    rules = {rule["name"]: rule for rule in variable(ALERTS, "rules")}
    assert set(rules) == {"poison-message", "failed-executions", "orders-parked", "no-plan-tick",
                          "daily-limit"}
    poison = rules["poison-message"]["query"].replace("${poisonQueue}",
                                                      parameter(ALERTS, "poisonQueue")["default"])
    assert '"order-sync-poison"' in poison and "Moving message to queue" in poison
    assert rules["failed-executions"]["query"].startswith("requests | where success == false")
    assert rules["orders-parked"]["query"] == \
        'customMetrics | where name == "ordersync.orders_parked" and value > 0'
    tick = rules["no-plan-tick"]
    assert '"ordersync.plan"' in tick["query"] and tick["window"] == "PT30M"
    assert (tick["operator"], tick["threshold"]) == ("LessThan", 1)
    assert '"ordersync.sync_batch"' in rules["daily-limit"]["query"]
    assert "customDimensions.daily_limit" in rules["daily-limit"]["query"]
    alert = one_resource(ALERTS, "Microsoft.Insights/scheduledQueryRules")
    assert alert["properties"]["scopes"] == ["applicationInsightsId"]
    assert dotted(alert["properties"]["actions"]["actionGroups"][0]) == "actionGroup.id"
    assert module("main.bicep", "alerts")["params"]["alertEmail"] == "alertEmail"


def test_alert_queries_use_only_the_telemetry_names_of_docs_operations():
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = doc.split("## Telemetry names", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Za-z_.]+)`", section))
    queries = " ".join(rule["query"] for rule in variable(ALERTS, "rules"))
    used = set(re.findall(r'"(ordersync\.[a-z_.]+)"', queries))
    used |= set(re.findall(r"customDimensions\.([a-z_]+)", queries))
    assert used, "the alert queries name no telemetry"
    assert used <= documented, f"not in docs/operations.md's Telemetry names: {used - documented}"
    for rule in variable(ALERTS, "rules"):  # the doc's alert table names each rule
        assert f"`ordersync-{rule['name']}`" in doc


def inline_skips() -> dict[str, list[tuple[str, str]]]:
    """checkov skip id -> [(file, reason)] for every //checkov:skip comment under infra/."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in BICEP_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = SKIP.search(line.strip())
            if match:
                found.setdefault(match[1], []).append((path.name, (match[2] or "").strip()))
    return found


def test_every_checkov_skip_carries_a_reason():
    skips = inline_skips()
    assert skips
    for check, places in skips.items():
        for file, reason in places:
            assert len(reason.split()) >= 6, f"{file}: {check} is skipped without a written reason"


def test_checkov_config_only_repeats_the_inline_skips_of_graph_checks():
    # checkov's Bicep runner ignores inline skips for graph checks; infra/.checkov.yaml repeats exactly those.
    config = (INFRA / ".checkov.yaml").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s*-\s*(CKV2?_[A-Z]+_\d+)", config, flags=re.MULTILINE))
    graph_checks = {"CKV_AZURE_23", "CKV_AZURE_24", "CKV_AZURE_25"}  # checkov/bicep/checks/graph_checks
    assert listed == graph_checks
    assert listed <= set(inline_skips())
    assert re.findall(r"^[a-z-]+:", config, flags=re.MULTILINE) == ["skip-check:"]  # nothing else configured
