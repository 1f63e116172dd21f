-- ordersync schema, version 004 (T-SQL): the rejected rows and the warnings of every ingest, kept with its
-- log entry (`ingest show`, `status`), and the log's new counts: orders removed by a complete order list and
-- rows warned. A row of kind 'warning' with no row number is about the file as a whole.

CREATE TABLE {ingest_rows_table} (
    ingest_id INT NOT NULL REFERENCES {ingest_log_table} (ingest_id),
    seq INT NOT NULL,
    kind NVARCHAR(20) NOT NULL,
    sheet_row INT NULL,
    column_name NVARCHAR(400) NULL,
    cell_value NVARCHAR(MAX) NULL,
    message NVARCHAR(MAX) NOT NULL,
    PRIMARY KEY (ingest_id, seq)
);

CREATE INDEX {ingest_rows_table:ix_kind} ON {ingest_rows_table} (kind, ingest_id);

-- The defaults are left unnamed: constraint names are unique per schema, and several environments may share one.
ALTER TABLE {ingest_log_table} ADD orders_removed INT NOT NULL DEFAULT 0;

ALTER TABLE {ingest_log_table} ADD rows_warned INT NOT NULL DEFAULT 0;
