package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

type reload struct {
	cfg *Config
	err error
}

// replaceFile writes data the way editors and the CLI do: a new file
// renamed over the old one.
func replaceFile(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func nextReload(t *testing.T, ch <-chan reload) reload {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no reload within 10s")
		return reload{}
	}
}

// An edit saved after the config was loaded but before the watcher started
// is applied (it raised no event the watcher could see).
func TestWatchFileAppliesEditsMadeBeforeItStarted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("watches:\n  - name: a\n    query: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, path, "watches:\n  - name: b\n    query: y\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan reload, 1)
	go WatchFileWith(ctx, path, WatchOptions{Debounce: time.Millisecond, Loaded: loaded}, func(c *Config, err error) { ch <- reload{c, err} })
	r := nextReload(t, ch)
	if r.err != nil || len(r.cfg.Watches) != 1 || r.cfg.Watches[0].Name != "b" {
		t.Fatalf("reload = %+v, %v; want the edit made before the watcher started", r.cfg, r.err)
	}
}

func TestWatchFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	const v1 = "watches:\n  - name: a\n    query: x\n"
	if err := os.WriteFile(path, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan reload, 10)
	hup := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() {
		// Loaded: an edit racing the watcher's start is still applied, so
		// the test need not wait for it to start.
		done <- WatchFileWith(ctx, path, WatchOptions{Debounce: 20 * time.Millisecond, Reload: hup, Loaded: loaded}, func(c *Config, err error) { ch <- reload{c, err} })
	}()

	// A valid edit, written atomically.
	replaceFile(t, path, v1+"  - name: b\n    query: y\n")
	r := nextReload(t, ch)
	if r.err != nil || len(r.cfg.Watches) != 2 || r.cfg.Watches[1].Name != "b" || r.cfg.Path != path {
		t.Fatalf("valid edit: cfg %+v err %v", r.cfg, r.err)
	}

	// An invalid edit, written in place: an ErrorList at the right place.
	if err := os.WriteFile(path, []byte(v1+"  - name: a\n    query: z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = nextReload(t, ch)
	var list ErrorList
	if r.cfg != nil || !errors.As(r.err, &list) || list[0].Pos != (Pos{4, 11}) || list[0].File != path {
		t.Fatalf("invalid edit: cfg %v err %v", r.cfg, r.err)
	}

	// Unrelated files in the directory and rewriting the same bytes cause no reload.
	if err := os.WriteFile(filepath.Join(dir, "newshound.db"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(v1+"  - name: a\n    query: z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Then fixing the file reloads again.
	replaceFile(t, path, v1)
	r = nextReload(t, ch)
	if r.err != nil || len(r.cfg.Watches) != 1 {
		t.Fatalf("fixed edit: cfg %+v err %v", r.cfg, r.err)
	}
	select {
	case r := <-ch:
		t.Fatalf("unexpected extra reload: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}

	// SIGHUP reloads even unchanged bytes.
	hup <- syscall.SIGHUP
	r = nextReload(t, ch)
	if r.err != nil || len(r.cfg.Watches) != 1 {
		t.Fatalf("SIGHUP reload: cfg %+v err %v", r.cfg, r.err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("WatchFile returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WatchFile did not return after cancel")
	}
}

func TestWatchFileMissingDir(t *testing.T) {
	err := WatchFile(context.Background(), filepath.Join(t.TempDir(), "nope", "config.yaml"), func(*Config, error) {})
	if err == nil {
		t.Fatal("watching a missing directory succeeded")
	}
}
