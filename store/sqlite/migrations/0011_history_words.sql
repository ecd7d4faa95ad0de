-- The history's full-text index holds the words the matcher reads in each
-- story (matcher.IndexText: its folding and word splitting, written by the
-- store) instead of FTS5's own tokens of the title and body, which split
-- and folded otherwise ("3CX", full-width letters, ligatures, ŀ, ſ): a
-- search for a query's required words then misses no story the matcher
-- would find. Contentless (the text is in history), without positions
-- (only "has the word" is asked), split on spaces and ASCII punctuation
-- only, which index words never hold but for their escape "_".
DROP TRIGGER history_ai;
DROP TRIGGER history_ad;
DROP TABLE history_fts;
CREATE VIRTUAL TABLE history_words USING fts5(
    words, content = '', contentless_delete = 1, detail = none,
    tokenize = "ascii tokenchars '_'"
);
CREATE TRIGGER history_ad AFTER DELETE ON history BEGIN
    DELETE FROM history_words WHERE rowid = old.id;
END;
-- The stories already kept are indexed when the store opens, newest
-- first (store/sqlite reindexHistory): those with ids below "below".
CREATE TABLE history_reindex (below INTEGER NOT NULL) STRICT;
INSERT INTO history_reindex (below) SELECT max(id) + 1 FROM history HAVING count(*) > 0;
