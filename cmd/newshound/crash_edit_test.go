package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// editReceiver is a webhook endpoint that keeps every POST: alerts get a
// message id of the receiver's own (the same one again for a repeated
// Idempotency-Key, as an idempotent receiver would), edits are recorded by
// the ref they name.
type editReceiver struct {
	mu     sync.Mutex
	ids    map[string]string // alert Idempotency-Key -> message id
	alerts []editPost
	edits  []editPost
}

type editPost struct {
	path, key, title, ref string
	also                  []string
}

func (rc *editReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p struct {
		Event        string   `json:"event"`
		Ref          string   `json:"ref"`
		Title        string   `json:"title"`
		AlsoReported []string `json:"also_reported"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	post := editPost{path: r.URL.Path, key: r.Header.Get("Idempotency-Key"), title: p.Title, ref: p.Ref, also: p.AlsoReported}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if p.Event == "edit" {
		rc.edits = append(rc.edits, post)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rc.alerts = append(rc.alerts, post)
	id, ok := rc.ids[post.key]
	if !ok {
		id = fmt.Sprintf("m%d", len(rc.ids)+1)
		rc.ids[post.key] = id
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id": %q}`, id)
}

// messages counts the messages created (distinct alert keys).
func (rc *editReceiver) messages() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.ids)
}

// counts returns how many alert and edit POSTs arrived.
func (rc *editReceiver) counts() (alerts, edits int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.alerts), len(rc.edits)
}

// edited counts the (destination, story) pairs whose message got an edit
// naming outlet.
func (rc *editReceiver) edited(outlet string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range rc.edits {
		if slices.Contains(e.also, outlet) {
			seen[e.path+"|"+e.title] = true
		}
	}
	return len(seen)
}

