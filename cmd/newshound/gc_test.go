package main

import "testing"

func TestMemoryLimitFollowsTheLiveHeap(t *testing.T) {
	for _, tt := range []struct {
		live uint64
		want int64
	}{
		{0, defaultMemoryLimit},
		{40 << 20, defaultMemoryLimit}, // the 10,000-feed farm: the default bounds it
		{51 << 20, defaultMemoryLimit}, // 2.5x just under the default
		{100 << 20, 250 << 20},         // a large story index: room for 1.5x garbage
		{1 << 30, 5 << 29},             // and so on up
	} {
		if got := memoryLimit(tt.live); got != tt.want {
			t.Errorf("memoryLimit(%d MiB) = %d MiB, want %d MiB", tt.live>>20, got>>20, tt.want>>20)
		}
	}
}
