package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
)

const feedUsage = `usage: newshound feed add URL [--tag T]... [--name N] [--interval D] [--no-check] [--config F]
       newshound feed test URL [--config F]
       newshound feed rm URL [--config F]
       newshound feed ls [--json] [--config F]
       newshound feed import FILE.opml [--config F]
       newshound feed export [--config F] > FILE.opml

Edits the feeds: of the config file, keeping its comments and order; ls adds
each feed's health from the store.

  --json      ls: one JSON object per feed
  --no-check  add: do not fetch the feed first
  ` + configFlagHelp

// cmdFeed lists and edits the feeds: of the config file, keeping its
// comments and order; "feed ls" adds each feed's health from the store.
func cmdFeed(args []string, stdout, stderr io.Writer) int {
	sub, a, code, ok := parseSub("feed", args,
		map[string]flagKind{"config": flagValue, "tag": flagRepeat, "name": flagValue, "interval": flagValue, "json": flagBool, "no-check": flagBool},
		map[string]subcmd{
			"add": {1, 1, []string{"tag", "name", "interval", "no-check"}}, "rm": {1, 1, nil}, "ls": {0, 0, []string{"json"}},
			"test": {1, 1, nil}, "import": {1, 1, nil}, "export": {0, 0, nil},
		},
		feedUsage, stdout, stderr)
	if !ok {
		return code
	}
	path := config.ResolvePath(a.one("config"))
	switch sub {
	case "ls":
		return feedList(path, a.on("json"), stdout, stderr)
	case "import":
		return feedImport(path, a.pos[0], stdout, stderr)
	case "export":
		return feedExport(path, stdout, stderr)
	case "test":
		return feedTest(path, a.pos[0], stdout, stderr)
	case "rm":
		u := a.pos[0]
		err := config.EditFile(path, func(b []byte) ([]byte, error) { return config.RemoveFeed(b, u) }, nil)
		return editExit(err, "feed rm", stdout, stderr, fmt.Sprintf("removed feed %s from %s", u, path))
	}
	f := config.Feed{URL: a.pos[0], Name: a.one("name"), Tags: a.flags["tag"]}
	if iv := a.one("interval"); iv != "" {
		d, err := time.ParseDuration(iv)
		if err != nil || d <= 0 {
			fmt.Fprintf(stderr, "newshound: feed add: --interval %q is not a duration like 5m\n", iv)
			return exitInput
		}
		f.Interval = d
	}
	// Refuse what the edit would refuse (a duplicate, a bad URL) before
	// any network request.
	if data, err := os.ReadFile(path); err == nil {
		if _, err := config.AddFeed(data, f); err != nil {
			return editExit(err, "feed add", stdout, stderr, "")
		}
	}
	if code, ok := checkNewFeed(path, &f, a.on("no-check"), stdout, stderr); !ok {
		return code
	}
	err := config.EditFile(path, func(b []byte) ([]byte, error) { return config.AddFeed(b, f) }, nil)
	return editExit(err, "feed add", stdout, stderr, fmt.Sprintf("added feed %s to %s", f.URL, path))
}

// checkNewFeed runs the preview of "feed test" on a feed about to be added,
// unless --no-check: a URL that is not a feed is refused (a web page with
// one feed is replaced by that feed's URL, one with several is listed so
// the user can pick), so the config never holds a feed that fails from its
// first poll.
func checkNewFeed(path string, f *config.Feed, noCheck bool, stdout, stderr io.Writer) (int, bool) {
	if noCheck {
		return exitOK, true
	}
	if err := config.CheckFeedURL(f.URL); err != nil {
		return exitOK, true // AddFeed refuses it with the loader's message
	}
	cfg := previewConfig(path)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := inspect(ctx, previewFetcher(cfg), f.URL)
	if err != nil {
		code := previewFailed("feed add", f.URL, p, err, stdout, stderr)
		fmt.Fprintf(stderr, "nothing added (use --no-check to add it anyway)\n")
		return code, false
	}
	if p.url != f.URL {
		fmt.Fprintf(stdout, "%s is a web page; its feed is %s\n", f.URL, p.url)
		f.URL = p.url
	}
	if p.resp.MovedTo != "" {
		fmt.Fprintf(stdout, "%s moved permanently; adding %s\n", f.URL, p.resp.MovedTo)
		f.URL = p.resp.MovedTo
	}
	teasers := 0
	for _, it := range p.feed.Items {
		if feeds.IsTeaser(it) {
			teasers++
		}
	}
	fmt.Fprintf(stdout, "checked: %s, %q, %d items (%d teasers), %s\n", dash(p.feed.Type), p.feed.Title, len(p.feed.Items), teasers, intervalNote(p.feed, p.resp, cfg, time.Now()))
	return exitOK, true
}

