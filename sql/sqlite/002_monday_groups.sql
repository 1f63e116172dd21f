-- ordersync schema, version 002 (SQLite): the monday groups of each board, by title. The row per (board, title)
-- is unique, so it doubles as the lock under which a sync worker finds or creates the group: two workers that
-- need the same new group at the same moment create it once. title_key is the title with white space collapsed
-- and case folded (how monday titles are compared).

CREATE TABLE {groups_table} (
    board_id TEXT NOT NULL,
    title_key TEXT NOT NULL,
    title TEXT NOT NULL,
    group_id TEXT,
    lock_token TEXT,
    locked_until TEXT,
    PRIMARY KEY (board_id, title_key)
);
