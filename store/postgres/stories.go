package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/internal/cols"
)

const (
	storyOutletsSQL = `SELECT outlet FROM story_outlets WHERE story = $1 ORDER BY seen, seq`
	storyAlertSQL   = `SELECT sa.outbox_id, sa.watches, o.state, o.need FROM story_alerts sa
		JOIN outbox o ON o.id = sa.outbox_id WHERE sa.story = $1 AND sa.destination = $2`
)

// lockStories takes, in sorted order, a transaction lock on each story id
// a batch reports, so that two ingests (on one daemon or two replicas)
// reporting one story take turns: the second sees the first's alert and
// edits it. The two-key form keeps these apart from the dedup hash locks.
func lockStories(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(1313, hashint8(k)) FROM (SELECT k FROM unnest($1::bigint[]) AS k ORDER BY k OFFSET 0) AS s`, ids); err != nil {
		return fmt.Errorf("lock stories: %w", err)
	}
	return nil
}

// editKey is the outbox story key of a story's edit row (one per
// destination, by the outbox's UNIQUE (story, destination)).
func editKey(story int64) string { return "edit" + storySep + strconv.FormatInt(story, 10) }

// recordReport records a new item's report of its story: the story, the
// report's outlet and its index record; true when the outlet is new to the
// story.
func (db *DB) recordReport(ctx context.Context, tx pgx.Tx, s *model.StoryReport, now time.Time) (bool, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO stories (id, first_seen, last_seen, title, link) VALUES ($1, $2, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET last_seen = GREATEST(stories.last_seen, excluded.last_seen)`,
		s.ID, now.UnixMilli(), noNUL(s.Title), noNUL(s.Link)); err != nil {
		return false, fmt.Errorf("record story: %w", err)
	}
	if r := s.Record; r != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO story_reports (story, seen, published, features, origin) VALUES ($1, $2, $3, $4, $5)`,
			s.ID, r.Seen.UnixMilli(), ms(r.Published), r.Features, noNUL(r.Origin)); err != nil {
			return false, fmt.Errorf("record story report: %w", err)
		}
	}
	tag, err := tx.Exec(ctx, `INSERT INTO story_outlets (story, outlet, title, link, seen) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, s.ID, noNUL(s.Outlet), noNUL(s.Title), noNUL(s.Link), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("record story outlet: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// storyAlerts queues, leaves waiting or edits a report's alerts (see
// store.Stories); itemStory is the outbox key of the item's own alerts.
// It returns the alerts it queued (a released waiting alert included), for
// the history and the match metric.
func (db *DB) storyAlerts(ctx context.Context, tx pgx.Tx, itemStory string, s *model.StoryReport, newOutlet bool, alerts []model.Alert, published, now time.Time, res *model.IngestResult) ([]model.Alert, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	outlets, err := storyOutlets(ctx, tx, s.ID)
	if err != nil {
		return nil, err
	}
	if len(outlets) > 1 {
		res.Reports++
	}
	var queued []model.Alert
	for _, a := range alerts {
		a.Story = s.ID
		pol := s.Policy[a.Destination]
		var origID int64
		var watchesJSON, state string
		var waiting int
		err := tx.QueryRow(ctx, storyAlertSQL, s.ID, string(a.Destination)).Scan(&origID, &watchesJSON, &state, &waiting)
		if errors.Is(err, pgx.ErrNoRows) {
			ok, err := db.firstStoryAlert(ctx, tx, itemStory, a, max(1, pol.MinOutlets), len(outlets), published, now, res)
			if err != nil {
				return nil, err
			}
			if ok {
				queued = append(queued, a)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("story alert lookup: %w", err)
		}
		var watches []model.WatchMatch
		if err := json.Unmarshal([]byte(watchesJSON), &watches); err != nil {
			return nil, fmt.Errorf("story %d at %s: bad watches: %w", s.ID, string(a.Destination), err)
		}
		merged, newWatch := cols.MergeWatches(watches, a.Watches)
		if newWatch {
			b, _ := json.Marshal(merged)
			if _, err := tx.Exec(ctx, `UPDATE story_alerts SET watches = $1 WHERE story = $2 AND destination = $3`, string(b), s.ID, string(a.Destination)); err != nil {
				return nil, fmt.Errorf("story alert watches: %w", err)
			}
		}
		switch step, need := cols.LaterReport(pol, state, waiting, len(outlets), newOutlet, newWatch); step {
		case cols.LaterRelease:
			if err := db.releaseWaiting(ctx, tx, s.ID, a.Destination, origID, now); err != nil {
				return nil, err
			}
			res.AddQueued(a.Destination)
			queued = append(queued, a)
			res.Held--
		case cols.LaterNeed:
			if _, err := tx.Exec(ctx, `UPDATE outbox SET need = $1 WHERE id = $2`, need, origID); err != nil {
				return nil, fmt.Errorf("waiting alert: %w", err)
			}
		case cols.LaterAlert:
			ok, err := queueAlert(ctx, tx, itemStory, a, published, now)
			if err != nil {
				return nil, err
			}
			if ok {
				// Ordered after the story's first alert while that is still
				// to be sent (store.Stories), so that it can join its thread.
				if _, err := tx.Exec(ctx, `UPDATE outbox SET story_id = $1,
					published = CASE WHEN $2 THEN GREATEST(published, (SELECT published FROM outbox WHERE id = $3)) ELSE published END
					WHERE story = $4 AND destination = $5`, s.ID, state == model.StatePending, origID, itemStory, string(a.Destination)); err != nil {
					return nil, fmt.Errorf("story of alert: %w", err)
				}
				res.AddQueued(a.Destination)
				queued = append(queued, a)
			}
		case cols.LaterEdit:
			if err := db.queueEdit(ctx, tx, s.ID, a.Destination, origID, now); err != nil {
				return nil, err
			}
			res.Edits++
		}
	}
	return queued, nil
}

// firstStoryAlert queues the story's first alert at a's destination through
// the outbox's insert triggers (which may hold it for a digest, or record
// it skipped for a muted watch), then leaves it waiting (model.StateWaiting)
// if fewer than need outlets reported the story and the triggers left it
// to be delivered. True when it was queued and not left waiting.
func (db *DB) firstStoryAlert(ctx context.Context, tx pgx.Tx, itemStory string, a model.Alert, need, outlets int, published, now time.Time, res *model.IngestResult) (bool, error) {
	ok, err := queueAlert(ctx, tx, itemStory, a, published, now)
	if err != nil || !ok {
		return false, err
	}
	var id int64
	var state string
	if err := tx.QueryRow(ctx, `UPDATE outbox SET story_id = $1, need = $2,
		state = CASE WHEN $3::boolean AND state IN ('pending', 'held') THEN 'waiting' ELSE state END
		WHERE story = $4 AND destination = $5 RETURNING id, state`,
		a.Story, need, outlets < need, itemStory, string(a.Destination)).Scan(&id, &state); err != nil {
		return false, fmt.Errorf("story of alert: %w", err)
	}
	b, _ := json.Marshal(a.Watches)
	if _, err := tx.Exec(ctx, `INSERT INTO story_alerts (story, destination, outbox_id, watches) VALUES ($1, $2, $3, $4)`,
		a.Story, string(a.Destination), id, string(b)); err != nil {
		return false, fmt.Errorf("record story alert: %w", err)
	}
	if state == model.StateWaiting {
		res.Held++
		return false, nil
	}
	res.AddQueued(a.Destination)
	return true, nil
}

// releaseWaiting queues a waiting alert once enough outlets reported its
// story: the row is queued again, as new, so that the outbox's insert
// triggers decide now (a digest or quiet hours hold it, a watch muted
// since skips it), and the story's alert points at the new row.
func (db *DB) releaseWaiting(ctx context.Context, tx pgx.Tx, story int64, dest model.Destination, id int64, now time.Time) error {
	var key, payload string
	var need int
	if err := tx.QueryRow(ctx, `DELETE FROM outbox WHERE id = $1 RETURNING story, payload, need`, id).Scan(&key, &payload, &need); err != nil {
		return fmt.Errorf("release waiting alert: %w", err)
	}
	var a model.Alert
	if err := json.Unmarshal([]byte(payload), &a); err != nil {
		return fmt.Errorf("release waiting alert %d: %w", id, err)
	}
	if _, err := queueAlert(ctx, tx, key, a, now, now); err != nil {
		return err
	}
	var nid int64
	if err := tx.QueryRow(ctx, `UPDATE outbox SET story_id = $1, need = $2 WHERE story = $3 AND destination = $4 RETURNING id`,
		story, need, key, string(dest)).Scan(&nid); err != nil {
		return fmt.Errorf("release waiting alert: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE story_alerts SET outbox_id = $1 WHERE story = $2 AND destination = $3`, nid, story, string(dest)); err != nil {
		return fmt.Errorf("release waiting alert: %w", err)
	}
	return nil
}

// queueEdit arms the story's edit row at dest: a new one, a waiting one
// revised (coalesced), or a sent one re-armed no sooner than EditGap after
// it went out. A parked edit (the message can no longer be edited) stays.
func (db *DB) queueEdit(ctx context.Context, tx pgx.Tx, story int64, dest model.Destination, origID int64, now time.Time) error {
	var id, doneAt int64
	var state string
	err := tx.QueryRow(ctx, `SELECT id, state, done_at FROM outbox WHERE story = $1 AND destination = $2`, editKey(story), string(dest)).Scan(&id, &state, &doneAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		var payload string
		if err := tx.QueryRow(ctx, `SELECT payload FROM outbox WHERE id = $1`, origID).Scan(&payload); err != nil {
			return fmt.Errorf("queue edit: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO outbox (story, destination, payload, nonce, published, created_at, next_attempt, kind, story_id, orig)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'edit', $8, $9)`, editKey(story), string(dest), payload, cols.NewNonce(), now.UnixMilli(), now.UnixMilli(), now.UnixMilli(), story, origID)
	case err != nil:
	case state == model.StatePending:
		_, err = tx.Exec(ctx, `UPDATE outbox SET rev = rev + 1 WHERE id = $1`, id)
	case state == model.StateSent:
		at := max(now.UnixMilli(), doneAt+store.EditGap.Milliseconds())
		_, err = tx.Exec(ctx, `UPDATE outbox SET state = 'pending', rev = rev + 1, attempts = 0, last_error = '', next_attempt = $1, published = $2, done_at = 0
			WHERE id = $3`, at, at, id)
	}
	if err != nil {
		return fmt.Errorf("queue edit of story %d: %w", story, err)
	}
	return nil
}

// storyOutlets returns the outlets of story in the order they reported it.
func storyOutlets(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, story int64) ([]string, error) {
	rows, err := q.Query(ctx, storyOutletsSQL, story)
	if err != nil {
		return nil, fmt.Errorf("story outlets: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("story outlets: %w", err)
	}
	return out, nil
}

// fillStory gives an alert read for delivery its story as it is now (see
// store.Stories): the other outlets, every watch that fired there, for
// an edit the ref of the message it edits, and for a later report's own
// alert the ref of the story's first message there.
func (db *DB) fillStory(ctx context.Context, a *model.Alert, story int64, kind string, orig, rev int64) error {
	a.Story = story
	outlets, err := storyOutlets(ctx, db.pool, story)
	if err != nil {
		return err
	}
	a.AlsoReported = slices.DeleteFunc(outlets, func(o string) bool { return o == a.Feed })
	var watches string
	var first int64
	var firstRef, firstState string
	err = db.pool.QueryRow(ctx, `SELECT s.watches, s.outbox_id, COALESCE(o.ref, ''), COALESCE(o.state, '')
		FROM story_alerts s LEFT JOIN outbox o ON o.id = s.outbox_id WHERE s.story = $1 AND s.destination = $2`,
		story, string(a.Destination)).Scan(&watches, &first, &firstRef, &firstState)
	if err == nil {
		if kind != "edit" && first != a.ID && firstState == model.StateSent {
			a.FirstRef = model.MessageRef(firstRef)
		}
		var ws []model.WatchMatch
		if json.Unmarshal([]byte(watches), &ws) == nil {
			a.Watches, _ = cols.MergeWatches(a.Watches, ws)
		}
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("story watches: %w", err)
	}
	if kind == "edit" {
		a.Edit, a.Rev = true, rev
		var ref, state string
		err := db.pool.QueryRow(ctx, `SELECT ref, state FROM outbox WHERE id = $1`, orig).Scan(&ref, &state)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("edited alert: %w", err)
		}
		if state == model.StateSent {
			a.Ref = model.MessageRef(ref)
		}
	}
	return nil
}

// storyRecordCols are the columns scanStoryRecords reads.
const storyRecordCols = cols.StoryRecordCols

// storyRecordAfterCols are storyRecordCols without the features of the
// caller's own records ($3): a replica reads back every record it wrote.
const storyRecordAfterCols = `seq, story, seen, published,
	CASE WHEN $3 <> '' AND origin = $3 THEN NULL ELSE features END, origin`

// StoryRecords returns the index records of the reports seen at or after
// since, in the order they were recorded.
func (db *DB) StoryRecords(ctx context.Context, since time.Time) ([]model.StoryRecord, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+storyRecordCols+` FROM story_reports WHERE seen >= $1 ORDER BY seq`, since.UnixMilli())
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: story records: %w", err))
	}
	return scanStoryRecords(rows)
}

// StoryRecordsAfter returns the records above seq after or in also, in
// seq order: a range and a few look-ups of the primary key. also matters
// here: seq values are handed out when a row is inserted, so a replica's
// ingest that took seq 10 may commit after another's that took 11.
func (db *DB) StoryRecordsAfter(ctx context.Context, after int64, also []int64, mine string) ([]model.StoryRecord, error) {
	if also == nil {
		also = []int64{}
	}
	rows, err := db.pool.Query(ctx, `SELECT `+storyRecordAfterCols+` FROM story_reports WHERE seq > $1
		UNION ALL SELECT `+storyRecordAfterCols+` FROM story_reports WHERE seq = ANY($2::bigint[]) AND seq <= $1
		ORDER BY seq`, after, also, noNUL(mine))
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: story records after %d: %w", after, err))
	}
	return scanStoryRecords(rows)
}

// scanStoryRecords reads storyRecordCols rows and closes them.
func scanStoryRecords(rows pgx.Rows) ([]model.StoryRecord, error) {
	defer rows.Close()
	out, err := cols.Collect(rows, cols.ScanStoryRecord)
	if err != nil {
		return nil, fmt.Errorf("store: story records: %w", err)
	}
	return out, nil
}

// ReserveStoryIDs takes n story ids from the store's counter.
func (db *DB) ReserveStoryIDs(ctx context.Context, n int) (int64, error) {
	if n <= 0 {
		n = 1
	}
	var first int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `UPDATE story_ids SET next = next + $1 RETURNING next - $2`, n, n).Scan(&first)
	})
	if err != nil {
		return 0, db.wrap(fmt.Errorf("store: reserve story ids: %w", err))
	}
	return first, nil
}

