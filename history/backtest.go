// Package history answers questions about the stored history of stories
// with the real matcher: what a watch or a query would have alerted on
// (backtest, `/test`, the web console's query box) and which stories a
// query finds (`/search`).
//
// The store keeps the stories and a full-text index (store.History); the
// index is a fast way to find candidates, but only the matcher knows the
// query language (actor aliases, word forms, NEAR, scopes), so every answer
// here is the matcher's verdict on each story.
package history

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/watchlist"
)

// Request says what to backtest.
type Request struct {
	// Query is the query to try; "" uses the watch's own query.
	Query string
	// Watch is a config watch: its query when Query is "", and the watch
	// the results are compared with (New). "" with Query: an ad-hoc query.
	Watch string
	// Since is where the window starts; the zero time is the whole history.
	Since time.Time
	// Until is where it ends (the days of PerDay run to it); zero: now.
	Until time.Time
	// Limit caps Matches (<= 0: 20); the counts cover every match.
	Limit int
	// AllowRegex permits /regex/ terms (chat users only when allowed).
	AllowRegex bool
	// Budget bounds the work of a query the index cannot answer exactly:
	// once Budget candidates have been judged and Limit matches found, the
	// scan (newest first) stops and the Result is Partial. <= 0: no bound,
	// every candidate judged (a backtest must be exact). A query the index
	// answers exactly is counted by the store whatever the budget.
	Budget int
}

// Match is one story the query matched, and why.
type Match struct {
	Story model.Story
	Hit   matcher.Hit
}

// Day is the number of matches on one UTC day.
type Day struct {
	Day   time.Time // midnight UTC
	Count int
}

// Result is what a backtest found.
type Result struct {
	Query   string
	Watch   string
	Since   time.Time
	Scanned int // stories in the window
	Total   int // stories matched (at least, when Partial)
	// Judged is how many candidates the matcher judged, the newest of
	// the window: all of them unless Partial. Zero when the store counted
	// the matches (a query the index answers exactly).
	Judged int
	// Partial is true when Request.Budget stopped the scan: Total, PerDay
	// and NewTotal count the matches among the Judged newest candidates
	// only, lower bounds of the window's.
	Partial bool
	// Matches are the newest matches, at most Request.Limit.
	Matches []Match
	// PerDay counts matches per UTC day over the window, days without one included.
	PerDay []Day
	// New are the matches the watch would not give today (with a Query
	// differing from the watch's) or did not give when the story arrived
	// (with the watch's own query), newest first, at most Request.Limit;
	// NewTotal counts them all.
	New      []Match
	NewTotal int
	// AgainstQuery is true when New compares Query with the watch's
	// current query, false when it compares with what the watch alerted on.
	AgainstQuery bool
}

// ErrUnknownWatch is returned for a Request.Watch the config lacks.
var ErrUnknownWatch = errors.New("no such watch")

// Run backtests req over the stories in h with the watches of set. A bad
// query returns its *matcher.SyntaxError (positioned, for the caller to show).
func Run(ctx context.Context, h store.History, set *watchlist.Set, req Request) (*Result, error) {
	return run(ctx, h, set, req, true)
}

