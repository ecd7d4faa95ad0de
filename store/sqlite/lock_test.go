package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDaemonLock(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nh.db")
	// A lock file left by an earlier daemon (its pid still inside) is no
	// lock: only a live holder's flock counts.
	if err := os.WriteFile(db+LockSuffix, []byte("99999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	first, err := LockDaemon(db)
	if err != nil {
		t.Fatalf("first lock over a stale lock file: %v", err)
	}
	// flock belongs to the open file description, so a second open in
	// this same process is refused as another process would be.
	_, err = LockDaemon(db)
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.PID != os.Getpid() || inUse.Path != db {
		t.Fatalf("second lock = %v, want an InUseError naming %s and pid %d", err, db, os.Getpid())
	}
	if want := "store " + db + " is in use by another newshound (pid "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start %q", err, want)
	}
	// Another database has its own lock.
	other, err := LockDaemon(filepath.Join(t.TempDir(), "other.db"))
	if err != nil {
		t.Fatalf("lock of another database: %v", err)
	}
	other.Unlock()
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := LockDaemon(db)
	if err != nil {
		t.Fatalf("lock after Unlock: %v", err)
	}
	again.Unlock()
	if err := again.Unlock(); err != nil {
		t.Errorf("a second Unlock = %v, want nil", err)
	}
}

func TestInUseErrorWithoutPID(t *testing.T) {
	for _, tt := range []struct {
		err  InUseError
		want string
	}{
		{InUseError{Path: "newshound.db", PID: 42}, "store newshound.db is in use by another newshound (pid 42)"},
		{InUseError{Path: "newshound.db"}, "store newshound.db is in use by another newshound"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%+v = %q, want %q", tt.err, got, tt.want)
		}
	}
}
