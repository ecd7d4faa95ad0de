-- Stories waiting for their article's text (poll.fulltext). The item is in
-- items already (recorded at ingest, with its dedup keys); this row says its
-- alerts are not queued yet. Enrichment queues them and deletes the row in
-- one transaction, so a crash between the two resumes here.
CREATE TABLE pending_text (
    id         INTEGER PRIMARY KEY,
    story      TEXT    NOT NULL UNIQUE, -- feed URL + NUL + item key, as outbox.story
    feed       INTEGER NOT NULL,        -- hash of the feed URL, as items.feed
    item       INTEGER NOT NULL,        -- hash of the item key, as items.item
    title      INTEGER NOT NULL DEFAULT 0, -- hash of the normalised title, indexed in items once the story alerts
    published  INTEGER NOT NULL DEFAULT 0,
    payload    TEXT    NOT NULL,        -- JSON of model.PendingText
    created_at INTEGER NOT NULL
) STRICT;
