package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/sqlite"
)

// runBinary runs the built program (this test binary as newshound) and
// returns its exit code and output.
func runBinary(t *testing.T, dir string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := newshound(args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func TestHelpEverywhere(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"}, {"help", "watch"},
		{"run", "-h"}, {"run", "--help"}, {"check", "-h"}, {"check", "--help"},
		{"match", "-h"}, {"watch", "-h"}, {"watch", "add", "-h"}, {"watch", "rm", "--help"}, {"watch", "ls", "-h"},
		{"feed", "--help"}, {"feed", "add", "-h"}, {"feed", "rm", "-h"}, {"feed", "ls", "--help"},
		{"outbox", "-h"}, {"outbox", "ls", "-h"}, {"outbox", "retry", "--help"},
		{"health", "-h"}, {"completion", "--help"}, {"version", "-h"},
	} {
		code, out, errs := runBinary(t, dir, nil, args...)
		if code != exitOK || !strings.Contains(out, "usage: newshound") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 0 and usage on stdout", args, code, out, errs)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out, _ := runBinary(t, t.TempDir(), nil, args...)
		if code != exitOK || !strings.HasPrefix(out, "newshound ") {
			t.Errorf("%v: exit %d %q", args, code, out)
		}
	}
}

func TestVersionFromBuildInfo(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2025-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	if got, want := versionFrom(info), "dev-0123456789ab+dirty (2025-01-02T03:04:05Z)"; got != want {
		t.Errorf("versionFrom = %q, want %q", got, want)
	}
	info.Main.Version = "v1.2.3"
	if got := versionFrom(info); got != "v1.2.3" {
		t.Errorf("with a module version: %q", got)
	}
}

func TestBadInputExitsOne(t *testing.T) {
	dir := t.TempDir()
	cfg := writeTemp(t, "c.yaml", fmt.Sprintf("store:\n  path: %s\nwatches:\n  - {name: a, query: b}\n", filepath.Join(dir, "nh.db")))
	for _, args := range [][]string{
		{"check", "--nope"}, {"run", "--once=maybe", "--config", cfg}, {"watch"}, {"watch", "frob"}, {"watch", "ls", "--tag", "x", "--config", cfg},
		{"outbox", "retry", "1", "2", "--config", cfg}, {"match", "--feed", filepath.Join(dir, "missing.xml"), "--config", cfg},
		{"completion", "tcsh"}, {"nope"},
	} {
		if code, _, errs := runBinary(t, dir, nil, args...); code != exitInput {
			t.Errorf("%v: exit %d, want 1; stderr %s", args, code, errs)
		}
	}
}

// TestFlagsAfterArguments: --config after the positional arguments is
// honoured by every command, outbox retry included.
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "nh.db")
	cfg := writeTemp(t, "c.yaml", fmt.Sprintf("store:\n  path: %s\nwatches:\n  - {name: a, query: b}\n", db))
	code, _, errs := runBinary(t, t.TempDir(), nil, "outbox", "retry", "2", "--config", cfg)
	if code != exitInput || !strings.Contains(errs, "alert 2 is not parked") {
		t.Fatalf("outbox retry 2 --config: exit %d %s", code, errs)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the store of --config was not used: %v", err)
	}
	if code, out, errs := runBinary(t, dir, nil, "watch", "--config", cfg, "ls"); code != exitOK || !strings.Contains(out, "a") {
		t.Errorf("watch --config F ls: exit %d %s %s", code, out, errs)
	}
	// A query starting with "-" after --.
	code, out, errs := runBinary(t, dir, nil, "watch", "add", "--config", cfg, "neg", "--", "-sports Baku")
	if code != exitOK || !strings.Contains(out, `added watch "neg"`) {
		t.Fatalf("watch add -- -query: exit %d %s %s", code, out, errs)
	}
	if !strings.Contains(readFile(t, cfg), `query: '-sports Baku'`) {
		t.Errorf("config:\n%s", readFile(t, cfg))
	}
	if code, _, errs := runBinary(t, dir, nil, "watch", "add", "x", "-y", "--config", cfg); code != exitInput || !strings.Contains(errs, "put -- before") {
		t.Errorf("watch add x -y: exit %d %s", code, errs)
	}
}

