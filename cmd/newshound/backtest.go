package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/history"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/watchlist"
)

const backtestUsage = `usage: newshound backtest [--config F] (--watch NAME | --query Q) [--since 7d] [--json]

Runs the matcher over the stored history (history.keep) and shows what
would have alerted: counts per day, the newest matches and why, and the
stories that are new compared with the watch. Nothing is stored or sent.

  --watch NAME   a config watch: its query, compared with what it alerted on
  --query Q      a query to try; with --watch, compared with that watch's query
  --since D      the window: 7d (default), 2w, 36h, ... (0: all the history)
  --limit N      matches listed (default 20; the counts cover all)
  --json         one JSON object
  ` + configFlagHelp

// backtestJSON is the output of --json.
type backtestJSON struct {
	Query    string          `json:"query"`
	Watch    string          `json:"watch,omitempty"`
	Since    *time.Time      `json:"since,omitempty"`
	Scanned  int             `json:"scanned"`
	Total    int             `json:"total"`
	PerDay   []backtestDay   `json:"per_day"`
	Matches  []backtestStory `json:"matches"`
	NewTotal int             `json:"new_total"`
	New      []backtestStory `json:"new,omitempty"`
}

type backtestDay struct {
	Day   string `json:"day"` // YYYY-MM-DD, UTC
	Count int    `json:"count"`
}

type backtestStory struct {
	Title     string     `json:"title"`
	Link      string     `json:"link,omitempty"`
	Feed      string     `json:"feed"`
	Seen      time.Time  `json:"seen"`
	Published *time.Time `json:"published,omitempty"`
	Terms     []string   `json:"terms"`
	Snippet   string     `json:"snippet,omitempty"`
}

// cmdBacktest implements `newshound backtest`.
func cmdBacktest(args []string, stdout, stderr io.Writer) int {
	a, code, ok := parseArgs("backtest", args, map[string]flagKind{"config": flagValue, "watch": flagValue, "query": flagValue,
		"since": flagValue, "limit": flagValue, "json": flagBool}, 0, 0, backtestUsage, stdout, stderr)
	if !ok {
		return code
	}
	req := history.Request{Watch: a.one("watch"), Query: a.one("query")}
	if req.Watch == "" && req.Query == "" {
		fmt.Fprintln(stderr, "newshound: backtest: give --watch NAME or --query Q")
		return exitInput
	}
	since := 7 * 24 * time.Hour
	if v := a.one("since"); v != "" {
		d, err := model.ParseLongDuration(v)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: backtest: --since: %v\n", err)
			return exitInput
		}
		since = d
	}
	if v := a.one("limit"); v != "" {
		if _, err := fmt.Sscan(v, &req.Limit); err != nil || req.Limit <= 0 {
			fmt.Fprintf(stderr, "newshound: backtest: --limit %q is not a positive number\n", v)
			return exitInput
		}
	}
	cfg, err := config.Load(config.ResolvePath(a.one("config")))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInput
	}
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInput
	}
	ctx := context.Background()
	db, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "newshound:", err)
		return exitRuntime
	}
	defer db.Close()
	now := time.Now()
	if since > 0 {
		req.Since = now.Add(-since)
	}
	req.Until = now
	req.AllowRegex = true // the command line is as trusted as the config
	res, err := history.Run(ctx, db, set, req)
	var se *matcher.SyntaxError
	switch {
	case errors.As(err, &se):
		fmt.Fprintf(stderr, "newshound: backtest: bad query:\n%s\n", showQueryError(req.Query, err))
		return exitInput
	case errors.Is(err, history.ErrUnknownWatch):
		fmt.Fprintf(stderr, "newshound: backtest: %v (see `newshound watch ls`)\n", err)
		return exitInput
	case err != nil:
		fmt.Fprintln(stderr, "newshound: backtest:", err)
		return exitRuntime
	}
	if a.on("json") {
		return printBacktestJSON(res, stdout, stderr)
	}
	printBacktest(res, since, stdout)
	return exitOK
}

func toBacktestStories(ms []history.Match) []backtestStory {
	out := make([]backtestStory, 0, len(ms))
	for _, m := range ms {
		s := backtestStory{Title: m.Story.Title, Link: m.Story.Link, Feed: m.Story.Feed, Seen: m.Story.Seen.UTC(), Snippet: m.Hit.Snippet, Terms: []string{}}
		if !m.Story.Published.IsZero() {
			p := m.Story.Published.UTC()
			s.Published = &p
		}
		for _, t := range m.Hit.Terms {
			s.Terms = append(s.Terms, t.String())
		}
		out = append(out, s)
	}
	return out
}

func printBacktestJSON(res *history.Result, stdout, stderr io.Writer) int {
	out := backtestJSON{Query: res.Query, Watch: res.Watch, Scanned: res.Scanned, Total: res.Total, NewTotal: res.NewTotal,
		PerDay: []backtestDay{}, Matches: toBacktestStories(res.Matches)}
	if !res.Since.IsZero() {
		s := res.Since.UTC()
		out.Since = &s
	}
	for _, d := range res.PerDay {
		out.PerDay = append(out.PerDay, backtestDay{Day: d.Day.Format(time.DateOnly), Count: d.Count})
	}
	if res.Watch != "" {
		out.New = toBacktestStories(res.New)
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(stderr, "newshound: backtest:", err)
		return exitRuntime
	}
	return exitOK
}

func printBacktest(res *history.Result, since time.Duration, w io.Writer) {
	window := "the whole history"
	if since > 0 {
		window = "the last " + fmtSince(since)
	}
	fmt.Fprintf(w, "%s would have matched %d of %d stories in %s.\n", res.Query, res.Total, res.Scanned, window)
	if res.Total > 0 {
		fmt.Fprintln(w, "\nPer day (UTC):")
		for _, d := range res.PerDay {
			fmt.Fprintf(w, "  %s  %4d %s\n", d.Day.Format(time.DateOnly), d.Count, strings.Repeat("#", min(d.Count, 60)))
		}
		fmt.Fprintln(w, "\nNewest matches:")
		printMatches(w, res.Matches)
	}
	if res.Watch != "" {
		what := "that watch " + res.Watch + " did not alert on when they arrived"
		if res.AgainstQuery {
			what = "that watch " + res.Watch + "'s current query does not match"
		}
		fmt.Fprintf(w, "\n%d new stories %s.\n", res.NewTotal, what)
		printMatches(w, res.New)
	}
}

func printMatches(w io.Writer, ms []history.Match) {
	for _, m := range ms {
		var terms []string
		for _, t := range m.Hit.Terms {
			terms = append(terms, t.String())
		}
		fmt.Fprintf(w, "  %s  %s — %s\n", m.Story.Seen.UTC().Format("2006-01-02 15:04"), m.Story.Title, m.Story.Feed)
		if m.Story.Link != "" {
			fmt.Fprintf(w, "      %s\n", m.Story.Link)
		}
		fmt.Fprintf(w, "      why: %s\n", strings.Join(terms, "; "))
	}
}

// fmtSince renders a window as the user would write it: 7d, 36h.
func fmtSince(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
