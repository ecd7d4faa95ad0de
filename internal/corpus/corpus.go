// Package corpus locates the shared real-world test corpus
// (../shared/testdata next to the repository) for tests.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of ../shared/testdata/SUB relative to the
// module root, or skips the test when it is absent (a fresh clone has none).
func Dir(t testing.TB, sub string) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Skipf("shared testdata: %v", err)
	}
	dir := filepath.Join(root, "..", "shared", "testdata", sub)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("shared testdata %s absent; skipping", dir)
	}
	return dir
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
