// ordersync on Azure: everything `azd up` creates from an empty subscription (docs/deploy.md walks through it).
// One resource group per azd environment; one user-assigned identity for everything the function app reaches.
// The Event Grid subscription of the inbox is not here: its webhook needs the blob extension's system key, which
// exists only once the code runs, so the postdeploy hook deploys eventgrid-subscription.bicep after `azd deploy`.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment (production, staging, ...): names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or service principal (azd fills in AZURE_PRINCIPAL_ID). Empty: no deployer roles.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
@description('What principalId is.')
param principalType string = 'User'

@description('Object id of the SQL server\'s Entra admin. Empty: the deploying principal. An Entra group holding you and the deploy pipeline lets both migrate.')
param sqlAdminObjectId string = ''

@description('Display name of that admin (a label for the portal; the object id is what signs in).')
param sqlAdminName string = 'ordersync-sql-admin'

@allowed([
  ''
  'User'
  'Group'
  'Application'
])
@description('Kind of sqlAdminObjectId. Empty: User or Application after principalType, or Group when sqlAdminObjectId is set.')
param sqlAdminType string = ''

@description('Public IP address of the machine running `azd up`, let through the SQL firewall so the postprovision hook can migrate. Empty: none.')
param deployerIpAddress string = ''

@description('E-mail address that receives the alerts. Empty: the action group has no receiver (add one later).')
param alertEmail string = ''

// Each instance runs one sync_batch message at a time with up to 16 monday requests (host.json batchSize
// 1 x [monday].max_concurrent_requests 16 = 16), and every integration of the monday account shares one
// complexity budget per minute: more instances only drain that budget faster and draw 429s. The sync needs one
// or two instances; on Flex Consumption the limit applies per function scale group (sync_batch is its own).
@minValue(1)
@maxValue(1000)
@description('Flex Consumption scale-out limit per function group. Low on purpose: see docs/deploy.md.')
param maximumInstanceCount int = 2

@description('The [environments.<name>] of configs/sync_order_list.toml the app uses (board, tables): ORDERSYNC_ENV.')
param ordersyncEnvironment string = 'production'

@secure()
@description('The monday API token, stored as the Key Vault secret monday-api-token. Empty: set it afterwards with `az keyvault secret set` (docs/deploy.md).')
param mondayApiToken string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'ordersync'
}
// The names the app settings, the containers, the queues and the Event Grid filter share.
var ordersContainer = 'orders-inbox'
var archiveContainer = 'orders-archive'
var rejectedContainer = 'orders-rejected'
var syncQueue = 'order-sync'
var deploymentContainer = 'app-package-${resourceToken}'
var functionAppName = 'func-${resourceToken}'
var sqlDatabaseName = 'ordersync'
var effectiveSqlAdminId = empty(sqlAdminObjectId) ? principalId : sqlAdminObjectId
var effectiveSqlAdminType = !empty(sqlAdminType) ? sqlAdminType : (!empty(sqlAdminObjectId) ? 'Group' : (principalType == 'User' ? 'User' : 'Application'))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: [
      ordersContainer
      archiveContainer
      rejectedContainer
      deploymentContainer
    ]
    queueNames: [
      syncQueue
      '${syncQueue}-poison'
    ]
    systemTopicName: 'evgt-${resourceToken}'
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    mondayApiToken: mondayApiToken
  }
}

module sql 'modules/sql.bicep' = {
  name: 'sql'
  scope: rg
  params: {
    serverName: 'sql-${resourceToken}'
    databaseName: sqlDatabaseName
    location: location
    tags: tags
    adminObjectId: effectiveSqlAdminId
    adminName: sqlAdminName
    adminType: effectiveSqlAdminType
    deployerIpAddress: deployerIpAddress
    logAnalyticsId: monitoring.outputs.logAnalyticsId
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module functionApp 'modules/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainer: deploymentContainer
    maximumInstanceCount: maximumInstanceCount
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    sqlConnectionString: sql.outputs.connectionString
    ordersContainer: ordersContainer
    archiveContainer: archiveContainer
    rejectedContainer: rejectedContainer
    syncQueue: syncQueue
    ordersyncEnvironment: ordersyncEnvironment
  }
  // The host signs in to storage, Key Vault and App Insights with the identity from its first start.
  dependsOn: [
    rbac
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    actionGroupName: 'ag-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    alertEmail: alertEmail
    poisonQueue: '${syncQueue}-poison'
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

// azd stores these in .azure/<environment>/.env; the hooks read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.url
output AZURE_FUNCTION_IDENTITY_NAME string = identity.outputs.name
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = storage.outputs.systemTopicName
output AZURE_ORDERS_INBOX_CONTAINER string = ordersContainer
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_SQL_SERVER_NAME string = sql.outputs.serverName
output AZURE_SQL_SERVER_FQDN string = sql.outputs.fqdn
output AZURE_SQL_DATABASE_NAME string = sqlDatabaseName
output AZURE_SQL_CONNECTION_STRING string = sql.outputs.connectionString
output ORDERSYNC_ENVIRONMENT string = ordersyncEnvironment
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
