-- ordersync schema, version 001 (SQLite). Placeholders: {orders_table}, {lines_table}, {ingest_log_table} become
-- the quoted table names; {<table placeholder>:<purpose>} becomes an index name. Business columns are not
-- here: the store adds one nullable TEXT column per workbook header on demand. Timestamps are UTC ISO-8601 text.

CREATE TABLE {orders_table} (
    record_uuid TEXT NOT NULL PRIMARY KEY,
    business_key TEXT NOT NULL UNIQUE,
    row_hash TEXT NOT NULL,
    sync_state TEXT NOT NULL,
    monday_item_id TEXT,
    monday_group_id TEXT,
    sync_attempts INTEGER NOT NULL DEFAULT 0,
    sync_error TEXT,
    last_synced_at TEXT,
    next_attempt_at TEXT,
    claim_id TEXT,
    claimed_until TEXT,
    source_file TEXT,
    ingested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX {orders_table:ix_sync_state} ON {orders_table} (sync_state);

CREATE TABLE {lines_table} (
    line_uuid TEXT NOT NULL PRIMARY KEY,
    record_uuid TEXT NOT NULL REFERENCES {orders_table} (record_uuid),
    size_code TEXT NOT NULL,
    qty INTEGER NOT NULL,
    sync_state TEXT NOT NULL,
    monday_subitem_id TEXT,
    parent_item_id TEXT,
    sync_attempts INTEGER NOT NULL DEFAULT 0,
    sync_error TEXT,
    last_synced_at TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (record_uuid, size_code)
);

CREATE INDEX {lines_table:ix_sync_state} ON {lines_table} (sync_state);

CREATE TABLE {ingest_log_table} (
    ingest_id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    rows_total INTEGER NOT NULL DEFAULT 0,
    orders_new INTEGER NOT NULL DEFAULT 0,
    orders_changed INTEGER NOT NULL DEFAULT 0,
    orders_unchanged INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    lines_new INTEGER NOT NULL DEFAULT 0,
    lines_changed INTEGER NOT NULL DEFAULT 0,
    lines_removed INTEGER NOT NULL DEFAULT 0
);

-- The same content is applied at most once; a rejected file may be sent again (and is rejected again).
CREATE UNIQUE INDEX {ingest_log_table:ux_accepted_content} ON {ingest_log_table} (content_hash)
    WHERE outcome = 'accepted';
