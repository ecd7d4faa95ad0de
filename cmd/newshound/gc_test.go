package main

import "testing"

func TestMemoryLimitFollowsTheLiveHeap(t *testing.T) {
	for _, tt := range []struct {
		live uint64
		want int64
	}{
		{0, defaultMemoryLimit},
		{40 << 20, defaultMemoryLimit}, // the 10,000-feed farm: the default bounds it
		{64 << 20, defaultMemoryLimit}, // 64 MiB of room: the default
		{100 << 20, 164 << 20},         // a large story index: at least 64 MiB of room
		{150 << 20, 225 << 20},         // then half the live heap
		{1 << 30, 3 << 29},
	} {
		if got := memoryLimit(tt.live); got != tt.want {
			t.Errorf("memoryLimit(%d MiB) = %d MiB, want %d MiB", tt.live>>20, got>>20, tt.want>>20)
		}
	}
}
