package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/internal/cols"
)

// The story statements run for every new item of a poll (each is a report
// of some story): prepared once on the writer, like writerStmts.
const (
	upsertStorySQL = `INSERT INTO stories (id, first_seen, last_seen, title, link) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`
	insertReportSQL = `INSERT INTO story_reports (story, seen, published, features, origin) VALUES (?, ?, ?, ?, ?)`
	insertOutletSQL = `INSERT INTO story_outlets (story, outlet, title, link, seen) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`
	storyOutletsSQL = `SELECT outlet FROM story_outlets WHERE story = ? ORDER BY seen, rowid`
	storyAlertSQL   = `SELECT sa.outbox_id, sa.watches, o.state, o.need FROM story_alerts sa
		JOIN outbox o ON o.id = sa.outbox_id WHERE sa.story = ? AND sa.destination = ?`
)

// storyStmts are the prepared story statements.
type storyStmts struct {
	upsertStory, insertReport, insertOutlet, outlets, storyAlert *sql.Stmt
}

func (s *storyStmts) prepare(ctx context.Context, w *sql.DB) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.upsertStory, upsertStorySQL}, {&s.insertReport, insertReportSQL}, {&s.insertOutlet, insertOutletSQL},
		{&s.outlets, storyOutletsSQL}, {&s.storyAlert, storyAlertSQL},
	} {
		stmt, err := w.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = stmt
	}
	return nil
}

// editKey is the outbox story key of a story's edit row (one per
// destination, by the outbox's UNIQUE (story, destination)).
func editKey(story int64) string { return "edit\x00" + strconv.FormatInt(story, 10) }

// recordReport records a new item's report of its story: the story, the
// report's outlet and its index record; true when the outlet is new to the
// story.
func (db *DB) recordReport(ctx context.Context, tx *sql.Tx, s *model.StoryReport, now time.Time) (bool, error) {
	if _, err := tx.StmtContext(ctx, db.story.upsertStory).ExecContext(ctx, s.ID, now.UnixMilli(), now.UnixMilli(), s.Title, s.Link); err != nil {
		return false, fmt.Errorf("record story: %w", err)
	}
	if r := s.Record; r != nil {
		if _, err := tx.StmtContext(ctx, db.story.insertReport).ExecContext(ctx, s.ID, r.Seen.UnixMilli(), ms(r.Published), r.Features, r.Origin); err != nil {
			return false, fmt.Errorf("record story report: %w", err)
		}
	}
	r, err := tx.StmtContext(ctx, db.story.insertOutlet).ExecContext(ctx, s.ID, s.Outlet, s.Title, s.Link, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("record story outlet: %w", err)
	}
	added, _ := r.RowsAffected()
	return added == 1, nil
}

