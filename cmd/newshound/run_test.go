package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
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
