package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/notify/telegram/telegramtest"
)

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		config string
		want   int
		stderr string
	}{
		{"unknown key", "pol:\n  interval: 5m\n", exitInput, ":1:1:"},
		{"bad query", "watches:\n  - name: w\n    query: 'a AND ('\n", exitInput, ":3:"},
		{"store path is a directory", fmt.Sprintf("store:\n  path: %s\n", dir), exitRuntime, "store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cfg := tt.config
			if !strings.Contains(cfg, "store:") {
				cfg += fmt.Sprintf("store:\n  path: %s\n", filepath.Join(t.TempDir(), "nh.db"))
			}
			code := run([]string{"run", "--once", "--config", writeConfig(t, cfg)}, &out, &errOut)
			if code != tt.want || !strings.Contains(errOut.String(), tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut.String(), tt.want, tt.stderr)
			}
		})
	}
}

// TestRunWiresTelegram runs the daemon with a Telegram token against the
// fake Bot API: a chat command reaches the command core and is answered,
// the commands are registered, and the token never reaches the logs.
func TestRunWiresTelegram(t *testing.T) {
	const token = "777:WIRING-TOKEN"
	tg := telegramtest.NewServer(token)
	defer tg.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf(`poll:
  schedule: "@every 1s"
store:
  path: %s
http:
  listen: ""
telegram:
  token: %s
  api: %s
`, filepath.Join(dir, "nh.db"), token, tg.URL()))
	tg.PushMessage(telegramtest.TextMessage(5, 5, "/watches"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	done := make(chan int)
	go func() { done <- runDaemonForTest(ctx, cfg, io.Discard, &logs) }()
	deadline := time.Now().Add(15 * time.Second)
	for len(tg.Sent()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("daemon exit %d; logs:\n%s", code, logs.String())
	}
	sent := tg.Sent()
	if len(sent) == 0 || sent[0].ChatID != "5" {
		t.Fatalf("no answer to /watches in chat 5; sent %+v; logs:\n%s", sent, logs.String())
	}
	if len(tg.Commands()) == 0 {
		t.Fatal("setMyCommands was never called")
	}
	if strings.Contains(logs.String(), token) {
		t.Fatal("the bot token reached the logs")
	}
}

// runDaemonForTest is cmdRun with a context the test controls.
func runDaemonForTest(ctx context.Context, cfgPath string, stdout, stderr io.Writer) int {
	return runWithContext(ctx, []string{"--config", cfgPath}, stdout, stderr)
}

// TestRunOnceDeliversToDiscordWebhook runs --once with a route to a
// Discord webhook on loopback: no bot token is needed, the alert arrives
// as an embed and can ping no one.
func TestRunOnceDeliversToDiscordWebhook(t *testing.T) {
	var mu sync.Mutex
	var posts []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		posts = append(posts, body)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"1","channel_id":"2","content":"","embeds":[]}`)
	}))
	defer hook.Close()
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Wire</title><item><guid>1</guid><title>@everyone Cozy Bear is back</title><link>https://n.example/1</link></item></channel></rss>`)
	}))
	defer feed.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf(`poll:
  backfill: 5
store:
  path: %s
feeds:
  - url: %s
watches:
  - name: apt29
    query: actor:APT29
routes:
  - watches: [apt29]
    to: ["discord-webhook:%s/api/webhooks/123/SECRETHOOK"]
`, filepath.Join(dir, "nh.db"), feed.URL, hook.URL))
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "--once", "--config", cfg}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 1 {
		t.Fatalf("webhook got %d posts, want 1; stderr:\n%s", len(posts), errOut.String())
	}
	am, _ := posts[0]["allowed_mentions"].(map[string]any)
	if parse, ok := am["parse"].([]any); !ok || len(parse) != 0 {
		t.Fatalf("allowed_mentions = %v, want parse: [] so nobody is pinged", posts[0]["allowed_mentions"])
	}
	embeds, _ := posts[0]["embeds"].([]any)
	if len(embeds) != 1 || !strings.Contains(fmt.Sprint(embeds[0]), "Cozy Bear") {
		t.Fatalf("embeds = %v", posts[0]["embeds"])
	}
	if strings.Contains(errOut.String(), "SECRETHOOK") {
		t.Fatal("the webhook token reached the logs")
	}
}

// TestRunOnceSaysWhatItDid: the first poll of a feed is logged, every
// poll at debug, a summary is printed, and a failed feed exits 2 with the
// likely cause said once.
func TestRunOnceSaysWhatItDid(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			http.Error(w, "nope", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Wire</title><item><guid>1</guid><title>One</title></item><item><guid>2</guid><title>Two</title></item></channel></rss>`)
	}))
	defer feed.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("log:\n  level: debug\nstore:\n  path: %s\nfeeds:\n  - url: %s/ok\nwatches:\n  - {name: a, query: One}\nroutes:\n  - watches: [a]\n    to: [console]\n",
		filepath.Join(dir, "nh.db"), feed.URL))
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "--once", "--config", cfg}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"first poll of Wire: remembered 2 items, no alerts (poll.backfill 0)", "msg=polled", "msg=summary", "feeds_ok=1"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, errOut.String())
		}
	}
	if !strings.Contains(out.String(), "polled 1 feeds: 1 ok, 0 failed; 2 new stories, 0 alerts queued; queue: 0 waiting, 0 parked") {
		t.Errorf("summary: %q", out.String())
	}

	cfg = writeConfig(t, fmt.Sprintf("store:\n  path: %s\nfeeds:\n  - url: %s/broken\n  - url: http://127.0.0.1:1/closed\n",
		filepath.Join(t.TempDir(), "nh.db"), feed.URL))
	out.Reset()
	errOut.Reset()
	if code := run([]string{"run", "--once", "--config", cfg}, &out, &errOut); code != exitRuntime {
		t.Fatalf("exit %d with failing feeds, want 2: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "2 failed") || strings.Count(errOut.String(), "every feed failed its last poll (2 of 2)") != 1 ||
		!strings.Contains(errOut.String(), "newshound: feed failed: "+feed.URL+"/broken") {
		t.Errorf("stdout %q\nstderr %s", out.String(), errOut.String())
	}
}

func TestPortInUseSaidInWords(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	cfg := writeConfig(t, fmt.Sprintf("http:\n  listen: %q\nstore:\n  path: %s\nwatches:\n  - {name: a, query: b}\n", addr, filepath.Join(t.TempDir(), "nh.db")))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := runWithContext(ctx, []string{"--config", cfg}, &out, &errOut); code != exitRuntime {
		t.Fatalf("exit %d, want 2: %s", code, errOut.String())
	}
	if want := "http.listen " + addr + ": address already in use"; !strings.Contains(errOut.String(), want) || strings.Contains(errOut.String(), "service 0") {
		t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
	}
}
