// The storage account of the host, the inbox, the archive, the rejected files, the sync queue and the deployment
// package. Entra ID only (no shared keys), TLS 1.2, HTTPS only, no anonymous blob access. The Event Grid system
// topic publishes its blob events; the subscription to the inbox is made after the code is deployed
// (eventgrid-subscription.bicep).
param name string
param location string
param tags object

@description('Blob containers to create: inbox, archive, rejected, deployment package.')
param containerNames array

@description('Queues to create: the sync queue and its poison queue.')
param queueNames array

param systemTopicName string

@minValue(1)
@maxValue(365)
@description('Days a deleted or overwritten workbook can be restored.')
param blobRetentionDays int = 7

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    //checkov:skip=CKV_AZURE_206:LRS is enough: the workbooks are a copy of what the customers send, the archive only keeps them for reference, and the orders live in Azure SQL.
    name: 'Standard_LRS'
  }
  properties: {
    //checkov:skip=CKV_AZURE_59:Flex Consumption without a virtual network reaches its storage over the public endpoint; every request still needs an Entra token (shared keys are off).
    //checkov:skip=CKV_AZURE_35:Same reason: a default-deny network rule would lock out the function app and Event Grid's deliveries without a virtual network.
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      services: {
        blob: {
          enabled: true
        }
        queue: {
          enabled: true
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: blobRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: blobRetentionDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for containerName in containerNames: {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queueName in queueNames: {
  parent: queueService
  name: queueName
}]

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output systemTopicName string = systemTopic.name
