package notify

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestFairWindowGrantsInOrderAndSkipsAbandoned(t *testing.T) {
	w := newFairWindow(Rate{N: 1, Per: 30 * time.Millisecond})
	// Hold the window so every later caller has to queue.
	first, ok := w.acquire(context.Background(), clock{now: time.Now, after: time.After})
	if !ok {
		t.Fatal("first acquire failed")
	}
	first(time.Now())

	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	gone, cancel := context.WithCancel(context.Background())
	for i := range 5 {
		ctx := context.Background()
		if i == 2 {
			ctx = gone // this caller gives up while queued
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			end, ok := w.acquire(ctx, clock{now: time.Now, after: time.After})
			if !ok {
				return
			}
			end(time.Now())
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		}()
		// Let caller i take its ticket before caller i+1.
		deadline := time.Now().Add(time.Second)
		for {
			w.mu.Lock()
			n := w.next
			w.mu.Unlock()
			if n == uint64(i+2) || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	cancel()
	wg.Wait()
	want := []int{0, 1, 3, 4}
	if len(order) != len(want) {
		t.Fatalf("granted %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("granted in order %v, want %v (first come, first served; the abandoned caller skipped)", order, want)
		}
	}
}
