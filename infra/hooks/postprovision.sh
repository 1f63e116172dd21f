#!/bin/sh
# azd postprovision hook: bring the SQL schema up to date, then make the function app's identity a contained user
# of the database with the roles it needs (infra/hooks/sql_app_user.py). Both run as the deploying identity (azd's
# sign-in, else the Azure CLI's), which is the SQL server's Entra admin or a member of its admin group.
#
# Needs on this machine: Python 3.11 with requirements.txt (`make setup` makes .venv), the Microsoft ODBC Driver 18
# for SQL Server, and a way through the SQL firewall (`azd env set DEPLOYER_IP_ADDRESS <your public IP>`, then
# `azd provision`). Safe to run again: migrations and grants are idempotent.
set -eu
cd "$(dirname "$0")/../.."

: "${AZURE_SQL_CONNECTION_STRING:?missing: run this through azd (azd provision / azd up) so main.bicep outputs are set}"
: "${AZURE_FUNCTION_IDENTITY_NAME:?missing: run this through azd}"
: "${AZURE_FUNCTION_IDENTITY_CLIENT_ID:?missing: run this through azd}"

# The configuration's environment (production unless `azd env set ORDERSYNC_ENVIRONMENT staging`).
ORDERSYNC_ENVIRONMENT="${ORDERSYNC_ENVIRONMENT:-production}"
PYTHON="${ORDERSYNC_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
if ! "$PYTHON" -c "import pyodbc, azure.identity" 2>/dev/null; then
  echo "postprovision: $PYTHON lacks pyodbc or azure-identity: run \`make setup\` (or pip install -r requirements.txt)" >&2
  exit 1
fi

echo "postprovision: migrating ${AZURE_SQL_DATABASE_NAME:-the database} on ${AZURE_SQL_SERVER_FQDN:-the server}"
ORDERSYNC_ENV="$ORDERSYNC_ENVIRONMENT" ORDERSYNC_DATABASE="$AZURE_SQL_CONNECTION_STRING" "$PYTHON" -m shared db migrate

echo "postprovision: granting $AZURE_FUNCTION_IDENTITY_NAME its database roles"
ORDERSYNC_ENV="$ORDERSYNC_ENVIRONMENT" "$PYTHON" infra/hooks/sql_app_user.py
