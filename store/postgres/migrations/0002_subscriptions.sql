CREATE TABLE subscriptions (
    id         TEXT   NOT NULL PRIMARY KEY,
    chat       TEXT   NOT NULL,
    watch      TEXT   NOT NULL DEFAULT '',
    query      TEXT   NOT NULL DEFAULT '',
    created_by TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    CHECK ((watch = '') <> (query = ''))
);
CREATE INDEX subscriptions_by_chat ON subscriptions (chat, created_at);
CREATE UNIQUE INDEX subscriptions_chat_watch ON subscriptions (chat, watch) WHERE watch <> '';
CREATE UNIQUE INDEX subscriptions_chat_query ON subscriptions (chat, query) WHERE query <> '';

CREATE TABLE chat_feeds (
    url      TEXT   NOT NULL PRIMARY KEY,
    tags     TEXT   NOT NULL DEFAULT '[]',
    added_by TEXT   NOT NULL DEFAULT '',
    added_at BIGINT NOT NULL
);
