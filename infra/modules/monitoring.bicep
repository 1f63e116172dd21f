// Log Analytics and a workspace-based Application Insights. Local (instrumentation key) authentication is off:
// the host sends telemetry with the function app's identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), which
// holds Monitoring Metrics Publisher on this component (rbac.bicep).
param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

@minValue(30)
@maxValue(730)
@description('Days Log Analytics keeps the logs; the first 31 days are included in the ingestion price.')
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

output applicationInsightsId string = applicationInsights.id
output applicationInsightsName string = applicationInsights.name
output connectionString string = applicationInsights.properties.ConnectionString
output logAnalyticsId string = logAnalytics.id