// Kill -9 between two reports of one story, and while the edits of the
// second are being sent: every message gets its edit naming the second
// outlet (none lost), no story is alerted twice (a repeat after a crash
// keeps its Idempotency-Key), and each edit names the message id the
// receiver gave the alert. The real binary, on SQLite, to a webhook
// receiver (5 requests a second per destination: four destinations make
// the run take seconds, so the kills land mid-flight).
func TestKill9KeepsEdits(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon repeatedly")
	}
	const stories, dests = 40, 4
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var out strings.Builder
		out.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>`)
		{
			for i := range stories {
				title := crashTitle(i)
				if r.URL.Path == "/b.xml" {
					title = "UPDATE 1-" + title
				}
				fmt.Fprintf(&out, `<item><guid>%s%d</guid><title>%s</title><link>https://n.example%s/%d</link><pubDate>%s</pubDate></item>`,
					r.URL.Path, i, title, r.URL.Path, i, time.Date(2026, 11, 1, 0, 0, i, 0, time.UTC).Format(time.RFC1123Z))
			}
		}
		out.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, out.String())
	}))
	defer feeds.Close()
	rc := &editReceiver{ids: map[string]string{}}
	hooks := httptest.NewServer(http.HandlerFunc(rc.serve))
	defer hooks.Close()

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	var to []string
	for d := range dests {
		to = append(to, fmt.Sprintf("%q", fmt.Sprintf("webhook:%s/h%d", hooks.URL, d)))
	}
	// Feed B joins the config once feed A's alerts are out: a new feed is
	// polled at once, where a feed polled empty would wait its interval.
	config := func(feeds string) {
		cfg := fmt.Sprintf(`poll:
  schedule: "@every 1s"
  fulltext: never
  backfill: %d
store:
  path: %s
http:
  listen: ""
webhook:
  allow_private: true
feeds:
%swatches:
  - name: apt29
    query: actor:APT29
routes:
  - watches: [apt29]
    to: [%s]
`, stories, filepath.Join(dir, "nh.db"), feeds, strings.Join(to, ", "))
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	feedA := fmt.Sprintf("  - {url: %s/a.xml, name: Wire A}\n", feeds.URL)
	config(feedA)

	const messages = stories * dests
	kills, midFlight := 0, 0
	// killWhile starts the daemon and kills it at a random moment once
	// progress() has moved, until done() holds (at most 8 runs).
	killWhile := func(phase string, progress func() int, done func() bool) {
		for run := 0; run < 8 && !done(); run++ {
			before := progress()
			p := startDaemon(t, dir, cfgPath, fmt.Sprintf("%s%d", phase, run))
			if !waitUntil(60*time.Second, func() bool { return progress() > before || done() || !p.alive() }) {
				t.Fatalf("%s: nothing moved in 60s:\n%s", phase, p.log())
			}
			if !p.alive() {
				t.Fatalf("%s: the daemon exited:\n%s", phase, p.log())
			}
			time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
			p.kill()
			kills++
			if !done() {
				midFlight++
			}
		}
	}
	alerts := func() int { n, _ := rc.counts(); return n }
	killWhile("alerts", alerts, func() bool { return rc.messages() >= messages })

	config(feedA + fmt.Sprintf("  - {url: %s/b.xml, name: Wire B}\n", feeds.URL))
	edits := func() int { _, n := rc.counts(); return n }
	killWhile("edits", edits, func() bool { return rc.edited("Wire B") >= messages })

	// A clean pass finishes what is left.
	out, err := newshound("run", "--once", "--config", cfgPath).CombinedOutput()
	if err != nil {
		t.Fatalf("final run --once: %v\n%s", err, out)
	}
	if midFlight == 0 {
		t.Fatalf("no kill landed before the work was done (%d kills): the test proved nothing", kills)
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	// No duplicate message: one alert key per (destination, story), and a
	// key POSTed again at most once per kill.
	keys := map[string]map[string]bool{}
	repeats := map[string]int{}
	for _, a := range rc.alerts {
		k := a.path + "|" + a.title
		if keys[k] == nil {
			keys[k] = map[string]bool{}
		}
		keys[k][a.key] = true
		repeats[a.key]++
		if strings.HasPrefix(a.title, "UPDATE 1-") {
			t.Errorf("feed B's report alerted as a story of its own: %+v", a)
		}
	}
	extra := 0
	for k, ks := range keys {
		if len(ks) != 1 {
			t.Errorf("%s alerted %d times under different keys: a duplicate message", k, len(ks))
		}
	}
	for _, n := range repeats {
		extra += n - 1
	}
	if len(keys) != messages {
		t.Errorf("%d (destination, story) alerts, want %d", len(keys), messages)
	}
	// No lost edit: every message got one naming Wire B, and every edit
	// names the message the receiver created for that story.
	idOf := map[string]string{}
	for _, a := range rc.alerts {
		idOf[a.path+"|"+a.title] = rc.ids[a.key]
	}
	named := map[string]bool{}
	editRepeats := map[string]int{}
	for _, e := range rc.edits {
		k := e.path + "|" + e.title
		if want := idOf[k]; e.ref != want {
			t.Errorf("edit of %s names %q, want the alert's message %q", k, e.ref, want)
		}
		if slices.Contains(e.also, "Wire B") {
			named[k] = true
		}
		editRepeats[e.key]++
	}
	if len(named) != messages {
		t.Errorf("%d messages got an edit naming Wire B, want all %d: edits were lost", len(named), messages)
	}
	editExtra := 0
	for _, n := range editRepeats {
		editExtra += n - 1
	}
	// A kill can catch each destination's lane between its POST and the
	// record of it: one repeat per lane per crash, no more.
	if extra > kills*dests || editExtra > kills*dests {
		t.Errorf("%d repeated alerts and %d repeated edits after %d kills; at most one per destination per crash", extra, editExtra, kills)
	}
	t.Logf("%d kills (%d mid-flight); %d alert POSTs (%d repeats), %d edit POSTs (%d repeats)",
		kills, midFlight, len(rc.alerts), extra, len(rc.edits), editExtra)
}
