"""Azure Functions entry points (Python v2 model). Wiring only: the logic lives in ``shared/``."""

import azure.functions as func

app = func.FunctionApp()
