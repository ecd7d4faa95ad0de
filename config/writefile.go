package config

// Writing an edit: read, change, check, and replace the file atomically.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// EditFile applies edit to the config file at path and writes the result
// atomically (a temporary file in the same directory, fsynced, renamed over
// the original, keeping its mode; a symlink is followed and its target
// replaced). Before writing, the result must parse cleanly (Load rules)
// and pass check, when check is non-nil (the CLI validates queries there).
// A config that is already invalid is not edited. Nothing is written when
// any step fails, and the file is left as it was when it changed on disk
// while the edit was prepared.
func EditFile(path string, edit func([]byte) ([]byte, error), check func(*Config) error) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if _, err := loadBytes(path, data); err != nil {
		return refusedError{fmt.Errorf("%s has problems already; fix them first:\n%w", path, err)}
	}
	out, err := edit(data)
	if err != nil {
		return err
	}
	cfg, err := loadBytes(path, out)
	if err != nil {
		return refusedError{fmt.Errorf("refusing the edit: the result would be invalid:\n%w", err)}
	}
	if check != nil {
		if err := check(cfg); err != nil {
			return refusedError{err}
		}
	}
	return writeFileAtomic(real, out, data)
}

// writeFileAtomic replaces path with data unless its content is no longer
// expect (someone else edited it meanwhile).
func writeFileAtomic(path string, data, expect []byte) (err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("config: writing %s: %w", tmp.Name(), err)
	}
	if err = tmp.Chmod(fi.Mode().Perm()); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if !bytes.Equal(cur, expect) {
		err = refusef("%s changed while it was being edited; nothing written, try again", path)
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // make the rename durable; not every filesystem supports it
		d.Close()
	}
	return nil
}
