"""A local monday.com API v2 emulator: real GraphQL validation against monday's schema, faithful answers and
errors, complexity budget and rate limits, Idempotency-Key replays, and faults on demand.

See docs/emulator.md.
"""

from .api_errors import MondayApiError
from .board_state import BoardSpec, ColumnSpec, order_book_board
from .complexity import MUTATION_COSTS
from .faults import FAULT_KINDS, Fault, Faults, RequestInfo
from .graphql_api import SCHEMA_FILE, SchemaNotFound
from .request_log import EmulatorCounters, RequestRecord
from .server import MondayEmulator, new_token, run_emulator_in_thread

__all__ = [
    "FAULT_KINDS", "MUTATION_COSTS", "SCHEMA_FILE", "BoardSpec", "ColumnSpec", "EmulatorCounters", "Fault",
    "Faults", "MondayApiError", "MondayEmulator", "RequestInfo", "RequestRecord", "SchemaNotFound",
    "new_token", "order_book_board", "run_emulator_in_thread",
]
