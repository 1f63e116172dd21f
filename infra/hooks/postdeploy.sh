#!/bin/sh
# azd postdeploy hook: subscribe the blob extension's webhook to the inbox's BlobCreated events by deploying
# infra/eventgrid-subscription.bicep. The webhook URL carries the blobs_extension system key, which the host
# creates when it first runs the Event Grid blob trigger, so this waits for the key after the code is deployed
# (the Azure-Samples Event Grid blob quickstart does the same after deployment). Needs the Azure CLI, signed in
# (`az login`) to the same subscription. Safe to run again: the deployment is idempotent.
set -eu
cd "$(dirname "$0")/../.."

: "${AZURE_RESOURCE_GROUP:?missing: run this through azd (azd deploy / azd up)}"
: "${AZURE_FUNCTION_APP_NAME:?missing: run this through azd}"
: "${AZURE_EVENTGRID_SYSTEM_TOPIC_NAME:?missing: run this through azd}"
command -v az >/dev/null 2>&1 || { echo "postdeploy: the Azure CLI (az) is required: https://aka.ms/azure-cli" >&2; exit 1; }
if [ -n "${AZURE_SUBSCRIPTION_ID:-}" ]; then
  az account set --subscription "$AZURE_SUBSCRIPTION_ID"
fi

attempt=1
until key=$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --query systemKeys.blobs_extension --output tsv 2>/dev/null) && [ -n "$key" ]; do
  if [ "$attempt" -ge 20 ]; then
    echo "postdeploy: no blobs_extension key after $attempt tries: is ingest_orders deployed and the host running?" >&2
    exit 1
  fi
  echo "postdeploy: waiting for the host to create the blobs_extension key ($attempt/20)"
  # A request starts an idle host; it creates the key when it indexes the blob trigger.
  if [ -n "${AZURE_FUNCTION_APP_URL:-}" ] && command -v curl >/dev/null 2>&1; then
    curl --silent --output /dev/null --max-time 30 "$AZURE_FUNCTION_APP_URL/" || true
  fi
  attempt=$((attempt + 1))
  sleep 15
done
unset key  # the deployment reads the key itself (listKeys); it is never passed on a command line

echo "postdeploy: subscribing ingest_orders to BlobCreated in ${AZURE_ORDERS_INBOX_CONTAINER:-orders-inbox}"
az deployment group create --resource-group "$AZURE_RESOURCE_GROUP" --name ordersync-eventgrid-subscription \
  --template-file infra/eventgrid-subscription.bicep \
  --parameters functionAppName="$AZURE_FUNCTION_APP_NAME" \
               systemTopicName="$AZURE_EVENTGRID_SYSTEM_TOPIC_NAME" \
               ordersContainer="${AZURE_ORDERS_INBOX_CONTAINER:-orders-inbox}" \
  --output none
echo "postdeploy: done"
