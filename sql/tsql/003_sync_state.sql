-- ordersync schema, version 003 (T-SQL): what one run learns and a later run needs (monday's unit costs, a
-- pause until monday's daily call limit resets, ...), one row per name. Text values; the code that writes a
-- name owns its format.

CREATE TABLE {sync_state_table} (
    name NVARCHAR(200) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    value NVARCHAR(4000) NOT NULL,
    updated_at NVARCHAR(40) NOT NULL
);
