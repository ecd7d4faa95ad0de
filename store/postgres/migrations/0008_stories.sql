-- Stories: reports of one news event from several outlets (issue 13), as
-- in store/sqlite's 0006_stories.sql (`newshound migrate` copies them).
CREATE TABLE stories (
    id         BIGINT PRIMARY KEY, -- from story_ids, reserved in blocks by each engine
    first_seen BIGINT NOT NULL,    -- unix milliseconds
    last_seen  BIGINT NOT NULL,
    title      TEXT   NOT NULL DEFAULT '',
    link       TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX stories_last_seen ON stories (last_seen);

-- The next story id: replicas sharing the store reserve blocks here, so
-- that no two open the same id.
CREATE TABLE story_ids (next BIGINT NOT NULL);
INSERT INTO story_ids (next) VALUES (1);

CREATE TABLE story_outlets (
    story  BIGINT NOT NULL,
    outlet TEXT   NOT NULL,
    title  TEXT   NOT NULL DEFAULT '',
    link   TEXT   NOT NULL DEFAULT '',
    seen   BIGINT NOT NULL,
    seq    BIGSERIAL, -- the order outlets reported in (SQLite: rowid)
    PRIMARY KEY (story, outlet)
);

CREATE TABLE story_reports (
    seq       BIGSERIAL PRIMARY KEY,
    story     BIGINT NOT NULL,
    seen      BIGINT NOT NULL,
    published BIGINT NOT NULL DEFAULT 0,
    features  BYTEA  NOT NULL
);
CREATE INDEX story_reports_seen ON story_reports (seen);

CREATE TABLE story_alerts (
    story       BIGINT NOT NULL,
    destination TEXT   NOT NULL,
    outbox_id   BIGINT NOT NULL,
    watches     TEXT   NOT NULL DEFAULT '[]',
    PRIMARY KEY (story, destination)
);

ALTER TABLE outbox ADD COLUMN kind     TEXT   NOT NULL DEFAULT 'alert'; -- alert | edit
ALTER TABLE outbox ADD COLUMN story_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN orig     BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN ref      TEXT   NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN rev      BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN need     INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_story ON outbox (story_id, state) WHERE story_id <> 0;
