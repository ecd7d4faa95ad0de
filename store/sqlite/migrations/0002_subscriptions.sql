-- Chat subscriptions and chat-added feeds (bot commands).
--
-- A subscription names either a config watch or an ad-hoc query, never both.
-- A chat holds each watch and each query at most once.
CREATE TABLE subscriptions (
    id         TEXT    NOT NULL PRIMARY KEY,
    chat       TEXT    NOT NULL,
    watch      TEXT    NOT NULL DEFAULT '',
    query      TEXT    NOT NULL DEFAULT '',
    created_by TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL, -- unix milliseconds
    CHECK ((watch = '') <> (query = ''))
) STRICT;

CREATE INDEX subscriptions_by_chat ON subscriptions (chat, created_at);
CREATE UNIQUE INDEX subscriptions_chat_watch ON subscriptions (chat, watch) WHERE watch <> '';
CREATE UNIQUE INDEX subscriptions_chat_query ON subscriptions (chat, query) WHERE query <> '';

-- Feeds added from chat with /addfeed; polled beside the config's feeds,
-- always with the SSRF guard on.
CREATE TABLE chat_feeds (
    url      TEXT    NOT NULL PRIMARY KEY,
    tags     TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
    added_by TEXT    NOT NULL DEFAULT '',
    added_at INTEGER NOT NULL -- unix milliseconds
) STRICT;
