// The Flex Consumption plan and the function app. Python 3.11, 2 GB instances, a low scale-out limit, the package
// in a blob container read with the user-assigned identity, and every app setting the code reads (the names are
// checked against the code and local.settings.json.example by tests/infra/test_app_settings.py).
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainer string
param applicationInsightsConnectionString string
param keyVaultUri string
param sqlConnectionString string
param ordersContainer string
param archiveContainer string
param rejectedContainer string
param syncQueue string

@description('ORDERSYNC_ENV: the [environments.<name>] of the configuration (board id, table names).')
param ordersyncEnvironment string = 'production'

// See main.bicep: 16 monday requests per instance, one complexity budget per monday account.
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 2

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    //checkov:skip=CKV_AZURE_225:Zone redundancy on Flex Consumption needs always-ready instances, billed around the clock; the sync tolerates a lost instance (the host redelivers the message).
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    //checkov:skip=CKV_AZURE_222:Event Grid delivers the inbox's blob events to the app's public webhook (with the blobs_extension key), and the status function answers there with a function key.
    //checkov:skip=CKV_AZURE_17:Event Grid cannot present a client certificate; the webhook and the status function are protected by their keys.
    //checkov:skip=CKV_AZURE_212:Flex Consumption scales to zero on purpose (no idle cost); timer, queue and blob triggers start an instance when work arrives.
    //checkov:skip=CKV_AZURE_213:There is no HTTP workload to take an unhealthy instance out of; the status function and the alerts (no plan tick, failed executions) watch the app.
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not app settings on Flex Consumption: the
      // runtime is functionAppConfig.runtime below, and the platform rejects them.
      appSettings: [
        // Identity-based storage for the host and the app (shared/functions/settings.py StorageConnection).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storageAccountName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        // DefaultAzureCredential (the SQL token) picks the user-assigned identity by this client id.
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
        // Telemetry with the identity: the component's local authentication is off.
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        {
          name: 'ORDERSYNC_ENV'
          value: ordersyncEnvironment
        }
        {
          name: 'ORDERSYNC_DATABASE'
          value: sqlConnectionString
        }
        // Resolved with keyVaultReferenceIdentity; a new secret version is read within a day or at a restart.
        {
          name: 'MONDAY_API_TOKEN'
          value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/monday-api-token/)'
        }
        {
          name: 'MONDAY_API_URL'
          value: 'https://api.monday.com/v2'
        }
        {
          name: 'SYNC_SCHEDULE'
          value: '0 */5 * * * *'
        }
        {
          name: 'RECONCILE_SCHEDULE'
          value: '0 30 2 * * *'
        }
        {
          name: 'SYNC_QUEUE'
          value: syncQueue
        }
        {
          name: 'ORDERS_CONTAINER'
          value: ordersContainer
        }
        {
          name: 'ARCHIVE_CONTAINER'
          value: archiveContainer
        }
        {
          name: 'REJECTED_CONTAINER'
          value: rejectedContainer
        }
        // The only blob source Flex Consumption supports; the subscription is eventgrid-subscription.bicep.
        {
          name: 'BLOB_TRIGGER_SOURCE'
          value: 'EventGrid'
        }
        {
          name: 'PLAN_AFTER_INGEST'
          value: 'true'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
