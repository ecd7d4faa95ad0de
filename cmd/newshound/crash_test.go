package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as the newshound command, so crash
// tests can run the real program as a child process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("NEWSHOUND_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// newshound returns a command running this binary as newshound.
func newshound(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "NEWSHOUND_TEST_MAIN=1")
	return cmd
}

func TestKill9LosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon repeatedly")
	}
	const stories = 1500 // enough that delivery takes a while and kills land mid-flight
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>`)
		for i := range stories {
			fmt.Fprintf(&b, `<item><guid>s%d</guid><title>%s</title><link>https://n.example/%d</link><pubDate>%s</pubDate></item>`,
				i, crashTitle(i), i, time.Date(2026, 11, 1, 0, 0, i, 0, time.UTC).Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, b.String())
	}))
	defer srv.Close()

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	// fulltext never: the stories link to a host that does not resolve,
	// and this test is about the outbox surviving kill -9, not articles.
	cfg := fmt.Sprintf(`poll:
  schedule: "@every 1s"
  fulltext: never
  backfill: %d
store:
  path: %s
http:
  listen: ""
feeds:
  - url: %s
watches:
  - name: apt29
    query: actor:APT29
routes:
  - watches: [apt29]
    to: [console]
`, stories, filepath.Join(dir, "nh.db"), srv.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	var all bytes.Buffer
	var perRun []int // alerts printed by each killed run
	kills := 0
	for i := 0; i < 8; i++ {
		outPath := filepath.Join(dir, fmt.Sprintf("run%d.out", i))
		outFile, err := os.Create(outPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := newshound("run", "--config", cfgPath)
		cmd.Stdout, cmd.Stderr = outFile, outFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a random moment once alerts have started to flow. The
		// wait is long because the first run ingests 1,500 stories before
		// its first alert, which takes seconds under -race on a busy
		// machine; a run with nothing left to send never starts (the loop
		// ends once everything was delivered).
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if b, _ := os.ReadFile(outPath); bytes.Contains(b, []byte("matched")) {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		cmd.Process.Kill() // SIGKILL: no cleanup at all
		cmd.Wait()
		outFile.Close()
		kills++
		b, _ := os.ReadFile(outPath)
		perRun = append(perRun, bytes.Count(b, []byte("\n  matched ")))
		all.Write(b)
		if delivered(all.String(), stories) == stories {
			break // nothing left in flight to kill
		}
	}
	// Then let a clean pass finish what is left.
	var out bytes.Buffer
	cmd := newshound("run", "--once", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("final run --once: %v\n%s", err, out.String())
	}
	all.Write(out.Bytes())

	text := all.String()
	repeats := 0
	for i := range stories {
		n := strings.Count(text, crashTitle(i)+"\n")
		if n == 0 {
			t.Errorf("story %04d was never delivered", i)
		}
		repeats += max(0, n-1)
	}
	midFlight := 0
	for _, n := range perRun {
		if n > 0 && n < stories {
			midFlight++
		}
	}
	if midFlight == 0 {
		t.Fatalf("no kill landed while alerts were flowing (per run %v): the test proved nothing", perRun)
	}
	if repeats > kills {
		t.Errorf("%d repeated alerts after %d kills; at most one repeat per crash", repeats, kills)
	}
	t.Logf("%d kills, %d repeats; alerts printed per killed run: %v", kills, repeats, perRun)
}

// delivered counts the distinct stories in out.
// crashTitle is story i's headline: APT29 (so the watch fires) and words
// of its own, so that every item is a different news event to the story
// index (headlines differing only in a number are one story to it).
func crashTitle(i int) string {
	word := func(n int) string {
		w := []byte("q")
		for ; n > 0 || len(w) < 4; n /= 26 {
			w = append(w, byte('a'+n%26))
		}
		return string(w)
	}
	return fmt.Sprintf("APT29 %s %s %s", word(3*i), word(3*i+1), word(3*i+2))
}

func delivered(out string, stories int) int {
	n := 0
	for i := range stories {
		if strings.Contains(out, crashTitle(i)+"\n") {
			n++
		}
	}
	return n
}
