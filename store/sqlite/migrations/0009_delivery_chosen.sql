-- A chat's own /digest or /quiet (on or off) beats the config's default for
-- its destination (issue 15): without a mark, "/digest off" deleted the row
-- and the next reload brought the config's digest back.
ALTER TABLE chat_delivery ADD COLUMN digest_chosen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_delivery ADD COLUMN quiet_chosen  INTEGER NOT NULL DEFAULT 0;
-- Rows from before this mark could be a chat's or a default's; before, any
-- row beat the default, so they keep doing so.
UPDATE chat_delivery SET digest_chosen = CASE WHEN digest_min >= 0 THEN 1 ELSE 0 END,
                         quiet_chosen  = CASE WHEN quiet_start >= 0 THEN 1 ELSE 0 END;
