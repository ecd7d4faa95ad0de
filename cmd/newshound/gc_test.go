package main

import "testing"

func TestMemoryLimitFollowsTheLiveHeap(t *testing.T) {
	for _, tt := range []struct {
		live uint64
		want int64
	}{
		{0, defaultMemoryLimit},
		{40 << 20, defaultMemoryLimit}, // the 10,000-feed farm: the default bounds it
		{64 << 20, defaultMemoryLimit}, // twice it is the default
		{100 << 20, 200 << 20},         // a large story index: as GOGC=100
		{1 << 30, 2 << 30},             // and so on up
	} {
		if got := memoryLimit(tt.live); got != tt.want {
			t.Errorf("memoryLimit(%d MiB) = %d MiB, want %d MiB", tt.live>>20, got>>20, tt.want>>20)
		}
	}
}
