-- ordersync schema, version 005 (T-SQL): the run history. One row per sync, reconcile and plan tick, from the
-- command line or a function: when, from where (source and host), the environment, the counts, monday's
-- requests, complexity and 429s, how long it took, the outcome (ok, failed: records failed, error: the run
-- stopped) and the failed records. counts and failures are JSON text; the code that writes them owns the format.

CREATE TABLE {runs_table} (
    run_id BIGINT IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    kind NVARCHAR(20) NOT NULL,
    source NVARCHAR(20) NOT NULL,
    host NVARCHAR(200) NOT NULL DEFAULT N'',
    environment NVARCHAR(100) NOT NULL,
    started_at NVARCHAR(40) NOT NULL,
    finished_at NVARCHAR(40) NOT NULL,
    duration_seconds FLOAT NOT NULL DEFAULT 0,
    outcome NVARCHAR(20) NOT NULL,
    orders INT NOT NULL DEFAULT 0,
    records_written INT NOT NULL DEFAULT 0,
    records_failed INT NOT NULL DEFAULT 0,
    requests INT NOT NULL DEFAULT 0,
    complexity BIGINT NOT NULL DEFAULT 0,
    rate_limited INT NOT NULL DEFAULT 0,
    counts NVARCHAR(MAX) NOT NULL,
    failures NVARCHAR(MAX) NOT NULL,
    error NVARCHAR(MAX) NULL
);

CREATE INDEX {runs_table:ix_started} ON {runs_table} (started_at);
