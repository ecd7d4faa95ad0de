-- Chats that people keep (issue 15): per-destination delivery settings,
-- per-watch mutes, and the hold of story alerts at queue time.
--
-- Times of day are minutes after local midnight in the IANA zone beside
-- them (-1 = off); digest_next and quiet_from/quiet_until are the instants
-- computed from them (model.Delivery.Schedule), unix milliseconds, 0 = off,
-- so that the hold below needs no time-zone arithmetic in SQL.
CREATE TABLE chat_delivery (
    destination  TEXT    NOT NULL PRIMARY KEY,
    digest_min   INTEGER NOT NULL DEFAULT -1,
    digest_tz    TEXT    NOT NULL DEFAULT '',
    digest_next  INTEGER NOT NULL DEFAULT 0,
    quiet_start  INTEGER NOT NULL DEFAULT -1,
    quiet_end    INTEGER NOT NULL DEFAULT -1,
    quiet_tz     TEXT    NOT NULL DEFAULT '',
    quiet_silent INTEGER NOT NULL DEFAULT 0,
    quiet_from   INTEGER NOT NULL DEFAULT 0,
    quiet_until  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- "Mute this watch 24 h": alerts raised only by muted watches are skipped:
-- recorded as sent with last_error 'skipped: watch muted', so that they
-- leave the queue and are pruned like delivered ones.
CREATE TABLE watch_mutes (
    destination TEXT    NOT NULL,
    watch       TEXT    NOT NULL,
    until       INTEGER NOT NULL,
    PRIMARY KEY (destination, watch)
) STRICT;

CREATE INDEX outbox_held ON outbox (destination, id) WHERE state = 'held';

-- The hold runs in the transaction that queues the alert, so no dispatcher
-- can see it pending first. Notices, digests and edits of a sent story
-- alert (story keys starting "notice", "digest" or "edit") are never held
-- nor skipped: an edit changes a message the chat already has. created_at is the store's
-- clock at queue time. (GLOB, not substr with char(0): SQLite's text
-- functions stop at a NUL. A feed's story key starts with its URL.)
CREATE TRIGGER outbox_skip_muted_watch AFTER INSERT ON outbox
WHEN NEW.state = 'pending'
 AND NEW.story NOT GLOB 'notice*' AND NEW.story NOT GLOB 'digest*' AND NEW.story NOT GLOB 'edit*'
 AND json_array_length(NEW.payload, '$.Watches') > 0
 AND NOT EXISTS (SELECT 1 FROM json_each(NEW.payload, '$.Watches') w
     WHERE NOT EXISTS (SELECT 1 FROM watch_mutes m WHERE m.destination = NEW.destination
                       AND m.watch = json_extract(w.value, '$.Name') AND m.until > NEW.created_at))
BEGIN
    UPDATE outbox SET state = 'sent', done_at = NEW.created_at, last_error = 'skipped: watch muted' WHERE id = NEW.id;
END;

CREATE TRIGGER outbox_hold AFTER INSERT ON outbox
WHEN NEW.state = 'pending'
 AND NEW.story NOT GLOB 'notice*' AND NEW.story NOT GLOB 'digest*' AND NEW.story NOT GLOB 'edit*'
 AND (EXISTS (SELECT 1 FROM chat_delivery c WHERE c.destination = NEW.destination
              AND (c.digest_next > 0 OR (c.quiet_silent = 0 AND c.quiet_from > 0
                   AND c.quiet_from <= NEW.created_at AND NEW.created_at < c.quiet_until)))
      OR EXISTS (SELECT 1 FROM destinations d WHERE d.destination = NEW.destination AND d.muted_until > NEW.created_at))
BEGIN
    UPDATE outbox SET state = 'held' WHERE id = NEW.id AND state = 'pending';
END;
