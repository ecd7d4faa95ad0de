-- Stories: reports of one news event from several outlets (issue 13).
--
-- A story is opened by its first report and stays open for stories.window
-- after its last one; its alerts are one per destination, later reports
-- edit them ("Also reported by: ...") instead of alerting again.
CREATE TABLE stories (
    id         INTEGER PRIMARY KEY, -- from story_ids, reserved in blocks by the engine
    first_seen INTEGER NOT NULL,    -- unix milliseconds
    last_seen  INTEGER NOT NULL,
    title      TEXT    NOT NULL DEFAULT '', -- the first report's
    link       TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX stories_last_seen ON stories (last_seen);

-- The next story id: engines (one per store, or replicas sharing it)
-- reserve blocks of ids here, so that no two daemons open the same id.
CREATE TABLE story_ids (next INTEGER NOT NULL) STRICT;
INSERT INTO story_ids (next) SELECT COALESCE(MAX(id), 0) + 1 FROM stories;

-- The outlets (feed names) that reported each story, in the order they did.
CREATE TABLE story_outlets (
    story  INTEGER NOT NULL,
    outlet TEXT    NOT NULL,
    title  TEXT    NOT NULL DEFAULT '',
    link   TEXT    NOT NULL DEFAULT '',
    seen   INTEGER NOT NULL,
    PRIMARY KEY (story, outlet)
) STRICT;

-- The story index's records (stories.Record), restored at start in seq order.
CREATE TABLE story_reports (
    seq       INTEGER PRIMARY KEY,
    story     INTEGER NOT NULL,
    seen      INTEGER NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    features  BLOB    NOT NULL
) STRICT;
CREATE INDEX story_reports_seen ON story_reports (seen);

-- The alert of each story at each destination, and the watches it names so far.
CREATE TABLE story_alerts (
    story       INTEGER NOT NULL,
    destination TEXT    NOT NULL,
    outbox_id   INTEGER NOT NULL, -- the first alert's outbox row
    watches     TEXT    NOT NULL DEFAULT '[]', -- JSON of []model.WatchMatch
    PRIMARY KEY (story, destination)
) STRICT;

-- Outbox rows learn which story they report, what the platform called the
-- message sent, and edits: kind 'edit' rows (one per story and destination,
-- re-armed for each later report) edit the message of the row orig.
ALTER TABLE outbox ADD COLUMN kind     TEXT    NOT NULL DEFAULT 'alert'; -- alert | edit
ALTER TABLE outbox ADD COLUMN story_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN orig     INTEGER NOT NULL DEFAULT 0;  -- edit rows: the alert row edited
ALTER TABLE outbox ADD COLUMN ref      TEXT    NOT NULL DEFAULT '';  -- the platform's message id once sent
ALTER TABLE outbox ADD COLUMN rev      INTEGER NOT NULL DEFAULT 0;  -- edit rows: bumped by each coalesced report
ALTER TABLE outbox ADD COLUMN need     INTEGER NOT NULL DEFAULT 0;  -- story alerts: outlets needed (min_outlets) while 'waiting'
CREATE INDEX outbox_story ON outbox (story_id, state) WHERE story_id != 0;
