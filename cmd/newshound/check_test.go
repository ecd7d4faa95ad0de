package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command line in-process.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeTemp(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckShippedConfig(t *testing.T) {
	t.Setenv("DISCORD_BOT_TOKEN", "")
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	code, out, errs := runCLI("check", "--config", filepath.Join("..", "..", "config.yaml"))
	if code != exitOK || !strings.Contains(out, ": ok (") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
}

func TestCheckReportsEverything(t *testing.T) {
	src := "poll:\n" +
		"  interval: forever\n" + // 2:13 bad duration
		"entities:\n" +
		"  russia: [Russia, Kremlin]\n" +
		"watches:\n" +
		"  - name: ok\n" +
		"    query: 'actor:russia AND Baku'\n" +
		"  - name: broken\n" +
		"    query: 'APT29 AND (Cozy'\n" + // 9:23 unclosed "(" at rune 10
		"  - name: broken2\n" +
		"    query: \"a OR\"\n" + // 11:17 end of query
		"routes:\n" +
		"  - watches: [ok, nope]\n" + // 13:19 unknown watch
		"    to: [console]\n"
	path := writeTemp(t, "c.yaml", src)
	code, out, errs := runCLI("check", "--config", path)
	if code != exitInput || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	want := []string{
		path + ":2:13: poll.interval: bad duration",
		path + ":9:23: watch \"broken\": query: ",
		path + ":11:17: watch \"broken2\": query: ",
		path + ":13:19: route refers to unknown watch \"nope\"",
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), errs)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d:\n got  %s\n want %s...", i, lines[i], want[i])
		}
	}
}

func TestCheckBadAliasFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("alias_files: [bad.json]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("check", "--config", path)
	if code != exitInput || !strings.HasPrefix(errs, path+":1:15: import aliases from") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func TestCheckArguments(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"check", "--config", "/nonexistent/c.yaml"}, exitInput, "no such file"},
		{[]string{"check", "extra"}, exitInput, `unexpected argument "extra"`},
		{[]string{"check", "--bogus", "x"}, exitInput, "unknown flag --bogus"},
		{[]string{"check", "--config"}, exitInput, "flag --config needs a value"},
	}
	for _, tt := range tests {
		code, _, errs := runCLI(tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, tt.code, tt.want)
		}
	}
}

func TestResolvePathFromEnv(t *testing.T) {
	path := writeTemp(t, "env.yaml", "watches:\n  - {name: a, query: b}\n")
	t.Setenv("NEWSHOUND_CONFIG", path)
	t.Chdir(t.TempDir()) // no ./config.yaml here
	code, out, errs := runCLI("check")
	if code != exitOK || !strings.HasPrefix(out, path+": ok") {
		t.Errorf("exit %d: %s %s", code, out, errs)
	}
}

func TestCheckWarnsButPasses(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	path := writeTemp(t, "c.yaml", "telegram:\n  token: ${TELEGRAM_BOT_TOKEN}\nwatches:\n  - {name: a, query: b}\nroutes:\n  - watches: [a]\n    to: [\"telegram:-100123\"]\n")
	code, out, errs := runCLI("check", "--config", path)
	if code != exitOK || !strings.Contains(out, "ok") || !strings.HasPrefix(errs, path+":7:10: warning: telegram:-100123: telegram.token is empty") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
}

// TestCheckWebhookDestinations: the webhook kind is known through the
// platforms table, and its target check reports at the destination's
// position without echoing the URL's token.
func TestCheckWebhookDestinations(t *testing.T) {
	path := writeTemp(t, "c.yaml", "webhook:\n  secret: ${WH_SECRET}\nwatches:\n  - {name: a, query: b}\nroutes:\n"+
		"  - watches: [a]\n    to: [\"webhook:https://hooks.example/x/TOKENpart\", \"webhook:ftp://hooks.example/TOKENpart\"]\n")
	t.Setenv("WH_SECRET", "SECRETvalue")
	code, out, errs := runCLI("check", "--config", path)
	if code != exitInput || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], path+":7:") || !strings.Contains(lines[0], "http:// or https://") {
		t.Errorf("stderr:\n%s", errs)
	}
	if strings.Contains(errs, "TOKENpart") || strings.Contains(errs, "SECRETvalue") {
		t.Errorf("stderr leaks a secret:\n%s", errs)
	}
}
