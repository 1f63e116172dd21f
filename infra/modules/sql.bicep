// Azure SQL: a logical server that accepts Entra ID sign-ins only, and one serverless database that pauses when
// idle. The function app's identity becomes a contained user in the postprovision hook
// (infra/hooks/sql_app_user.py), after `python -m shared db migrate` has created the tables.
param serverName string
param databaseName string
param location string
param tags object

@description('Object id of the Entra admin (a user, a group or a service principal).')
param adminObjectId string

@description('Display name of the Entra admin.')
param adminName string

@allowed([
  'User'
  'Group'
  'Application'
])
param adminType string = 'User'

@description('Public IP address let through the firewall for the deployment hook. Empty: none.')
param deployerIpAddress string = ''

@description('Log Analytics workspace that receives the SQL audit records.')
param logAnalyticsId string

@minValue(15)
@description('Minutes without connections before the database pauses (it then bills storage only).')
param autoPauseDelayMinutes int = 60

resource server 'Microsoft.Sql/servers@2023-08-01-preview' = {
  name: serverName
  location: location
  tags: tags
  properties: {
    //checkov:skip=CKV_AZURE_113:Flex Consumption without a virtual network reaches SQL over the public endpoint (the "allow Azure services" rule below); sign-ins are Entra-only.
    //checkov:skip=CKV_AZURE_25:Threat detection alerts need Microsoft Defender for SQL (billed per server and month), out of proportion for one small order database with Entra-only sign-ins; auditing below records every sign-in and permission change.
    //checkov:skip=CKV_AZURE_24:The audit records go to Log Analytics, whose retention governs them (monitoring.bicep); retentionDays applies only to a storage-account target, which is not used.
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: adminName
      sid: adminObjectId
      principalType: adminType
      tenantId: tenant().tenantId
    }
  }
}

resource database 'Microsoft.Sql/servers/databases@2023-08-01-preview' = {
  parent: server
  name: databaseName
  location: location
  tags: tags
  sku: {
    name: 'GP_S_Gen5'
    tier: 'GeneralPurpose'
    family: 'Gen5'
    capacity: 1
  }
  properties: {
    //checkov:skip=CKV_AZURE_229:Zone redundancy is not offered for this serverless size at its price; the service's built-in high availability and the app's retries cover a failed node.
    //checkov:skip=CKV_AZURE_25:Threat detection needs Microsoft Defender for SQL, see the server.
    //checkov:skip=CKV_AZURE_26:Security alert e-mails belong to Defender for SQL, see the server; operational alerts go to the action group (alerts.bicep).
    //checkov:skip=CKV_AZURE_27:E-mail to the service and co-administrators is part of the same Defender for SQL alerts, see CKV_AZURE_26.
    //checkov:skip=CKV_AZURE_23:Auditing is on for the server (auditingSettings below), which covers every database on it.
    autoPauseDelay: autoPauseDelayMinutes
    minCapacity: json('0.5')
    maxSizeBytes: 34359738368
    requestedBackupStorageRedundancy: 'Local'
    zoneRedundant: false
  }
}

// 0.0.0.0 - 0.0.0.0 is Azure's "allow Azure services" rule: the function app (no virtual network) connects from
// Azure's outbound addresses, which are not fixed on Flex Consumption.
resource allowAzureServices 'Microsoft.Sql/servers/firewallRules@2023-08-01-preview' = {
  parent: server
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource allowDeployer 'Microsoft.Sql/servers/firewallRules@2023-08-01-preview' = if (!empty(deployerIpAddress)) {
  parent: server
  name: 'deployer'
  properties: {
    startIpAddress: deployerIpAddress
    endIpAddress: deployerIpAddress
  }
}

// Server-level auditing to Log Analytics: sign-ins, failed sign-ins and changes to users, roles, permissions and
// schema (ingest's ALTER TABLE). Not every statement (BATCH_COMPLETED_GROUP): that would log each sync query and
// multiply the Log Analytics bill.
resource masterDatabase 'Microsoft.Sql/servers/databases@2023-08-01-preview' existing = {
  //checkov:skip=CKV_AZURE_23:master is the server's own database (referenced here only for the audit diagnostic setting); the server-level auditing covers it.
  //checkov:skip=CKV_AZURE_25:Threat detection needs Microsoft Defender for SQL, see the server.
  parent: server
  name: 'master'
}

resource auditDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'sql-audit'
  scope: masterDatabase
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        category: 'SQLSecurityAuditEvents'
        enabled: true
      }
    ]
  }
}

resource auditing 'Microsoft.Sql/servers/auditingSettings@2023-08-01-preview' = {
  parent: server
  name: 'default'
  properties: {
    state: 'Enabled'
    isAzureMonitorTargetEnabled: true
    auditActionsAndGroups: [
      'SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP'
      'FAILED_DATABASE_AUTHENTICATION_GROUP'
      'DATABASE_PRINCIPAL_CHANGE_GROUP'
      'DATABASE_ROLE_MEMBER_CHANGE_GROUP'
      'DATABASE_PERMISSION_CHANGE_GROUP'
      'SCHEMA_OBJECT_CHANGE_GROUP'
    ]
  }
  dependsOn: [
    auditDiagnostics
  ]
}

output serverName string = server.name
output fqdn string = server.properties.fullyQualifiedDomainName
// No credentials: the app (and the hooks) sign in with an Entra token from DefaultAzureCredential.
output connectionString string = 'Driver={ODBC Driver 18 for SQL Server};Server=tcp:${server.properties.fullyQualifiedDomainName},1433;Database=${database.name};Encrypt=yes;TrustServerCertificate=no'
