-- ordersync schema, version 003 (SQLite): what one run learns and a later run needs (monday's unit costs, a
-- pause until monday's daily call limit resets, ...), one row per name. Text values; the code that writes a
-- name owns its format.

CREATE TABLE {sync_state_table} (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
