package store

import (
	"context"
	"time"

	"github.com/newshound/newshound/model"
)

// EditGap is the least time between two edits of one story's message at
// one destination: later reports within it are coalesced into the next
// edit, which always carries the final state.
const EditGap = time.Minute

// Stories keeps the stories across outlets (one alert per news event).
//
// Ingest handles an item with a Report (model.NewItem.Report) that it
// records as new and not a duplicate, in the same transaction: it records the story,
// the report's outlet and its index record, then per alert's destination:
//   - no alert of the story there yet: the alert is queued, through the
//     same triggers as any alert (a digest or quiet hours hold it,
//     store.StateHeld; a muted watch skips it), and then left waiting in
//     model.StateWaiting while fewer than the policy's MinOutlets outlets
//     reported it; once enough did it is queued again, as new;
//   - an alert there already (pending or sent), and the report brings a new
//     outlet or a watch the alert does not name: with AlsoReported "edit"
//     (the default) an edit row is queued for the destination, or the one
//     waiting is revised (at most one waits per story and destination, and
//     it is due no sooner than EditGap after the last edit sent); "quiet"
//     only records; "alert" queues a new alert.
//
// Edit rows are never held nor skipped (an edit changes a message the
// chat already has, digest or not). The alerts Ingest and CompleteText
// report as queued (history, IngestResult.QueuedByWatch) are those queued
// or released now; edits count in IngestResult.Edits, waiting alerts in Held.
// An item waiting for its text (model.NewItem.Fulltext) has its report
// recorded at ingest, its alerts handled as above at CompleteText.
//
// NextAlerts fills in a story's alerts and edits from the story as it is
// when they are read: AlsoReported (the outlets but the alert's own, in the
// order they reported) and Watches (every watch that fired on any report at
// that destination); an edit also gets the Ref of the message it edits
// ("" when there is none to edit) and its Rev; a story's later alert (not
// its first there, not an edit: also_reported "alert") gets FirstRef, the
// ref of the story's first alert at that destination once that was sent.
// So that such a later alert can join the thread or forum post its first
// opened, it never goes before its first: Ingest orders it after a first
// still pending there (its delivery order is the later of its own and the
// first's), and NextAlerts ends a batch before a later alert whose first
// is in that batch, so it is read again, with FirstRef, once the first
// was sent (or parked: then with none).
type Stories interface {
	// StoryRecords returns the index records of the reports seen at or
	// after since, in the order they were recorded (Seq order), with Seq
	// and Origin set.
	StoryRecords(ctx context.Context, since time.Time) ([]model.StoryRecord, error)
	// StoryRecordsAfter returns the index records whose Seq is above after
	// or in also, in Seq order: how a replica catches up with the reports
	// other replicas sharing the store recorded since it last read. Seq
	// grows with each record inserted, but a record becomes visible when
	// its transaction commits, which need not be in Seq order (PostgreSQL
	// hands out sequence values at insert time): also holds the seqs a
	// caller found missing below the highest it read, so that a record of
	// a transaction still open then is read once it commits. A seq in also
	// that never commits (a rolled-back ingest) returns nothing. Records
	// come with Seq and Origin set, their own and the others' alike; those
	// whose Origin is mine (not "") come without Features: the caller
	// indexed them when it decided, and needs only their Seq.
	StoryRecordsAfter(ctx context.Context, after int64, also []int64, mine string) ([]model.StoryRecord, error)
	// ReserveStoryIDs takes n (<= 0: 1) fresh story ids from the store and
	// returns the first: ids first..first+n-1 are the caller's alone, across
	// restarts and across replicas sharing the store.
	ReserveStoryIDs(ctx context.Context, n int) (int64, error)
	// MarkDelivered records a delivered alert (MarkSent) with the platform's
	// ref of its message ("" when it gave none). An edit row revised since
	// a was read stays pending, due EditGap later, so the revision is sent.
	MarkDelivered(ctx context.Context, a model.Alert, ref model.MessageRef) error
	// PruneStories forgets the stories last reported before before, their
	// records, and their alerts still held; returns how many stories.
	PruneStories(ctx context.Context, before time.Time) (int64, error)
	// LockStories waits for the store's story lock and returns its
	// release. Two holders, whether on one handle or on several sharing
	// the database (replicas), never hold it at once: a replica holds it
	// from reading the others' records (StoryRecordsAfter) through its
	// decisions to the commit of the Ingest that records them, so that
	// two replicas never decide reports of one event each without the
	// other's. A holder that dies releases it (the lock is the
	// process's, or its database session's, not a row), and ctx bounds
	// the wait: a wait that ends with ctx holds nothing and returns an
	// error. unlock may be called more than once; only the first counts.
	LockStories(ctx context.Context) (unlock func(), err error)
}
