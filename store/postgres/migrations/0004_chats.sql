-- Chats that people keep (issue 15), as store/sqlite's 0005_chats.sql:
-- per-destination delivery settings, per-watch mutes, and the hold of story
-- alerts at queue time, in the inserting transaction (a BEFORE INSERT
-- trigger, so no replica can see the alert pending first).
CREATE TABLE chat_delivery (
    destination  TEXT    PRIMARY KEY,
    digest_min   INTEGER NOT NULL DEFAULT -1,
    digest_tz    TEXT    NOT NULL DEFAULT '',
    digest_next  BIGINT  NOT NULL DEFAULT 0,
    quiet_start  INTEGER NOT NULL DEFAULT -1,
    quiet_end    INTEGER NOT NULL DEFAULT -1,
    quiet_tz     TEXT    NOT NULL DEFAULT '',
    quiet_silent INTEGER NOT NULL DEFAULT 0,
    quiet_from   BIGINT  NOT NULL DEFAULT 0,
    quiet_until  BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE watch_mutes (
    destination TEXT   NOT NULL,
    watch       TEXT   NOT NULL,
    until       BIGINT NOT NULL,
    PRIMARY KEY (destination, watch)
);

CREATE INDEX outbox_held ON outbox (destination, id) WHERE state = 'held';

CREATE FUNCTION outbox_hold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    watches jsonb;
BEGIN
    -- `newshound migrate` copies rows as they were (store/postgres/copy.go).
    IF current_setting('newshound.copying', true) = 'on' THEN
        RETURN NEW;
    END IF;
    -- Edits of a sent story alert (story_id's edit rows) change a message
    -- the chat already has: never held nor skipped.
    IF NEW.state <> 'pending' OR NEW.story LIKE 'notice%' OR NEW.story LIKE 'digest%' OR NEW.story LIKE 'edit%' THEN
        RETURN NEW;
    END IF;
    watches := NEW.payload::jsonb -> 'Watches';
    -- Every watch that raised it is muted here: recorded as sent, skipped.
    IF jsonb_typeof(watches) = 'array' AND jsonb_array_length(watches) > 0 AND NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(watches) w
        WHERE NOT EXISTS (SELECT 1 FROM watch_mutes m WHERE m.destination = NEW.destination
                          AND m.watch = w.value ->> 'Name' AND m.until > NEW.created_at)) THEN
        NEW.state := 'sent';
        NEW.done_at := NEW.created_at;
        NEW.last_error := 'skipped: watch muted';
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM chat_delivery c WHERE c.destination = NEW.destination
               AND (c.digest_next > 0 OR (c.quiet_silent = 0 AND c.quiet_from > 0
                    AND c.quiet_from <= NEW.created_at AND NEW.created_at < c.quiet_until)))
       OR EXISTS (SELECT 1 FROM destinations d WHERE d.destination = NEW.destination AND d.muted_until > NEW.created_at) THEN
        NEW.state := 'held';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER outbox_hold BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_hold();
