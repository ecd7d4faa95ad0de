-- The history's full-text index holds the words the matcher reads in each
-- story (matcher.IndexText: its folding and word splitting, computed by
-- the store) as the lexemes of a tsvector, built with array_to_tsvector so
-- that no text search parser splits or folds them again; queries are
-- tsquery values of the same words (store/postgres history.go). The
-- 'simple' vector over accent-stripped text split and folded otherwise
-- than the matcher ("3CX", full-width letters, ligatures, ŀ, ſ).
-- NULL: not indexed yet; the store indexes those stories when it opens
-- (reindexHistory), and the partial index finds them.
ALTER TABLE history ADD COLUMN words tsvector;
DROP INDEX history_fts;
ALTER TABLE history DROP COLUMN fts;
CREATE INDEX history_words ON history USING GIN (words);
CREATE INDEX history_unindexed ON history (id) WHERE words IS NULL;
