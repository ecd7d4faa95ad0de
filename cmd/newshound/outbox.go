package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

// cmdOutbox lists waiting and parked alerts, or re-queues parked ones.
func cmdOutbox(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "ls" && args[0] != "retry") {
		fmt.Fprintln(stderr, "usage: newshound outbox ls [--config F] [--all] | outbox retry [--config F] [ID]")
		return exitInput
	}
	sub := args[0]
	fs := flag.NewFlagSet("outbox "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "config file (default ./config.yaml, then $NEWSHOUND_CONFIG)")
	all := fs.Bool("all", false, "ls: include delivered alerts")
	if err := fs.Parse(args[1:]); err != nil {
		return exitInput
	}
	cfg, err := config.Load(config.ResolvePath(*configPath))
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
		if fs.NArg() > 1 {
			fmt.Fprintln(stderr, "newshound: outbox retry takes at most one ID")
			return exitInput
		}
		if fs.NArg() == 1 {
			if id, err = strconv.ParseInt(fs.Arg(0), 10, 64); err != nil || id <= 0 {
				fmt.Fprintf(stderr, "newshound: outbox retry: %q is not an alert ID (see outbox ls)\n", fs.Arg(0))
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
	if *all {
		state = "all"
	}
	rows, err := listOutbox(ctx, db, state)
	if err != nil {
		fmt.Fprintln(stderr, "newshound:", err)
		return exitRuntime
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
