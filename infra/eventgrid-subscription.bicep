// Second pass, deployed by the postdeploy hook (infra/hooks/postdeploy.sh) after `azd deploy`: the Event Grid
// subscription that sends the inbox's BlobCreated events to the blob extension's webhook. The webhook needs the
// blobs_extension system key, which the host creates when it first runs the Event Grid blob trigger, so this
// cannot be part of main.bicep (the Azure-Samples Event Grid blob quickstart splits it the same way).
targetScope = 'resourceGroup'

param functionAppName string
param systemTopicName string

@description('The inbox container (ORDERS_CONTAINER).')
param ordersContainer string = 'orders-inbox'

@description('The blob-triggered function (function_app.py).')
param functionName string = 'ingest_orders'

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource inboxSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: 'inbox-to-${functionName}'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        // listKeys is evaluated at deployment time: the key never leaves Azure Resource Manager
        endpointUrl: 'https://${site.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${listKeys(resourceId('Microsoft.Web/sites/host', site.name, 'default'), '2024-04-01').systemKeys.blobs_extension}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      subjectBeginsWith: '/blobServices/default/containers/${ordersContainer}/'
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}
