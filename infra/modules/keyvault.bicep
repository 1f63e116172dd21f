// The vault of the monday API token. RBAC mode (no access policies): the function app's identity reads secrets
// (Key Vault Secrets User), the deploying user manages them (Key Vault Secrets Officer), both in rbac.bicep.
param name string
param location string
param tags object

@secure()
@description('The monday API token. Empty: the secret is not written here; set it with `az keyvault secret set`.')
param mondayApiToken string = ''

@minValue(7)
@maxValue(90)
@description('Days a deleted vault or secret can be recovered. With purge protection a deleted vault keeps its name that long.')
param softDeleteRetentionInDays int = 7

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    //checkov:skip=CKV_AZURE_109:Key Vault references of a Flex Consumption app without a virtual network come from the app's public outbound addresses, which are not fixed and are not a trusted service: a deny-by-default firewall would break MONDAY_API_TOKEN.
    //checkov:skip=CKV_AZURE_189:Same reason: the app and the deployer (az keyvault secret set) reach the vault over its public endpoint; every request needs an Entra token and an RBAC role.
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource mondayToken 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(mondayApiToken)) {
  parent: vault
  name: 'monday-api-token'
  properties: {
    //checkov:skip=CKV_AZURE_41:A monday API token has no expiry date; one set here would stop the sync on that day. Rotation is documented in docs/deploy.md.
    //checkov:skip=CKV_AZURE_114:contentType is set (text/plain); checkov does not read the body of a conditional resource.
    value: mondayApiToken
    contentType: 'text/plain'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
