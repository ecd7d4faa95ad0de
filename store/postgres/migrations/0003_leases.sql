-- Leases (store.Leases): which replica owns a feed, a sender or a bot
-- connection until when.
CREATE TABLE leases (
    name   TEXT   NOT NULL PRIMARY KEY,
    holder TEXT   NOT NULL,
    until  BIGINT NOT NULL
);
