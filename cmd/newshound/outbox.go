package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

const outboxUsage = `usage: newshound outbox ls [--all] [--json] [--config F]
       newshound outbox retry [ID] [--config F]

ls lists the alerts waiting and parked (dead-letter) and why; retry queues
parked alerts again (all of them, or the one with ID).

  --all       ls: include delivered alerts
  --json      ls: one JSON object per alert, destinations redacted
  ` + configFlagHelp

// outboxJSON is one line of "outbox ls --json".
type outboxJSON struct {
	ID          int64      `json:"id"`
	State       string     `json:"state"`
	Destination string     `json:"destination"` // redacted
	Attempts    int        `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Title       string     `json:"title"`
	Link        string     `json:"link,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
}

// cmdOutbox lists waiting and parked alerts, or re-queues parked ones.
func cmdOutbox(args []string, stdout, stderr io.Writer) int {
	sub, a, code, ok := parseSub("outbox", args,
		map[string]flagKind{"config": flagValue, "all": flagBool, "json": flagBool},
		map[string]subcmd{"ls": {0, 0, []string{"all", "json"}}, "retry": {0, 1, nil}},
		outboxUsage, stdout, stderr)
	if !ok {
		return code
	}
	cfg, err := config.Load(config.ResolvePath(a.one("config")))
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

	if sub == "retry" {
		var id int64
		if len(a.pos) == 1 {
			if id, err = strconv.ParseInt(a.pos[0], 10, 64); err != nil || id <= 0 {
				fmt.Fprintf(stderr, "newshound: outbox retry: %q is not an alert ID (see outbox ls)\n", a.pos[0])
				return exitInput
			}
		}
		n, err := db.RetryParked(ctx, id)
		if err != nil {
			fmt.Fprintln(stderr, "newshound:", err)
			return exitRuntime
		}
		if id != 0 && n == 0 {
			fmt.Fprintf(stderr, "newshound: alert %d is not parked\n", id)
			return exitInput
		}
		fmt.Fprintf(stdout, "%d parked alert(s) queued again; a running daemon delivers them within seconds.\n", n)
		return exitOK
	}

	state := ""
	if a.on("all") {
		state = "all"
	}
	rows, err := listOutbox(ctx, db, state)
	if err != nil {
		fmt.Fprintln(stderr, "newshound:", err)
		return exitRuntime
	}
	if a.on("json") {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			row := outboxJSON{ID: r.ID, State: r.State, Destination: r.Destination.Redacted(), Attempts: r.Attempts,
				NextAttempt: timePtr(r.NextAttempt), Title: r.Alert.Title, Link: r.Alert.Link, LastError: r.LastError}
			if err := enc.Encode(row); err != nil {
				fmt.Fprintln(stderr, "newshound:", err)
				return exitRuntime
			}
		}
		return exitOK
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdout, "The outbox is empty: nothing waiting, nothing parked.")
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tDESTINATION\tATTEMPTS\tNEXT\tTITLE\tLAST ERROR")
	for _, r := range rows {
		next := "-"
		if r.State == model.StatePending && !r.NextAttempt.IsZero() {
			next = r.NextAttempt.UTC().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.State, r.Destination.Redacted(), r.Attempts, next,
			clip(r.Alert.Title, 60), clip(r.LastError, 80))
	}
	tw.Flush()
	return exitOK
}

// listOutbox lists pending and parked alerts, or every alert for "all".
func listOutbox(ctx context.Context, db store.Outbox, state string) ([]model.OutboxRow, error) {
	if state != "all" {
		return db.ListOutbox(ctx, "", "", 1000)
	}
	var out []model.OutboxRow
	for _, s := range []string{model.StatePending, model.StateParked, model.StateSent} {
		rows, err := db.ListOutbox(ctx, s, "", 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}
