-- WebSub subscriptions, as store/sqlite's 0007_websub.sql.
CREATE TABLE websub (
    feed        TEXT    PRIMARY KEY,
    hub         TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    id          TEXT    NOT NULL UNIQUE,
    secret      TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    requested   BIGINT  NOT NULL DEFAULT 0,
    lease_until BIGINT  NOT NULL DEFAULT 0,
    last_push   BIGINT  NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT ''
);
