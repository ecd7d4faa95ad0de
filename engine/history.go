package engine

import (
	"context"

	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
)

// HistoryObserver is an Observer that also wants the history's size after
// each pruning (the newshound_history_* gauges). It is optional: the size
// costs a walk of the history's pages, so it is measured hourly, not at
// every scrape.
type HistoryObserver interface {
	History(model.HistoryStats)
}

// story is what the history keeps of it, or nil when history.keep is 0
// or the item is not a new story (fresh false: the backlog a feed lists at
// its first poll, remembered without alerts). The backlog is left out
// because it is what the first cycle of a large install spends its time on:
// indexing it tripled the first cycle of 10,000 feeds (BENCHMARKS.md).
// The text is what the matcher saw besides the title: the teaser and the
// article's main text (once each when a feed repeats one in the other).
func story(rt *runtime, st model.FeedState, it feeds.Item, fresh bool) *model.Story {
	if rt.cfg.History.Keep <= 0 || !fresh {
		return nil
	}
	return &model.Story{Feed: st.Name, Title: it.Title, Link: it.Link, Published: it.Published, Text: storyText(it.Summary, it.Content), Categories: it.Categories}
}

// storyText is the history's text of a story: its summary and content,
// once each when a feed repeats one in the other.
func storyText(summary, content string) string {
	if content == "" || content == summary {
		return summary
	}
	if summary == "" {
		return content
	}
	return summary + "\n\n" + content
}

// pruneHistory forgets stories older than history.keep (all of them when
// it is 0) and reports the history's size.
func (e *Engine) pruneHistory(ctx context.Context) {
	keep := e.Config().History.Keep
	if keep <= 0 {
		keep = 1 // history off: forget what an earlier config kept
	}
	if n, err := e.st.PruneHistory(ctx, keep); err != nil {
		e.log.Error("pruning history failed", "err", err)
	} else if n > 0 {
		e.log.Info("pruned history", "stories", n, "keep", keep)
	}
	if ho, ok := e.o.Observer.(HistoryObserver); ok {
		if st, err := e.st.HistoryStats(ctx); err == nil {
			ho.History(st)
		} else {
			e.log.Error("measuring history failed", "err", err)
		}
	}
}
