-- ordersync schema, version 002 (T-SQL): the monday groups of each board, by title. The row per (board, title)
-- is unique, so it doubles as the lock under which a sync worker finds or creates the group: two workers that
-- need the same new group at the same moment create it once. title_key is the title with white space collapsed
-- and case folded (how monday titles are compared); BIN2 keeps the comparison byte for byte, as on SQLite.

CREATE TABLE {groups_table} (
    board_id NVARCHAR(20) NOT NULL,
    title_key NVARCHAR(400) COLLATE Latin1_General_100_BIN2 NOT NULL,
    title NVARCHAR(400) NOT NULL,
    group_id NVARCHAR(100) NULL,
    lock_token NVARCHAR(64) NULL,
    locked_until NVARCHAR(40) NULL,
    PRIMARY KEY (board_id, title_key)
);
