-- ordersync schema, version 001 (T-SQL). Placeholders: {orders_table}, {lines_table}, {ingest_log_table} become
-- the quoted table names; {<table placeholder>:<purpose>} becomes an index name. Business columns are not
-- here: the store adds one NVARCHAR(MAX) NULL column per workbook header on demand. Timestamps are UTC
-- ISO-8601 text in NVARCHAR(40), as on SQLite. Keys compare byte for byte (BIN2), as on SQLite: the default
-- case-insensitive collation would make "ab" and "AB" the same order.

CREATE TABLE {orders_table} (
    record_uuid NVARCHAR(36) NOT NULL PRIMARY KEY,
    business_key NVARCHAR(450) COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    row_hash NVARCHAR(64) NOT NULL,
    sync_state NVARCHAR(20) NOT NULL,
    monday_item_id NVARCHAR(40) NULL,
    monday_group_id NVARCHAR(100) NULL,
    sync_attempts INT NOT NULL DEFAULT 0,
    sync_error NVARCHAR(MAX) NULL,
    last_synced_at NVARCHAR(40) NULL,
    next_attempt_at NVARCHAR(40) NULL,
    claim_id NVARCHAR(64) NULL,
    claimed_until NVARCHAR(40) NULL,
    source_file NVARCHAR(400) NULL,
    ingested_at NVARCHAR(40) NOT NULL,
    updated_at NVARCHAR(40) NOT NULL
);

CREATE INDEX {orders_table:ix_sync_state} ON {orders_table} (sync_state);

CREATE TABLE {lines_table} (
    line_uuid NVARCHAR(36) NOT NULL PRIMARY KEY,
    record_uuid NVARCHAR(36) NOT NULL REFERENCES {orders_table} (record_uuid),
    size_code NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    qty INT NOT NULL,
    sync_state NVARCHAR(20) NOT NULL,
    monday_subitem_id NVARCHAR(40) NULL,
    parent_item_id NVARCHAR(40) NULL,
    sync_attempts INT NOT NULL DEFAULT 0,
    sync_error NVARCHAR(MAX) NULL,
    last_synced_at NVARCHAR(40) NULL,
    updated_at NVARCHAR(40) NOT NULL,
    UNIQUE (record_uuid, size_code)
);

CREATE INDEX {lines_table:ix_sync_state} ON {lines_table} (sync_state);

CREATE TABLE {ingest_log_table} (
    ingest_id INT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    file_name NVARCHAR(400) NOT NULL,
    content_hash NVARCHAR(64) NOT NULL,
    ingested_at NVARCHAR(40) NOT NULL,
    outcome NVARCHAR(20) NOT NULL,
    message NVARCHAR(MAX) NOT NULL DEFAULT N'',
    rows_total INT NOT NULL DEFAULT 0,
    orders_new INT NOT NULL DEFAULT 0,
    orders_changed INT NOT NULL DEFAULT 0,
    orders_unchanged INT NOT NULL DEFAULT 0,
    rows_rejected INT NOT NULL DEFAULT 0,
    lines_new INT NOT NULL DEFAULT 0,
    lines_changed INT NOT NULL DEFAULT 0,
    lines_removed INT NOT NULL DEFAULT 0
);

-- The same content is applied at most once; a rejected file may be sent again (and is rejected again).
CREATE UNIQUE INDEX {ingest_log_table:ux_accepted_content} ON {ingest_log_table} (content_hash)
    WHERE outcome = N'accepted';
