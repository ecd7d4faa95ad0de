-- The history: every new story, kept for history.keep, for search,
-- backtests and the web console. Recorded by Ingest in the same
-- transaction as the item itself.
CREATE TABLE history (
    id         INTEGER PRIMARY KEY,
    feed_url   TEXT    NOT NULL,
    feed       TEXT    NOT NULL DEFAULT '', -- display name at the time
    title      TEXT    NOT NULL DEFAULT '',
    link       TEXT    NOT NULL DEFAULT '',
    published  INTEGER NOT NULL DEFAULT 0,  -- unix milliseconds, 0 = unknown
    seen       INTEGER NOT NULL,            -- when first recorded
    body       TEXT    NOT NULL DEFAULT '', -- the text matched besides the title
    categories TEXT    NOT NULL DEFAULT '', -- newline-separated
    watches    TEXT    NOT NULL DEFAULT '', -- JSON of []model.WatchMatch, '' for none
    snippet    TEXT    NOT NULL DEFAULT '',
    sent       TEXT    NOT NULL DEFAULT ''  -- newline-separated destinations
) STRICT;
CREATE INDEX history_seen ON history (seen);

-- Which watches fired on which story: the watches page's counts per day
-- and its recent matches, without reading the stories' text.
CREATE TABLE history_watches (
    watch TEXT    NOT NULL,
    seen  INTEGER NOT NULL,
    story INTEGER NOT NULL,
    PRIMARY KEY (watch, seen, story)
) STRICT, WITHOUT ROWID;
CREATE INDEX history_watches_seen ON history_watches (seen); -- pruning

-- Full-text index over title and body. External content: the text is
-- stored once, in history; triggers keep the index in step.
CREATE VIRTUAL TABLE history_fts USING fts5(
    title, body, content = 'history', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER history_ai AFTER INSERT ON history BEGIN
    INSERT INTO history_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER history_ad AFTER DELETE ON history BEGIN
    INSERT INTO history_fts (history_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
