-- WebSub subscriptions, one per feed that advertises a hub (issue 17).
-- Times are unix milliseconds; 0 is unset.
CREATE TABLE websub (
    feed        TEXT    NOT NULL PRIMARY KEY,
    hub         TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    id          TEXT    NOT NULL UNIQUE,
    secret      TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    requested   INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_push   INTEGER NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT ''
) STRICT;
