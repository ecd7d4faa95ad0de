package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/watchlist"
)

const watchUsage = `usage: newshound watch add NAME QUERY [--tag T]... [--color "#RRGGBB"] [--to DEST]... [--config F]
       newshound watch rm NAME [--config F]
       newshound watch ls [--json] [--config F]

Edits the watches: of the config file, keeping its comments and order.
Put -- before a QUERY that starts with "-".

  --to DEST   add: also route the watch to DEST (console, telegram:CHAT,
              discord:CHANNEL, ...)
  --json      ls: one JSON object per watch
  ` + configFlagHelp

// cmdWatch lists and edits the watches: of the config file, keeping its
// comments and order, and refuses an invalid query or a duplicate name.
func cmdWatch(args []string, stdout, stderr io.Writer) int {
	sub, a, code, ok := parseSub("watch", args,
		map[string]flagKind{"config": flagValue, "tag": flagRepeat, "color": flagValue, "to": flagRepeat, "json": flagBool},
		map[string]subcmd{"add": {2, 2, []string{"tag", "color", "to"}}, "rm": {1, 1, nil}, "ls": {0, 0, []string{"json"}}},
		watchUsage, stdout, stderr)
	if !ok {
		return code
	}
	path := config.ResolvePath(a.one("config"))
	switch sub {
	case "ls":
		return watchList(path, a.on("json"), stdout, stderr)
	case "rm":
		name := a.pos[0]
		var cfg *config.Config
		err := config.EditFile(path, func(b []byte) ([]byte, error) { return config.RemoveWatch(b, name) },
			func(c *config.Config) error { cfg = c; return nil })
		code := editExit(err, "watch rm", stdout, stderr, fmt.Sprintf("removed watch %q from %s", name, path))
		if code == exitOK {
			if n := watchSubscribers(cfg)[name]; n > 0 {
				fmt.Fprintf(stdout, "note: %d chat subscription(s) still name %q; they stay silent unless a watch of that name comes back\n", n, name)
			}
		}
		return code
	}
	w := config.Watch{Name: a.pos[0], Query: a.pos[1], Tags: a.flags["tag"]}
	if c := a.one("color"); c != "" {
		v, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(c, "#"), "0x"), 16, 32)
		if err != nil || v < 0 || v > 0xFFFFFF {
			fmt.Fprintf(stderr, "newshound: watch add: --color %q is not a colour like \"#1e90ff\"\n", c)
			return exitInput
		}
		w.Color = int(v)
	}
	check := func(cfg *config.Config) error {
		reg, _ := watchlist.Registry(cfg)
		if err := watchlist.CheckQuery(w.Query, reg, matcher.CompileOptions{AllowRegex: true}); err != nil {
			return errors.New(showQueryError(w.Query, err))
		}
		return nil
	}
	kinds := destinationKinds()
	var dests []model.Destination
	for _, to := range a.flags["to"] {
		d, err := kinds.Parse(to)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: watch add: --to %s: %v\n", to, err)
			return exitInput
		}
		dests = append(dests, d)
	}
	edit := func(b []byte) ([]byte, error) {
		b, err := config.AddWatch(b, w)
		if err != nil || len(dests) == 0 {
			return b, err
		}
		return config.AddRoute(b, []string{w.Name}, dests)
	}
	var saved *config.Config
	err := config.EditFile(path, edit, func(c *config.Config) error {
		saved = c
		return check(c)
	})
	done := fmt.Sprintf("added watch %q to %s", w.Name, path)
	if err == nil {
		done += "; " + whereItAlerts(saved, w.Name)
	}
	return editExit(err, "watch add", stdout, stderr, done)
}

// whereItAlerts says where the routes of cfg send watch name's alerts.
func whereItAlerts(cfg *config.Config, name string) string {
	var dests []model.Destination
	for _, r := range cfg.Routes {
		if slices.Contains(r.Watches, name) {
			dests = append(dests, r.To...)
		}
	}
	if len(dests) == 0 {
		return "it reaches no destination yet: no route names it, so only chats that subscribe to it get its alerts (add --to DEST, e.g. --to console)"
	}
	return "it alerts " + strings.Join(scrubDests(dests), ", ")
}

// watchJSON is one line of "watch ls --json".
type watchJSON struct {
	Name     string   `json:"name"`
	Query    string   `json:"query"`
	Tags     []string `json:"tags"`
	RoutesTo []string `json:"routes_to"` // redacted destinations
	Chats    int      `json:"chats"`     // chat subscriptions naming the watch
}

func watchList(path string, asJSON bool, stdout, stderr io.Writer) int {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: watch ls: %v\n", err)
		return exitInput
	}
	routed := map[string][]model.Destination{}
	for _, r := range cfg.Routes {
		for _, name := range r.Watches {
			routed[name] = append(routed[name], r.To...)
		}
	}
	subs := watchSubscribers(cfg)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, w := range cfg.Watches {
			row := watchJSON{Name: w.Name, Query: w.Query, Tags: nonNil(w.Tags), RoutesTo: nonNil(scrubDests(routed[w.Name])), Chats: subs[w.Name]}
			if err := enc.Encode(row); err != nil {
				fmt.Fprintf(stderr, "newshound: watch ls: %v\n", err)
				return exitRuntime
			}
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tQUERY\tTAGS\tROUTES TO\tCHATS")
	for _, w := range cfg.Watches {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", w.Name, clip(w.Query, 72), dash(strings.Join(w.Tags, ",")),
			dash(strings.Join(scrubDests(routed[w.Name]), ",")), subs[w.Name])
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "newshound: watch ls: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// scrubDests hides webhook secrets and drops repeats.
func scrubDests(dests []model.Destination) []string {
	var out []string
	for _, d := range dests {
		if r := d.Redacted(); !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// nonNil makes an empty list marshal as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// watchSubscribers counts the chat subscriptions naming each watch, from
// the configured store when it exists (empty otherwise: listing and
// editing the config do not need the database).
func watchSubscribers(cfg *config.Config) map[string]int {
	counts := map[string]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := openExistingStore(ctx, cfg)
	if err != nil {
		return counts
	}
	defer db.Close()
	subs, err := db.Subscriptions(ctx, "")
	if err != nil {
		return counts
	}
	for _, s := range subs {
		if s.Watch != "" {
			counts[s.Watch]++
		}
	}
	return counts
}
