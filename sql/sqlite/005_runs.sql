-- ordersync schema, version 005 (SQLite): the run history. One row per sync, reconcile and plan tick, from the
-- command line or a function: when, from where (source and host), the environment, the counts, monday's
-- requests, complexity and 429s, how long it took, the outcome (ok, failed: records failed, error: the run
-- stopped) and the failed records. counts and failures are JSON text; the code that writes them owns the format.

CREATE TABLE {runs_table} (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    host TEXT NOT NULL DEFAULT '',
    environment TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    duration_seconds REAL NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL,
    orders INTEGER NOT NULL DEFAULT 0,
    records_written INTEGER NOT NULL DEFAULT 0,
    records_failed INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    complexity INTEGER NOT NULL DEFAULT 0,
    rate_limited INTEGER NOT NULL DEFAULT 0,
    counts TEXT NOT NULL,
    failures TEXT NOT NULL,
    error TEXT
);

CREATE INDEX {runs_table:ix_started} ON {runs_table} (started_at);
