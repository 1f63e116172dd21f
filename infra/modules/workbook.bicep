// The one-page Azure Monitor workbook over Application Insights (infra/workbook.json, described in
// docs/operations.md): files, plan ticks, sync batches, the backlog and monday's calls.
param location string
param tags object
param applicationInsightsId string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name is a GUID; this one stays the same across deployments of the environment.
  name: guid(resourceGroup().id, applicationInsightsId, 'ordersync-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'ordersync'
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: loadTextContent('../workbook.json')
  }
}

output id string = workbook.id