// TestConfigOrder: --config, then $NEWSHOUND_CONFIG, then ./config.yaml.
func TestConfigOrder(t *testing.T) {
	dir := t.TempDir()
	local := filepath.Join(dir, "config.yaml")
	os.WriteFile(local, []byte("watches:\n  - {name: local, query: b}\n"), 0o644)
	env := writeTemp(t, "env.yaml", "watches:\n  - {name: fromenv, query: b}\n")
	flagged := writeTemp(t, "flag.yaml", "watches:\n  - {name: fromflag, query: b}\n")
	cases := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"watch", "ls"}, "local"},
		{[]string{"NEWSHOUND_CONFIG=" + env}, []string{"watch", "ls"}, "fromenv"},
		{[]string{"NEWSHOUND_CONFIG=" + env}, []string{"watch", "ls", "--config", flagged}, "fromflag"},
	}
	for _, c := range cases {
		code, out, errs := runBinary(t, dir, append([]string{"NEWSHOUND_CONFIG="}, c.env...), c.args...)
		if code != exitOK || !strings.Contains(out, c.want) {
			t.Errorf("env %v %v: exit %d, out %q %s; want %q", c.env, c.args, code, out, errs, c.want)
		}
	}
}

func TestListsAsJSON(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "nh.db")
	cfg := writeTemp(t, "c.yaml", fmt.Sprintf(`store:
  path: %s
feeds:
  - url: https://a.example/rss
    tags: [x]
watches:
  - {name: a, query: b}
routes:
  - watches: [a]
    to: ["discord-webhook:https://discord.com/api/webhooks/1/SECRET"]
`, dbPath))
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueueNotice(ctx, []model.Destination{"discord-webhook:https://discord.com/api/webhooks/1/SECRET"}, model.Alert{Title: "hello"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for _, c := range []struct {
		args []string
		key  string
		want any
	}{
		{[]string{"watch", "ls", "--json"}, "name", "a"},
		{[]string{"feed", "ls", "--json"}, "url", "https://a.example/rss"},
		{[]string{"outbox", "ls", "--json"}, "title", "hello"},
	} {
		code, out, errs := runBinary(t, dir, nil, append(c.args, "--config", cfg)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d %s", c.args, code, errs)
		}
		if strings.Contains(out, "SECRET") {
			t.Errorf("%v leaks the webhook secret: %s", c.args, out)
		}
		var row map[string]any
		if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &row); err != nil || row[c.key] != c.want {
			t.Errorf("%v: %s (%v); want %s = %v", c.args, out, err, c.key, c.want)
		}
	}
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errs := runBinary(t, t.TempDir(), nil, "completion", sh)
		if code != exitOK || !strings.Contains(out, "newshound") || !strings.Contains(out, "outbox") {
			t.Fatalf("%s: exit %d %s", sh, code, errs)
		}
		if path, err := exec.LookPath(sh); err == nil && sh != "fish" {
			cmd := exec.Command(path, "-n")
			cmd.Stdin = strings.NewReader(out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v %s", sh, err, b)
			}
		}
	}
}

func TestHealth(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		if !ready.Load() {
			http.Error(w, "not ready: every feed failed its last poll", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	}))
	defer srv.Close()
	listen := strings.TrimPrefix(srv.URL, "http://")
	cfg := writeTemp(t, "c.yaml", fmt.Sprintf("http:\n  listen: %q\nwatches:\n  - {name: a, query: b}\n", listen))
	if code, out, errs := runBinary(t, t.TempDir(), nil, "health", "--config", cfg); code != exitOK || !strings.Contains(out, "ready") {
		t.Fatalf("ready: exit %d %s %s", code, out, errs)
	}
	ready.Store(false)
	if code, _, errs := runBinary(t, t.TempDir(), nil, "health", "--config", cfg); code != exitRuntime || !strings.Contains(errs, "every feed failed") {
		t.Fatalf("not ready: exit %d %s", code, errs)
	}
	srv.Close()
	if code, _, errs := runBinary(t, t.TempDir(), nil, "health", "--url", srv.URL+"/readyz"); code != exitRuntime || !strings.Contains(errs, "no answer") {
		t.Fatalf("down: exit %d %s", code, errs)
	}
	if got, _ := readyzURL(":9090"); got != "http://127.0.0.1:9090/readyz" {
		t.Errorf("readyzURL(:9090) = %s", got)
	}
}
