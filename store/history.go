package store

import (
	"context"
	"time"

	"github.com/newshound/newshound/model"
)

// History keeps every new story (model.NewItem.Story, recorded by Ingest in
// the same transaction as the item) for search, backtests and the web
// console, until PruneHistory forgets it.
type History interface {
	// SearchHistory returns the stories q selects, newest first. Its word
	// search is full-text (SQLite FTS5 here, PostgreSQL's own later): a
	// candidate set that callers wanting the query language's exact
	// semantics verify with the matcher.
	SearchHistory(ctx context.Context, q model.HistorySearch) ([]model.Story, error)
	// CountHistory counts the stories q selects, ignoring q.Limit: the
	// console's "N of M" and today's alerts, without reading them.
	CountHistory(ctx context.Context, q model.HistorySearch) (int64, error)
	// CountHistoryDays counts the stories q selects (q.Limit ignored) per
	// UTC day they were seen, oldest first, days without one left out: a
	// query the index answers exactly (matcher.IndexQuery) is counted
	// without reading its stories.
	CountHistoryDays(ctx context.Context, q model.HistorySearch) ([]model.HistoryDay, error)
	// ScanHistory calls fn with every story q selects (q.Limit ignored),
	// newest first, until fn returns false, reading them as fn goes: it is
	// how a backtest runs the real matcher over the history or over the
	// candidates of its index words.
	ScanHistory(ctx context.Context, q model.HistorySearch, fn func(model.Story) bool) error
	// WatchDays counts, per watch and UTC day, the stories seen since since
	// that each watch fired on; ordered by watch, then day.
	WatchDays(ctx context.Context, since time.Time) ([]model.WatchDay, error)
	// PruneHistory forgets stories seen more than keep ago; returns how many.
	PruneHistory(ctx context.Context, keep time.Duration) (int64, error)
	// HistoryStats reports the history's size.
	HistoryStats(ctx context.Context) (model.HistoryStats, error)
}
