package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/history"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/watchlist"
)

// searchWindow is how far back /search and /test look in the history.
const searchWindow = 7 * 24 * time.Hour

// maxSearchResults is how many stories /search lists.
const maxSearchResults = 5

// historyOf returns the store's history, or nil when the store keeps none
// (a store that implements only Store, as some tests use). The core asks
// by assertion rather than widening Store, so that a transport's fake
// store need not implement the history.
func (c *Core) historyOf() store.History {
	h, _ := c.store.(store.History)
	return h
}

// backtest runs query over the last searchWindow of history for r's chat,
// under the regex rule the chat's own queries obey.
func (c *Core) backtest(ctx context.Context, r *call, query string, limit int) (*history.Result, error) {
	h := c.historyOf()
	if h == nil {
		return nil, errNoHistory
	}
	now := c.now()
	return history.Run(ctx, h, r.m, history.Request{Query: query, Since: now.Add(-searchWindow), Until: now, Limit: limit,
		AllowRegex: watchlist.AllowsRegex(r.cfg, model.Subscription{Chat: r.Chat, CreatedBy: r.UserID})})
}

var errNoHistory = errors.New("no history")

func (c *Core) cmdSearch(ctx context.Context, r *call) string {
	if r.m == nil {
		return "Matching is not available right now (the matcher is not loaded). Try again in a moment."
	}
	query := strings.TrimSpace(r.Args)
	res, err := c.backtest(ctx, r, query, maxSearchResults)
	var se *matcher.SyntaxError
	switch {
	case errors.Is(err, errNoHistory):
		return "This bot keeps no history (history.keep is 0)."
	case errors.As(err, &se):
		return "That query does not parse: " + se.Error() + "\n" + queryCaret(query, se.Pos)
	case err != nil:
		return c.storeFailed("search the history", err)
	}
	if res.Total == 0 {
		return fmt.Sprintf("No story in the last 7 days matches %s (%d stories searched).", clip(query, 80), res.Scanned)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d stories in the last 7 days match %s", res.Total, clip(query, 80))
	if res.Total > len(res.Matches) {
		fmt.Fprintf(&b, "; the newest %d", len(res.Matches))
	}
	b.WriteString(":\n")
	writeStories(&b, res.Matches)
	return strings.TrimRight(b.String(), "\n")
}

// historyNote is what /test TEXT adds: the text tried as a query over the
// last week, with the three newest stories it would have caught, so that a
// user can judge a /watch before subscribing. "" when the text is no valid
// query for this chat or there is no history.
func (c *Core) historyNote(ctx context.Context, r *call, text string) string {
	res, err := c.backtest(ctx, r, text, 3)
	if err != nil {
		return ""
	}
	if res.Total == 0 {
		return fmt.Sprintf("\n\nAs a /watch query it would have matched no story in the last 7 days (%d stories).", res.Scanned)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n\nAs a /watch query it would have matched %d stories in the last 7 days; the newest:\n", res.Total)
	writeStories(&b, res.Matches)
	return strings.TrimRight(b.String(), "\n")
}

func writeStories(b *strings.Builder, ms []history.Match) {
	for _, m := range ms {
		fmt.Fprintf(b, "• %s — %s, %s\n", clip(m.Story.Title, 200), clip(m.Story.Feed, 60), m.Story.Seen.UTC().Format("Jan 2 15:04 UTC"))
		if m.Story.Link != "" {
			fmt.Fprintf(b, "  %s\n", m.Story.Link)
		}
	}
}

// queryCaret points at rune pos of query, for a monospace-less chat: the
// query up to the error, then "⟵ here".
func queryCaret(query string, pos int) string {
	rs := []rune(query)
	pos = min(max(pos, 0), len(rs))
	return string(rs[:pos]) + " ⟵ here"
}
