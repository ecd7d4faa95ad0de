-- Feed polling state: one row per feed URL (config or chat-added).
CREATE TABLE feeds (
    url           TEXT PRIMARY KEY,
    name          TEXT    NOT NULL DEFAULT '',
    etag          TEXT    NOT NULL DEFAULT '',
    last_modified TEXT    NOT NULL DEFAULT '',
    body_hash     TEXT    NOT NULL DEFAULT '',
    initialized   INTEGER NOT NULL DEFAULT 0, -- first successful parse done (backfill rule applied)
    last_poll     INTEGER NOT NULL DEFAULT 0, -- times are unix milliseconds, 0 = never
    last_success  INTEGER NOT NULL DEFAULT 0,
    last_parsed   INTEGER NOT NULL DEFAULT 0, -- last time the body was parsed: items not seen since then left the feed
    last_error    TEXT    NOT NULL DEFAULT '',
    last_error_at INTEGER NOT NULL DEFAULT 0,
    failing_since INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_poll     INTEGER NOT NULL DEFAULT 0,
    gone          INTEGER NOT NULL DEFAULT 0, -- 410 Gone: polling stopped
    moved_to      TEXT    NOT NULL DEFAULT '',
    notified_at   INTEGER NOT NULL DEFAULT 0  -- admins told about a long failure
);

-- Items seen, with their dedup keys. An item is recorded here in the same
-- transaction that queues its alerts. Keys are stored as 64-bit FNV-1a
-- hashes (see store.keyHash): the indexes stay several times smaller than
-- with URLs and titles as text, which is what a poll cycle of thousands of
-- feeds spends its writes on. 0 means "no such key".
CREATE TABLE items (
    feed       INTEGER NOT NULL, -- hash of the feed URL
    item       INTEGER NOT NULL, -- hash of the item key (GUID, link, ...)
    link       INTEGER NOT NULL DEFAULT 0, -- hash of the canonical link
    title      INTEGER NOT NULL DEFAULT 0, -- hash of the normalised title, for alerted stories only
    published  INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL, -- last parse that still listed the item
    PRIMARY KEY (feed, item)
) WITHOUT ROWID;
CREATE INDEX items_link ON items (link) WHERE link != 0;
CREATE INDEX items_title ON items (title, first_seen) WHERE title != 0;

-- The outbox: one row per (story, destination).
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    story        TEXT    NOT NULL, -- feed URL + NUL + item key
    destination  TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending', -- pending, sent, parked
    payload      TEXT    NOT NULL, -- JSON of notify.Alert
    nonce        TEXT    NOT NULL,
    published    INTEGER NOT NULL, -- delivery order per destination
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    done_at      INTEGER NOT NULL DEFAULT 0, -- sent or parked
    UNIQUE (story, destination)
);
CREATE INDEX outbox_queue ON outbox (state, destination, published, id);

-- Per-destination switches: disabled after a permanent error, muted by /mute.
CREATE TABLE destinations (
    destination     TEXT PRIMARY KEY,
    disabled_at     INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT    NOT NULL DEFAULT '',
    muted_until     INTEGER NOT NULL DEFAULT 0
);

-- Small durable values: the Telegram update offset and the like.
CREATE TABLE state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
