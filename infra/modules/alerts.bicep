// The action group and the log alerts on Application Insights. The custom event and metric names are the
// telemetry contract in docs/operations.md ("Telemetry names"); keep the two in step.
param actionGroupName string
param location string
param tags object
param applicationInsightsId string

@description('E-mail address that receives the alerts. Empty: no receiver.')
param alertEmail string = ''

@description('The sync queue\'s poison queue (<SYNC_QUEUE>-poison).')
param poisonQueue string = 'order-sync-poison'

// Each rule counts the rows its query returns in the window and fires on `operator threshold`.
var rules = [
  {
    name: 'poison-message'
    displayName: 'ordersync: a sync message moved to the poison queue'
    description: 'The host gave up on a sync_batch message after 5 deliveries, or the app copied a malformed message to ${poisonQueue}. Its orders are planned again; read the message, then delete it.'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 0
    query: 'traces | where message has "${poisonQueue}" and (message has "Moving message to queue" or message has "moved to")'
  }
  {
    name: 'failed-executions'
    displayName: 'ordersync: failed function executions'
    description: 'An invocation of ingest_orders, plan_sync, sync_batch or status failed (the host retries it).'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    operator: 'GreaterThan'
    threshold: 0
    query: 'requests | where success == false | project timestamp, operation_Name, resultCode, operation_Id'
  }
  {
    name: 'orders-parked'
    displayName: 'ordersync: orders parked'
    description: 'Orders failed on monday max_attempts times and are no longer retried: fix their data or the board, then re-queue them.'
    severity: 3
    frequency: 'PT1H'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 0
    query: 'customMetrics | where name == "ordersync.orders_parked" and value > 0'
  }
  {
    name: 'no-plan-tick'
    displayName: 'ordersync: no successful plan tick in 30 minutes'
    description: 'plan_sync runs every 5 minutes; none succeeded in the last 30 (app stopped, storage or SQL unreachable).'
    severity: 1
    frequency: 'PT10M'
    window: 'PT30M'
    operator: 'LessThan'
    threshold: 1
    // The requests half works before the ordersync.plan event ships; afterwards both tell the same.
    query: 'union (customEvents | where name == "ordersync.plan" and tostring(customDimensions.outcome) == "ok"), (requests | where operation_Name == "plan_sync" and success == true)'
  }
  {
    name: 'daily-limit'
    displayName: 'ordersync: monday daily call limit reached'
    description: 'monday refused calls for the rest of the day (daily limit); syncing resumes after its reset.'
    severity: 2
    frequency: 'PT15M'
    window: 'PT1H'
    operator: 'GreaterThan'
    threshold: 0
    query: 'union (customEvents | where name == "ordersync.sync_batch" and tolower(tostring(customDimensions.daily_limit)) in ("true", "1")), (traces | where message has "DailyLimitExceeded")'
  }
]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'ordersync'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'operations'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for rule in rules: {
  name: 'ordersync-${rule.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: rule.displayName
    description: rule.description
    severity: rule.severity
    enabled: true
    evaluationFrequency: rule.frequency
    windowSize: rule.window
    scopes: [
      applicationInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Count'
          operator: rule.operator
          threshold: rule.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]