// run is Run, with the index's pre-filter (see scan) or without.
func run(ctx context.Context, h store.History, set *watchlist.Set, req Request, prefilter bool) (*Result, error) {
	var watch *config.Watch
	if req.Watch != "" {
		for i, w := range set.Config().Watches {
			if w.Name == req.Watch {
				watch = &set.Config().Watches[i]
			}
		}
		if watch == nil {
			return nil, fmt.Errorf("%w: %q", ErrUnknownWatch, req.Watch)
		}
	}
	query := req.Query
	if query == "" {
		if watch == nil {
			return nil, errors.New("backtest: a query or a watch is needed")
		}
		query = watch.Query
	}
	opts := matcher.CompileOptions{AllowRegex: req.AllowRegex || (watch != nil && query == watch.Query)}
	if err := set.Check(query, opts.AllowRegex); err != nil {
		return nil, err
	}
	ws := []matcher.Watch{{Name: "q", Query: query}}
	if watch != nil {
		ws[0].Tags = watch.Tags
		if query != watch.Query {
			ws = append(ws, matcher.Watch{Name: "w", Query: watch.Query, Tags: watch.Tags})
		}
	}
	c, err := matcher.Compile(ws, set.Registry(), matcher.CompileOptions{AllowRegex: true})
	if err != nil {
		return nil, err
	}
	tags := make(map[string][]string)
	for _, f := range set.Config().Feeds {
		tags[f.URL] = f.Tags
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 20
	}
	until := req.Until
	if until.IsZero() {
		until = time.Now()
	}
	res := &Result{Query: query, Watch: req.Watch, Since: req.Since, AgainstQuery: watch != nil && query != watch.Query}
	perDay := make(map[time.Time]int)
	// full is whether the budget is spent with the page full: the scan
	// then stops. It is asked before judging the next candidate, so a
	// scan whose budget runs out at its last candidate is complete, not
	// Partial.
	full := func() bool {
		return req.Budget > 0 && res.Judged >= req.Budget && len(res.Matches) >= limit
	}
	each := func(s model.Story) bool {
		if full() {
			res.Partial = true
			return false
		}
		res.Judged++
		hits := c.Match(Doc(s, tags[s.FeedURL]))
		var q *matcher.Hit
		byWatch := false
		for i := range hits {
			switch hits[i].Watch {
			case "q":
				q = &hits[i]
			case "w":
				byWatch = true
			}
		}
		if q == nil {
			return ctx.Err() == nil
		}
		res.Total++
		perDay[s.Seen.UTC().Truncate(24*time.Hour)]++
		m := Match{Story: s, Hit: *q}
		if len(res.Matches) < limit {
			res.Matches = append(res.Matches, m)
		}
		if watch != nil {
			isNew := !byWatch
			if query == watch.Query {
				isNew = !slices.ContainsFunc(s.Watches, func(w model.WatchMatch) bool { return w.Name == watch.Name })
			}
			if isNew {
				res.NewTotal++
				if len(res.New) < limit {
					res.New = append(res.New, m)
				}
			}
		}
		return ctx.Err() == nil
	}
	var sets [][]string
	exact := false
	if prefilter {
		sets, exact = matcher.IndexQuery(query, set.Registry())
	}
	if exact && watch == nil {
		// The index's candidates are the matches: count them there, and
		// match only the newest for their hits.
		err = counted(ctx, h, sets, req.Since, limit, c, tags, res, perDay)
	} else {
		err = scan(ctx, h, sets, req.Since, &res.Scanned, each)
		if err == nil && res.Partial && len(sets) == 0 {
			// A scan counts the window as it reads it: count the rest.
			var n int64
			n, err = h.CountHistory(ctx, model.HistorySearch{Since: req.Since})
			res.Scanned = int(n)
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	res.PerDay = days(perDay, req.Since, until)
	return res, nil
}

// scan calls fn with every story seen at or after since that can match
// the query, newest first, and sets scanned to the number of stories since
// then. When the query requires words (sets, from matcher.RequiredWords:
// one word of each set) those are the stories the full-text index finds
// with them, the window counted with one query; else every story, counted
// as it is read. fn's verdict is the answer either way: the index holds
// the words the matcher reads, so it only spares reading stories that
// cannot match. The stories are read and matched in two goroutines
// (pipelined).
func scan(ctx context.Context, h store.History, sets [][]string, since time.Time, scanned *int, fn func(model.Story) bool) error {
	if len(sets) > 0 {
		n, err := h.CountHistory(ctx, model.HistorySearch{Since: since})
		if err != nil {
			return err
		}
		*scanned = int(n)
	}
	return pipelined(func(each func(model.Story) bool) error {
		return h.ScanHistory(ctx, model.HistorySearch{Any: sets, Since: since}, func(s model.Story) bool {
			if len(sets) == 0 {
				*scanned++
			}
			return each(s)
		})
	}, fn)
}

// counted answers a query the index answers exactly (matcher.IndexQuery)
// without a watch to compare with: the window and the matches counted by
// the store (per day), the newest limit matches read and matched for
// their hits. A candidate the matcher rejects (which the exactness rules
// say cannot be) is left out of Matches, never shown as a match.
func counted(ctx context.Context, h store.History, sets [][]string, since time.Time, limit int, c *matcher.Compiled,
	tags map[string][]string, res *Result, perDay map[time.Time]int) error {
	n, err := h.CountHistory(ctx, model.HistorySearch{Since: since})
	if err != nil {
		return err
	}
	res.Scanned = int(n)
	q := model.HistorySearch{Any: sets, Since: since}
	ds, err := h.CountHistoryDays(ctx, q)
	if err != nil {
		return err
	}
	for _, d := range ds {
		perDay[d.Day.UTC().Truncate(24*time.Hour)] += d.Count // the key the scan uses
		res.Total += d.Count
	}
	return h.ScanHistory(ctx, q, func(s model.Story) bool {
		for _, hit := range c.Match(Doc(s, tags[s.FeedURL])) {
			if hit.Watch == "q" {
				res.Matches = append(res.Matches, Match{Story: s, Hit: hit})
			}
		}
		return len(res.Matches) < limit && ctx.Err() == nil
	})
}

// scanBatch is how many stories a scan hands the matcher at a time.
const scanBatch = 256

// pipelined runs read, which calls its argument with each story in
// order, and fn on those stories in that order, in two goroutines: a scan
// spends about as long reading rows as matching them, and each can have a
// core. Once fn returns false, read is told to stop (its callback returns
// false) and fn sees no more stories.
func pipelined(read func(func(model.Story) bool) error, fn func(model.Story) bool) error {
	batches := make(chan []model.Story, 4)
	quit := make(chan struct{}) // fn returned false
	done := make(chan struct{}) // every batch consumed
	go func() {
		defer close(done)
		stopped := false
		for b := range batches {
			for _, s := range b {
				if stopped {
					break
				}
				if !fn(s) {
					stopped = true
					close(quit)
				}
			}
		}
	}()
	batch := make([]model.Story, 0, scanBatch)
	send := func() bool {
		select {
		case <-quit: // first: a send with room would be as likely as this
			return false
		default:
		}
		select {
		case batches <- batch:
			batch = make([]model.Story, 0, scanBatch)
			return true
		case <-quit:
			return false
		}
	}
	err := read(func(s model.Story) bool {
		batch = append(batch, s)
		return len(batch) < scanBatch || send()
	})
	if len(batch) > 0 {
		send()
	}
	close(batches)
	<-done
	return err
}

// days lists every UTC day from since (or the first day with a match,
// when since is zero) to until with its count.
func days(counts map[time.Time]int, since, until time.Time) []Day {
	first := since.UTC().Truncate(24 * time.Hour)
	if since.IsZero() {
		first = time.Time{}
		for d := range counts {
			if first.IsZero() || d.Before(first) {
				first = d
			}
		}
		if first.IsZero() {
			return nil
		}
	}
	var out []Day
	for d := first; !d.After(until.UTC()); d = d.Add(24 * time.Hour) {
		out = append(out, Day{Day: d, Count: counts[d]})
	}
	return out
}

// Doc is the document a stored story is matched as: the text kept stands
// for the summary and content it came from (a scope of summary: or
// content: sees all of it), the feed's name and tags as configured now.
func Doc(s model.Story, feedTags []string) matcher.Doc {
	return matcher.Doc{Title: s.Title, Summary: s.Text, Categories: s.Categories, Feed: s.Feed, FeedTags: feedTags}
}
