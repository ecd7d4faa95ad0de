package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startDaemon starts `newshound run --config cfg` and returns once it
// has logged that it is running (so it holds the store lock), with a
// channel that yields its exit error.
func startDaemon(t *testing.T, cfg string) (*exec.Cmd, <-chan error) {
	t.Helper()
	cmd := newshound("run", "--config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	var log strings.Builder
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		said := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if !said && strings.Contains(sc.Text(), "newshound running") {
				said = true
				close(running)
			}
		}
	}()
	exited := make(chan error, 1)
	go func() {
		<-logDone // Wait closes the pipe: read it to the end first
		exited <- cmd.Wait()
	}()
	select {
	case <-running:
	case err := <-exited:
		t.Fatalf("daemon exited before running: %v\n%s", err, log.String())
	case <-time.After(2 * time.Minute): // a guard against a hang, not a wait
		cmd.Process.Kill()
		<-exited // the log is complete, and no longer written
		t.Fatalf("daemon never said it was running:\n%s", log.String())
	}
	return cmd, exited
}

// runRefused runs newshound with args and returns its output and exit
// error; a daemon that starts running instead of refusing is killed the
// moment it says so, and reported as the error.
func runRefused(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newshound(args...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var out strings.Builder
	started := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if !started && strings.Contains(sc.Text(), "newshound running") {
			started = true
			cmd.Process.Kill()
		}
	}
	r.Close()
	err = cmd.Wait()
	if started {
		err = errors.New("a second daemon started on the same store")
	}
	return out.String(), err
}

// TestSecondDaemonRefused runs the real binary: a second `run` on the
// store of a running daemon refuses with the holder's pid, the commands
// that read the store keep working beside it, and after kill -9 of the
// first (no cleanup at all) a new daemon starts.
func TestSecondDaemonRefused(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><guid>a1</guid><title>APT29 hits the ministry</title><link>https://news.example/a1</link></item></channel></rss>`)
	}))
	defer feed.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "nh.db")
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`poll:
  schedule: "@every 1h"
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
`, db, feed.URL)), 0o600); err != nil {
		t.Fatal(err)
	}

	first, firstExit := startDaemon(t, cfg)
	defer first.Process.Kill()
	want := fmt.Sprintf("store %s is in use by another newshound (pid %d)", db, first.Process.Pid)
	for _, args := range [][]string{{"run"}, {"run", "--once"}} {
		out, err := runRefused(t, append(args, "--config", cfg)...)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitRuntime || !strings.Contains(out, want) {
			t.Errorf("%v beside a running daemon: %v\n%s\nwant exit %d saying %q", args, err, out, exitRuntime, want)
		}
	}
	for _, args := range [][]string{{"feed", "ls"}, {"watch", "ls"}, {"outbox", "ls"}, {"outbox", "retry"}} {
		out, err := newshound(append(args, "--config", cfg)...).CombinedOutput()
		if err != nil || strings.Contains(string(out), "in use") {
			t.Errorf("%v beside a running daemon: %v\n%s", args, err, out)
		}
	}

	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-firstExit; err == nil {
		t.Fatal("the killed daemon exited 0")
	}
	second, secondExit := startDaemon(t, cfg)
	defer second.Process.Kill()
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-secondExit; err != nil {
		t.Errorf("the daemon after kill -9 of the first: %v, want a clean exit on SIGTERM", err)
	}
	// A clean exit released the lock too.
	if out, err := newshound("run", "--once", "--config", cfg).CombinedOutput(); err != nil {
		t.Errorf("run --once after the daemon stopped: %v\n%s", err, out)
	}
}