// feedRow is one line of "feed ls".
type feedRow struct {
	url, name, tags, source string
}

// feedJSON is one line of "feed ls --json"; the health fields are absent
// without a database.
type feedJSON struct {
	URL         string     `json:"url"`
	Name        string     `json:"name,omitempty"`
	Tags        []string   `json:"tags"`
	From        string     `json:"from"` // "config" or "chat"
	Polled      *bool      `json:"polled,omitempty"`
	LastSuccess *time.Time `json:"last_success,omitempty"`
	NextPoll    *time.Time `json:"next_poll,omitempty"`
	Failures    int        `json:"failures,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	MovedTo     string     `json:"moved_to,omitempty"`
	Gone        bool       `json:"gone,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func feedList(path string, asJSON bool, stdout, stderr io.Writer) int {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: feed ls: %v\n", err)
		return exitInput
	}
	var rows []feedRow
	for _, f := range cfg.Feeds {
		rows = append(rows, feedRow{f.URL, f.Name, strings.Join(f.Tags, ","), "config"})
	}

	code := exitOK
	states := map[string]model.FeedState{}
	haveStore := false
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	switch err := readFeedHealth(ctx, cfg, &rows, states); {
	case errors.Is(err, errNoStore):
	case err != nil:
		fmt.Fprintf(stderr, "newshound: feed ls: feed health unavailable: %v\n", err)
		code = exitRuntime
	default:
		haveStore = true
	}

	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			st, ok := states[r.url]
			row := feedJSON{URL: r.url, Name: r.name, Tags: nonNil(splitTags(r.tags)), From: r.source}
			if row.Name == "" && ok {
				row.Name = st.Name
			}
			if haveStore {
				row.Polled = &ok
				row.LastSuccess, row.NextPoll = timePtr(st.LastSuccess), timePtr(st.NextPoll)
				row.Failures, row.LastError, row.MovedTo, row.Gone = st.Failures, st.LastError, st.MovedTo, st.Gone
			}
			if err := enc.Encode(row); err != nil {
				fmt.Fprintf(stderr, "newshound: feed ls: %v\n", err)
				return exitRuntime
			}
		}
		return code
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	if haveStore {
		fmt.Fprintln(tw, "URL\tNAME\tTAGS\tFROM\tLAST OK\tNEXT POLL\tFAILURES\tLAST ERROR")
	} else {
		fmt.Fprintln(tw, "URL\tNAME\tTAGS\tFROM")
	}
	for _, r := range rows {
		st, ok := states[r.url]
		name := r.name
		if name == "" && ok {
			name = st.Name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s", r.url, dash(name), dash(r.tags), r.source)
		if haveStore {
			switch {
			case !ok:
				fmt.Fprint(tw, "\tnever polled\t-\t-\t-")
			default:
				next := ago(st.NextPoll, now)
				if st.Gone {
					next = "never (410 Gone)"
				}
				lastErr := "-"
				if st.LastError != "" {
					lastErr = clip(st.LastError, 100) + " (" + ago(st.LastErrorAt, now) + ")"
					if st.MovedTo != "" {
						lastErr += "; moved to " + st.MovedTo
					}
				}
				fmt.Fprintf(tw, "\t%s\t%s\t%d\t%s", ago(st.LastSuccess, now), next, st.Failures, lastErr)
			}
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "newshound: feed ls: %v\n", err)
		return exitRuntime
	}
	if !haveStore && code == exitOK {
		fmt.Fprintf(stderr, "(no database at %s yet: feed health appears once the daemon has run)\n", storeName(cfg))
	}
	return code
}

func splitTags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// readFeedHealth adds the store's feed states and its chat-added feeds.
// It returns errNoStore when there is no store to read yet.
func readFeedHealth(ctx context.Context, cfg *config.Config, rows *[]feedRow, states map[string]model.FeedState) error {
	db, err := openExistingStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := db.FeedStates(ctx)
	if err != nil {
		return err
	}
	for _, st := range all {
		states[st.URL] = st
	}
	chat, err := db.ChatFeeds(ctx)
	if err != nil {
		return err
	}
	inConfig := map[string]bool{}
	for _, r := range *rows {
		inConfig[r.url] = true
	}
	for _, f := range chat {
		if !inConfig[f.URL] {
			*rows = append(*rows, feedRow{f.URL, "", strings.Join(f.Tags, ","), "chat"})
		}
	}
	return nil
}

// ago renders t relative to now: "3m ago", "in 2m", "-" for zero.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	suffix := " ago"
	if d < 0 {
		d, suffix = -d, ""
		if d >= time.Second {
			return "in " + roughDuration(d)
		}
		return "now"
	}
	return roughDuration(d) + suffix
}

func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