// storyAlerts queues, leaves waiting or edits a report's alerts (see
// store.Stories); itemStory is the outbox key of the item's own alerts.
// It returns the alerts it queued (a released waiting alert included), for
// the history and the match metric.
func (db *DB) storyAlerts(ctx context.Context, tx *sql.Tx, itemStory string, s *model.StoryReport, newOutlet bool, alerts []model.Alert, published, now time.Time, res *model.IngestResult) ([]model.Alert, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	outlets, err := storyOutlets(ctx, tx.StmtContext(ctx, db.story.outlets).QueryContext, s.ID)
	if err != nil {
		return nil, err
	}
	if len(outlets) > 1 {
		res.Reports++
	}
	queue := tx.StmtContext(ctx, db.stmts.queueAlert)
	lookup := tx.StmtContext(ctx, db.story.storyAlert)
	var queued []model.Alert
	for _, a := range alerts {
		a.Story = s.ID
		pol := s.Policy[a.Destination]
		var origID int64
		var watchesJSON, state string
		var waiting int
		err := lookup.QueryRowContext(ctx, s.ID, a.Destination).Scan(&origID, &watchesJSON, &state, &waiting)
		if errors.Is(err, sql.ErrNoRows) {
			ok, err := db.firstStoryAlert(ctx, tx, queue, itemStory, a, max(1, pol.MinOutlets), len(outlets), published, now, res)
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
			return nil, fmt.Errorf("story %d at %s: bad watches: %w", s.ID, a.Destination, err)
		}
		merged, newWatch := cols.MergeWatches(watches, a.Watches)
		if newWatch {
			b, _ := json.Marshal(merged)
			if _, err := tx.ExecContext(ctx, `UPDATE story_alerts SET watches = ? WHERE story = ? AND destination = ?`, string(b), s.ID, a.Destination); err != nil {
				return nil, fmt.Errorf("story alert watches: %w", err)
			}
		}
		switch step, need := cols.LaterReport(pol, state, waiting, len(outlets), newOutlet, newWatch); step {
		case cols.LaterRelease:
			if err := db.releaseWaiting(ctx, tx, queue, s.ID, a.Destination, origID, now); err != nil {
				return nil, err
			}
			res.AddQueued(a.Destination)
			queued = append(queued, a)
			res.Held--
		case cols.LaterNeed:
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET need = ? WHERE id = ?`, need, origID); err != nil {
				return nil, fmt.Errorf("waiting alert: %w", err)
			}
		case cols.LaterAlert:
			ok, err := queueAlert(ctx, queue, itemStory, a, published, now)
			if err != nil {
				return nil, err
			}
			if ok {
				// Ordered after the story's first alert while that is still
				// to be sent (store.Stories), so that it can join its thread.
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET story_id = ?,
					published = CASE WHEN ? THEN MAX(published, COALESCE((SELECT published FROM outbox WHERE id = ?), published)) ELSE published END
					WHERE story = ? AND destination = ?`, s.ID, state == model.StatePending, origID, itemStory, a.Destination); err != nil {
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
func (db *DB) firstStoryAlert(ctx context.Context, tx *sql.Tx, queue *sql.Stmt, itemStory string, a model.Alert, need, outlets int, published, now time.Time, res *model.IngestResult) (bool, error) {
	ok, err := queueAlert(ctx, queue, itemStory, a, published, now)
	if err != nil || !ok {
		return false, err
	}
	var id int64
	var state string
	if err := tx.QueryRowContext(ctx, `UPDATE outbox SET story_id = ?, need = ?,
		state = CASE WHEN ? AND state IN ('pending', 'held') THEN 'waiting' ELSE state END
		WHERE story = ? AND destination = ? RETURNING id, state`,
		a.Story, need, outlets < need, itemStory, a.Destination).Scan(&id, &state); err != nil {
		return false, fmt.Errorf("story of alert: %w", err)
	}
	b, _ := json.Marshal(a.Watches)
	if _, err := tx.ExecContext(ctx, `INSERT INTO story_alerts (story, destination, outbox_id, watches) VALUES (?, ?, ?, ?)`,
		a.Story, a.Destination, id, string(b)); err != nil {
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
func (db *DB) releaseWaiting(ctx context.Context, tx *sql.Tx, queue *sql.Stmt, story int64, dest model.Destination, id int64, now time.Time) error {
	var key, payload string
	var need int
	if err := tx.QueryRowContext(ctx, `DELETE FROM outbox WHERE id = ? RETURNING story, payload, need`, id).Scan(&key, &payload, &need); err != nil {
		return fmt.Errorf("release waiting alert: %w", err)
	}
	var a model.Alert
	if err := json.Unmarshal([]byte(payload), &a); err != nil {
		return fmt.Errorf("release waiting alert %d: %w", id, err)
	}
	if _, err := queueAlert(ctx, queue, key, a, now, now); err != nil {
		return err
	}
	var nid int64
	if err := tx.QueryRowContext(ctx, `UPDATE outbox SET story_id = ?, need = ? WHERE story = ? AND destination = ? RETURNING id`,
		story, need, key, dest).Scan(&nid); err != nil {
		return fmt.Errorf("release waiting alert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE story_alerts SET outbox_id = ? WHERE story = ? AND destination = ?`, nid, story, dest); err != nil {
		return fmt.Errorf("release waiting alert: %w", err)
	}
	return nil
}

// queueEdit arms the story's edit row at dest: a new one, a waiting one
// revised (coalesced), or a sent one re-armed no sooner than EditGap after
// it went out. A parked edit (the message can no longer be edited) stays.
func (db *DB) queueEdit(ctx context.Context, tx *sql.Tx, story int64, dest model.Destination, origID int64, now time.Time) error {
	var id, doneAt int64
	var state string
	err := tx.QueryRowContext(ctx, `SELECT id, state, done_at FROM outbox WHERE story = ? AND destination = ?`, editKey(story), dest).Scan(&id, &state, &doneAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var payload string
		if err := tx.QueryRowContext(ctx, `SELECT payload FROM outbox WHERE id = ?`, origID).Scan(&payload); err != nil {
			return fmt.Errorf("queue edit: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO outbox (story, destination, payload, nonce, published, created_at, next_attempt, kind, story_id, orig)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'edit', ?, ?)`, editKey(story), dest, payload, cols.NewNonce(), now.UnixMilli(), now.UnixMilli(), now.UnixMilli(), story, origID)
	case err != nil:
	case state == model.StatePending:
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET rev = rev + 1 WHERE id = ?`, id)
	case state == model.StateSent:
		at := max(now.UnixMilli(), doneAt+store.EditGap.Milliseconds())
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', rev = rev + 1, attempts = 0, last_error = '', next_attempt = ?, published = ?, done_at = 0
			WHERE id = ?`, at, at, id)
	}
	if err != nil {
		return fmt.Errorf("queue edit of story %d: %w", story, err)
	}
	return nil
}

// storyOutlets runs storyOutletsSQL through query (a prepared statement's
// or a pool's QueryContext).
func storyOutlets(ctx context.Context, query func(ctx context.Context, args ...any) (*sql.Rows, error), story int64) ([]string, error) {
	rows, err := query(ctx, story)
	if err != nil {
		return nil, fmt.Errorf("story outlets: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("story outlets: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// fillStory gives an alert read for delivery its story as it is now (see
// store.Stories): the other outlets, every watch that fired there, for
// an edit the ref of the message it edits, and for a later report's own
// alert the ref of the story's first message there.
func (db *DB) fillStory(ctx context.Context, a *model.Alert, story int64, kind string, orig, rev int64) error {
	a.Story = story
	outlets, err := storyOutlets(ctx, func(ctx context.Context, args ...any) (*sql.Rows, error) {
		return db.r.QueryContext(ctx, storyOutletsSQL, args...)
	}, story)
	if err != nil {
		return err
	}
	a.AlsoReported = slices.DeleteFunc(outlets, func(o string) bool { return o == a.Feed })
	var watches string
	var first int64
	var firstRef, firstState string
	err = db.r.QueryRowContext(ctx, `SELECT s.watches, s.outbox_id, COALESCE(o.ref, ''), COALESCE(o.state, '')
		FROM story_alerts s LEFT JOIN outbox o ON o.id = s.outbox_id WHERE s.story = ? AND s.destination = ?`,
		story, a.Destination).Scan(&watches, &first, &firstRef, &firstState)
	if err == nil {
		if kind != "edit" && first != a.ID && firstState == model.StateSent {
			a.FirstRef = model.MessageRef(firstRef)
		}
		var ws []model.WatchMatch
		if json.Unmarshal([]byte(watches), &ws) == nil {
			a.Watches, _ = cols.MergeWatches(a.Watches, ws)
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("story watches: %w", err)
	}
	if kind == "edit" {
		a.Edit, a.Rev = true, rev
		var ref, state string
		err := db.r.QueryRowContext(ctx, `SELECT ref, state FROM outbox WHERE id = ?`, orig).Scan(&ref, &state)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
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
// caller's own records (?3): a replica reads back every record it wrote.
const storyRecordAfterCols = `seq, story, seen, published,
	CASE WHEN ?3 != '' AND origin = ?3 THEN NULL ELSE features END, origin`

// StoryRecords returns the index records of the reports seen at or after
// since, in the order they were recorded.
func (db *DB) StoryRecords(ctx context.Context, since time.Time) ([]model.StoryRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+storyRecordCols+` FROM story_reports WHERE seen >= ? ORDER BY seq`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: story records: %w", err)
	}
	return scanStoryRecords(rows)
}

// StoryRecordsAfter returns the records above seq after or in also, in
// seq order: two range reads of the primary key. SQLite commits its one
// writer's transactions in seq order, so also finds nothing here that the
// range did not, but the contract is the same as PostgreSQL's.
func (db *DB) StoryRecordsAfter(ctx context.Context, after int64, also []int64, mine string) ([]model.StoryRecord, error) {
	holes := "[]"
	if len(also) > 0 {
		b, err := json.Marshal(also)
		if err != nil {
			return nil, fmt.Errorf("store: story records after %d: %w", after, err)
		}
		holes = string(b)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+storyRecordAfterCols+` FROM story_reports WHERE seq > ?1
		UNION ALL SELECT `+storyRecordAfterCols+` FROM story_reports WHERE seq IN (SELECT value FROM json_each(?2)) AND seq <= ?1
		ORDER BY seq`, after, holes, mine)
	if err != nil {
		return nil, fmt.Errorf("store: story records after %d: %w", after, err)
	}
	return scanStoryRecords(rows)
}

// scanStoryRecords reads storyRecordCols rows and closes them.
func scanStoryRecords(rows *sql.Rows) ([]model.StoryRecord, error) {
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
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE story_ids SET next = next + ? RETURNING next - ?`, n, n).Scan(&first)
	})
	if err != nil {
		return 0, fmt.Errorf("store: reserve story ids: %w", err)
	}
	return first, nil
}

// MarkDelivered records a delivered alert with its message ref; an edit
// revised since it was read stays pending, due EditGap later.
func (db *DB) MarkDelivered(ctx context.Context, a model.Alert, ref model.MessageRef) error {
	now := db.now().UnixMilli()
	again := now + store.EditGap.Milliseconds()
	return db.exec(ctx, "mark alert delivered", `UPDATE outbox SET
		state = CASE WHEN kind = 'edit' AND rev != ? THEN 'pending' ELSE 'sent' END,
		next_attempt = CASE WHEN kind = 'edit' AND rev != ? THEN ? ELSE next_attempt END,
		published = CASE WHEN kind = 'edit' AND rev != ? THEN ? ELSE published END,
		attempts = CASE WHEN kind = 'edit' AND rev != ? THEN 0 ELSE attempts + 1 END,
		ref = CASE WHEN ? != '' THEN ? ELSE ref END,
		done_at = ?, last_error = ''
		WHERE id = ?`, a.Rev, a.Rev, again, a.Rev, again, a.Rev, string(ref), string(ref), now, a.ID)
}

// PruneStories forgets the stories last reported before before, with their
// outlets, records, and alerts still waiting.
func (db *DB) PruneStories(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	cut := before.UnixMilli()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM story_reports WHERE seen < ?`,
			`DELETE FROM outbox WHERE state = 'waiting' AND story_id IN (SELECT id FROM stories WHERE last_seen < ?)`,
			`DELETE FROM story_outlets WHERE story IN (SELECT id FROM stories WHERE last_seen < ?)`,
			`DELETE FROM story_alerts WHERE story IN (SELECT id FROM stories WHERE last_seen < ?)`,
		} {
			if _, err := tx.ExecContext(ctx, q, cut); err != nil {
				return err
			}
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM stories WHERE last_seen < ?`, cut)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune stories: %w", err)
	}
	return n, nil
}
