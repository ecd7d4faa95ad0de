-- Who indexed each story record (model.StoryRecord.Origin, the replica's
-- holder): replicas sharing a store catch up with each other's records
-- (store.Stories.StoryRecordsAfter) and skip their own.
ALTER TABLE story_reports ADD COLUMN origin TEXT NOT NULL DEFAULT '';
