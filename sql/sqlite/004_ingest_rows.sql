-- ordersync schema, version 004 (SQLite): the rejected rows and the warnings of every ingest, kept with its
-- log entry (`ingest show`, `status`), and the log's new counts: orders removed by a complete order list and
-- rows warned. A row of kind 'warning' with no row number is about the file as a whole.

CREATE TABLE {ingest_rows_table} (
    ingest_id INTEGER NOT NULL REFERENCES {ingest_log_table} (ingest_id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    sheet_row INTEGER,
    column_name TEXT,
    cell_value TEXT,
    message TEXT NOT NULL,
    PRIMARY KEY (ingest_id, seq)
);

CREATE INDEX {ingest_rows_table:ix_kind} ON {ingest_rows_table} (kind, ingest_id);

ALTER TABLE {ingest_log_table} ADD COLUMN orders_removed INTEGER NOT NULL DEFAULT 0;

ALTER TABLE {ingest_log_table} ADD COLUMN rows_warned INTEGER NOT NULL DEFAULT 0;
