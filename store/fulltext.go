package store

import (
	"context"

	"github.com/newshound/newshound/model"
)

// Fulltext holds the stories waiting for their article's text
// (poll.fulltext). Ingest records such a story with its dedup keys and a
// pending mark (model.NewItem.Fulltext) instead of queueing alerts; the
// enrichment step fetches the page and calls CompleteText, which queues
// the alerts and clears the mark in one transaction. A crash in between
// leaves the mark, so the story is enriched after the restart: never lost,
// and, being recorded, never ingested twice.
type Fulltext interface {
	// PendingTexts returns up to limit (<= 0: 100) pending stories, oldest
	// first, skipping those with an id in skip (being enriched already).
	PendingTexts(ctx context.Context, limit int, skip []int64) ([]model.PendingText, error)
	// CompleteText queues alerts for the pending story id and clears its
	// mark, atomically; a story that alerts gets its normalised title
	// indexed for title dedup as Ingest does. Calling it again for the same
	// id queues nothing and returns a zero result (idempotent). A story
	// with a Report (model.PendingText.Report) has its alerts queued as
	// Ingest queues a report's (see Stories), with policy by destination:
	// one alert per news event, whether the report waited for its text or not.
	// text is what the story was matched on besides its title, now that its
	// article was read: the history keeps it in place of the teaser
	// recorded at ingest, so a search or backtest reads what the live
	// matcher read ("" keeps the teaser: the article was not read).
	CompleteText(ctx context.Context, id int64, alerts []model.Alert, policy map[model.Destination]model.StoryPolicy, text string) (model.IngestResult, error)
}
