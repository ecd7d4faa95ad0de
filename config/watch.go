package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchDebounce is how long the directory must stay quiet after a change
// before the file is read: editors and config managers write in bursts.
const watchDebounce = 250 * time.Millisecond

// WatchFile reloads the config file at path whenever it changes and calls
// onChange with the result of Load: a new Config and nil, or nil and the
// error (an ErrorList for problems in the file), in which case the caller
// keeps its old config in force. It blocks until ctx is done, then returns
// nil; it returns an error only when watching cannot start or fails.
//
// WatchFile observes the file's directory, not the file, because editors and
// "newshound watch add" replace the file by renaming a new one over it, and
// Kubernetes swaps a symlink. Changes are debounced, and onChange is only
// called when the file's bytes differ from the last ones seen (the bytes
// present when WatchFile started count as seen), so a burst of events or a
// touch causes no reload. onChange runs on WatchFile's goroutine.
//
// (It is WatchFile rather than Watch because Watch is the watch-entry type.)
func WatchFile(ctx context.Context, path string, onChange func(*Config, error)) error {
	return WatchFileWith(ctx, path, WatchOptions{}, onChange)
}

// WatchOptions tune WatchFileWith.
type WatchOptions struct {
	// Debounce is the quiet time after a change before the file is read;
	// default 250ms.
	Debounce time.Duration
	// Reload, when set, forces a reload each time it receives (wire it to
	// SIGHUP with signal.Notify): onChange is called even when the file's
	// bytes did not change, since alias files may have.
	Reload <-chan os.Signal
	// Loaded is the config the caller runs with. Changes to the file since
	// it was read — even before the watcher started — are applied; without
	// it, the file as the watcher first reads it counts as seen.
	Loaded *Config
}

// WatchFileWith is WatchFile with options.
func WatchFileWith(ctx context.Context, path string, opts WatchOptions, onChange func(*Config, error)) error {
	debounce := opts.Debounce
	if debounce <= 0 {
		debounce = watchDebounce
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("config: watch %s: %w", path, err)
	}
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	// A symlinked file (Kubernetes ConfigMap, stow) changes through events
	// on other names in the directory; a plain file only through its own.
	anyName := false
	if fi, err := os.Lstat(abs); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		anyName = true
	}

	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("config: watch %s: %w", path, err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("config: watch %s: %w", dir, err)
	}

	last, _ := os.ReadFile(abs)
	missing := last == nil
	// An edit saved between the caller's load and the watch above raised no
	// event: compare with what the caller loaded instead.
	stale := false
	if opts.Loaded != nil && opts.Loaded.data != nil {
		stale = !bytes.Equal(last, opts.Loaded.data)
		last = opts.Loaded.data
	}

	reload := func(force bool) {
		data, err := os.ReadFile(abs)
		if err != nil {
			if !missing || force {
				missing = true
				last = nil
				onChange(nil, fmt.Errorf("config: %w", err))
			}
			return
		}
		if !force && !missing && bytes.Equal(data, last) {
			return
		}
		missing = false
		last = data
		cfg, err := loadBytes(path, data)
		if err != nil {
			onChange(nil, err)
			return
		}
		onChange(cfg, nil)
	}

	timer := time.NewTimer(debounce)
	timer.Stop()
	defer timer.Stop()
	if stale {
		reload(false)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return fmt.Errorf("config: watch %s: watcher closed", dir)
			}
			if anyName || filepath.Base(ev.Name) == base {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return fmt.Errorf("config: watch %s: watcher closed", dir)
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				timer.Reset(debounce) // events were lost: look at the file
				continue
			}
			return fmt.Errorf("config: watch %s: %w", dir, err)
		case <-timer.C:
			reload(false)
		case <-opts.Reload:
			reload(true)
		}
	}
}
