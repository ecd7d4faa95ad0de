-- A poll cycle reads only the feeds that are due (FeedStatesDue), not every
-- feed's state: a tick a second over 10,000 feeds finds a few hundred.
-- Gone feeds are never due, so they stay out of the index.
CREATE INDEX feeds_due ON feeds (next_poll) WHERE NOT gone;
