// The one user-assigned identity of the function app: storage (host and app), Key Vault references, Azure SQL and
// Application Insights all sign in with it. A user-assigned identity outlives a redeployed site and can be granted
// its roles before the site first starts.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