// MarkDelivered records a delivered alert with its message ref; an edit
// revised since it was read stays pending, due EditGap later.
func (db *DB) MarkDelivered(ctx context.Context, a model.Alert, ref model.MessageRef) error {
	now := db.now().UnixMilli()
	again := now + store.EditGap.Milliseconds()
	return db.exec(ctx, "mark alert delivered", `UPDATE outbox SET
		state = CASE WHEN kind = 'edit' AND rev <> $1 THEN 'pending' ELSE 'sent' END,
		next_attempt = CASE WHEN kind = 'edit' AND rev <> $2 THEN $3 ELSE next_attempt END,
		published = CASE WHEN kind = 'edit' AND rev <> $4 THEN $5 ELSE published END,
		attempts = CASE WHEN kind = 'edit' AND rev <> $6 THEN 0 ELSE attempts + 1 END,
		ref = CASE WHEN $7 != '' THEN $8 ELSE ref END,
		done_at = $9, last_error = ''
		WHERE id = $10`, a.Rev, a.Rev, again, a.Rev, again, a.Rev, string(ref), string(ref), now, a.ID)
}

// PruneStories forgets the stories last reported before before, with their
// outlets, records, and alerts still waiting.
func (db *DB) PruneStories(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	cut := before.UnixMilli()
	err := db.tx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM story_reports WHERE seen < $1`,
			`DELETE FROM outbox WHERE state = 'waiting' AND story_id IN (SELECT id FROM stories WHERE last_seen < $1)`,
			`DELETE FROM story_outlets WHERE story IN (SELECT id FROM stories WHERE last_seen < $1)`,
			`DELETE FROM story_alerts WHERE story IN (SELECT id FROM stories WHERE last_seen < $1)`,
		} {
			if _, err := tx.Exec(ctx, q, cut); err != nil {
				return err
			}
		}
		r, err := tx.Exec(ctx, `DELETE FROM stories WHERE last_seen < $1`, cut)
		if err != nil {
			return err
		}
		n = r.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, db.wrap(fmt.Errorf("store: prune stories: %w", err))
	}
	return n, nil
}
