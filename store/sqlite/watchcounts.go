package sqlite

import (
	"slices"

	"github.com/newshound/newshound/model"
)

// countWatches adds one story to res.QueuedByWatch for each watch named by
// the alerts it queued: a story routed to three chats by one watch is one
// match of that watch, not three.
func countWatches(res *model.IngestResult, queued []model.Alert) {
	var names []string
	for _, a := range queued {
		for _, w := range a.Watches {
			if !slices.Contains(names, w.Name) {
				names = append(names, w.Name)
			}
		}
	}
	if len(names) == 0 {
		return
	}
	if res.QueuedByWatch == nil {
		res.QueuedByWatch = make(map[string]int)
	}
	for _, n := range names {
		res.QueuedByWatch[n]++
	}
}
