package model

import "time"

// Story is one item as the history keeps it, for search, backtests and the
// web console. The engine fills it in when it records a new item
// (NewItem.Story); the store adds what only it knows (ID, Seen, Watches and
// Sent from the item's alerts).
type Story struct {
	// ID is assigned by the store; it orders stories as they were recorded.
	ID int64
	// FeedURL and Feed (its display name) say where the story came from.
	FeedURL string
	Feed    string
	Title   string
	Link    string
	// Published is the feed's date for the story (zero if it gave none).
	Published time.Time
	// Seen is when the store first recorded the story (its clock).
	Seen time.Time
	// Text is what was matched besides the title: the teaser, and the
	// article's main text when it was fetched.
	Text       string
	Categories []string
	// Watches are the watches that fired, with the terms that made them
	// fire (empty for a story that matched nothing or was not matched,
	// as on a feed's first poll).
	Watches []WatchMatch
	// Snippet is the first alert's excerpt with hits marked « and ».
	Snippet string
	// Sent lists the destinations an alert for the story was queued to
	// (empty for a duplicate of a story already alerted).
	Sent []Destination
}

// WithText is s with Text replaced by text, or s itself when text is ""
// (a copy: the pending record s came from is not changed).
func (s *Story) WithText(text string) *Story {
	if text == "" || s == nil {
		return s
	}
	c := *s
	c.Text = text
	return &c
}

// HistorySearch selects stories from the history.
type HistorySearch struct {
	// Words are words every story must contain (in its title, text or
	// categories), read as the matcher reads words (matcher.SearchWords:
	// case and accents folded, "APT29" is "apt" and "29"); a word ending
	// in * is a prefix. Empty: every story.
	Words string
	// Any are sets of index words (matcher.IndexWord forms, a trailing *
	// a prefix), each of which a story must hold one of: the pre-filter of
	// a query, from matcher.RequiredWords. A set with no word selects
	// nothing.
	Any [][]string
	// Watch keeps only the stories that watch fired on ("": any).
	Watch string
	// Alerted keeps only stories an alert was queued for.
	Alerted bool
	// Since keeps stories seen at or after it (zero: all).
	Since time.Time
	// Limit caps the result (<= 0: 100).
	Limit int
}

// HistoryDay counts the stories a HistorySearch selects among those seen
// during one UTC day.
type HistoryDay struct {
	Day   time.Time // midnight UTC
	Count int
}

// WatchDay counts the stories a watch fired on during one UTC day.
type WatchDay struct {
	Watch string
	Day   time.Time // midnight UTC
	Count int
}

// HistoryStats describes the history's size.
type HistoryStats struct {
	Stories int64
	// Bytes is the space the history and its index take in the store
	// (an estimate where the backend cannot tell exactly).
	Bytes  int64
	Oldest time.Time // Seen of the oldest story (zero when empty)
}
