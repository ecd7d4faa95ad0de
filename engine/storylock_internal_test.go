package engine

import (
	"context"
	"sync"
	"testing"
	"time"
)

// lockCountingStore is a store whose story lock is a turn of one, counting
// the takes and the holders at once.
type lockCountingStore struct {
	Store
	turn    chan struct{}
	mu      sync.Mutex
	takes   int
	holding int
}

func (s *lockCountingStore) LockStories(ctx context.Context) (func(), error) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	s.takes++
	s.holding++
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.holding--
			s.mu.Unlock()
			<-s.turn
		})
	}, nil
}

func (s *lockCountingStore) state() (takes, holding int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.takes, s.holding
}

// The workers of one replica share one take of the store's story lock
// while it is held; the last to leave releases it, and leaving twice
// changes nothing.
func TestStoryLockShared(t *testing.T) {
	st := &lockCountingStore{turn: make(chan struct{}, 1)}
	var l storyLock
	l.hold = time.Hour
	leave1, err := l.enter(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	leave2, err := l.enter(ctx, st) // a second take of the store's lock would wait for the first
	if err != nil {
		t.Fatalf("a second worker did not join the lock held: %v", err)
	}
	if takes, holding := st.state(); takes != 1 || holding != 1 {
		t.Fatalf("two workers in: %d takes, %d held, want 1 and 1", takes, holding)
	}
	leave1()
	leave1()
	if _, holding := st.state(); holding != 1 {
		t.Fatal("released while a worker is still in the section")
	}
	leave2()
	if _, holding := st.state(); holding != 0 {
		t.Fatal("not released when the last worker left")
	}
	leave3, err := l.enter(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	leave3()
	if takes, _ := st.state(); takes != 2 {
		t.Errorf("a worker after the lock was released: %d takes in all, want 2", takes)
	}
}

// Held past its hold, the lock takes no newcomer: it waits for the release
// and takes the lock again (behind the other replicas waiting for it), and
// its wait ends with its context, holding nothing.
func TestStoryLockHoldBounded(t *testing.T) {
	st := &lockCountingStore{turn: make(chan struct{}, 1)}
	var l storyLock
	l.hold = time.Nanosecond // past at once
	leave1, err := l.enter(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.enter(ctx, st); err == nil {
		t.Fatal("a newcomer joined a lock held past its hold")
	}
	entered := make(chan func())
	go func() {
		leave, err := l.enter(t.Context(), st)
		if err != nil {
			t.Error(err)
			leave = func() {}
		}
		entered <- leave
	}()
	select {
	case leave := <-entered:
		leave()
		t.Fatal("a newcomer joined a lock held past its hold")
	case <-time.After(20 * time.Millisecond):
	}
	leave1()
	var leave2 func()
	select {
	case leave2 = <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the newcomer did not take the lock once it was released")
	}
	if takes, holding := st.state(); takes != 2 || holding != 1 {
		t.Errorf("after the release: %d takes, %d held, want 2 and 1", takes, holding)
	}
	leave2()
}
