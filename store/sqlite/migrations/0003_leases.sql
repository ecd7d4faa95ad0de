-- Leases (store.Leases): which holder owns a name until when. With SQLite
-- there is usually one daemon per file, but two processes on one file still
-- never hold one name at once.
CREATE TABLE leases (
    name   TEXT    NOT NULL PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  INTEGER NOT NULL -- unix milliseconds
) STRICT;
