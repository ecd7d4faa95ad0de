package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// TestStoryThreadsFromConfig: a discord: destination with threads: story in
// the destinations: section gets its story alerts marked to open a thread;
// another destination of the same route does not; and the mark follows a
// reload, for alerts already queued too.
func TestStoryThreadsFromConfig(t *testing.T) {
	ctx := context.Background()
	fs := newFeedServer(t, "old|Old story|https://wire.example/old")
	dbPath := filepath.Join(t.TempDir(), "nh.db")
	load := func(threads string) *config.Config {
		t.Helper()
		cfg, err := config.Parse(fmt.Appendf(nil, `
poll: {fulltext: never}
store: {path: %s}
http: {listen: ""}
feeds:
  - url: %s
watches:
  - name: apt29
    query: 'actor:APT29'
routes:
  - watches: [apt29]
    to: ["discord:111111111111111111", "discord:222222222222222222"]
destinations:
  "discord:111111111111111111": {threads: %s}
`, dbPath, fs.srv.URL, threads), "threads.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	got := map[model.Destination][]bool{}
	rec := senderFunc(func(_ context.Context, a model.Alert) error {
		mu.Lock()
		defer mu.Unlock()
		got[a.Destination] = append(got[a.Destination], a.Thread)
		return nil
	})
	eng, err := engine.New(engine.Options{Config: load("story"), Store: db, Senders: map[string]notify.Sender{"discord": rec}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	fs.add("n1|APT29 hits a ministry|https://wire.example/n1")
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if a, b := got["discord:111111111111111111"], got["discord:222222222222222222"]; len(a) != 1 || !a[0] || len(b) != 1 || b[0] {
		t.Errorf("threads: story channel got %v, the other %v; want [true] and [false]", a, b)
	}
	clear(got)
	mu.Unlock()
	if err := eng.Reload(ctx, load("off")); err != nil {
		t.Fatal(err)
	}
	fs.add("n2|APT29 again|https://wire.example/n2")
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if a := got["discord:111111111111111111"]; len(a) != 1 || a[0] {
		t.Errorf("after threads: off the channel got %v, want [false]", a)
	}
}
