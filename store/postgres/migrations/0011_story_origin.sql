-- Who indexed each story record (model.StoryRecord.Origin, the replica's
-- holder): replicas sharing a store catch up with each other's records
-- (store.Stories.StoryRecordsAfter, by seq, the primary key) and skip
-- their own. As store/sqlite's 0009_story_origin.sql.
ALTER TABLE story_reports ADD COLUMN origin TEXT NOT NULL DEFAULT '';
