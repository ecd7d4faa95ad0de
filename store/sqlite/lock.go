package sqlite

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// LockSuffix names the daemon's lock file beside the database:
// newshound.db.lock for newshound.db.
const LockSuffix = ".lock"

// DaemonLock is the advisory lock a daemon holds on its SQLite database for
// its whole life, so that a second daemon on the same file refuses to start
// instead of polling and sending everything twice. Only the daemon takes
// it: the commands that read or edit the store beside a running daemon
// (feed ls, outbox ls and retry, watch ls) need no lock, since SQLite's own
// locking already keeps their writes apart.
//
// The lock is flock(2) on the file path+LockSuffix, a file of its own and
// not the database: SQLite takes POSIX record locks on the database, and
// where flock is emulated with those (NFS on Linux) the two would collide.
// It is not SQLite's own locking either: that is per transaction, and an
// exclusive locking mode held for the daemon's life would shut out the
// commands above. The kernel releases
// it when the process ends, however it ends, so a daemon killed with
// kill -9 leaves nothing stale behind. The file itself stays: removing it
// on exit would let a daemon starting meanwhile lock a file about to be
// unlinked while a third creates and locks a new one.
type DaemonLock struct {
	f *os.File
}

// InUseError is returned by LockDaemon when another process holds the lock.
type InUseError struct {
	// Path is the database path as given to LockDaemon.
	Path string
	// PID is the holder's process id as it wrote it, 0 if unknown (it may
	// be between taking the lock and writing its pid).
	PID int
}

func (e *InUseError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("store %s is in use by another newshound (pid %d)", e.Path, e.PID)
	}
	return fmt.Sprintf("store %s is in use by another newshound", e.Path)
}

// LockDaemon takes the daemon lock of the database at path without
// waiting: it returns an *InUseError when another daemon holds it. The
// holder's pid is written into the lock file for that message.
func LockDaemon(path string) (*DaemonLock, error) {
	name := path + LockSuffix
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", name, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: lock %s: %w", name, err)
	}
	if held {
		pid := readPID(f)
		f.Close()
		return nil, &InUseError{Path: path, PID: pid}
	}
	// The pid is only for the message above; failing to write it costs
	// nothing but the number.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DaemonLock{f: f}, nil
}

// Unlock releases the lock (closing the file releases the flock).
func (l *DaemonLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// readPID reads the pid a lock holder wrote, 0 if none.
func readPID(f *os.File) int {
	var b [32]byte
	n, _ := f.ReadAt(b[:], 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
