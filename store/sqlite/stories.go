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
)

// The story statements run for every new item of a poll (each is a report
// of some story): prepared once on the writer, like writerStmts.
const (
	upsertStorySQL = `INSERT INTO stories (id, first_seen, last_seen, title, link) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`
	insertReportSQL = `INSERT INTO story_reports (story, seen, published, features) VALUES (?, ?, ?, ?)`
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

// ingestStory records a new item's report of its story and queues, holds or
// edits its alerts (see store.Stories); itemStory is the outbox key of the
// item's own alerts.
func (db *DB) ingestStory(ctx context.Context, tx *sql.Tx, itemStory string, it model.NewItem, now time.Time, res *model.IngestResult) error {
	s := it.Story
	if _, err := tx.StmtContext(ctx, db.story.upsertStory).ExecContext(ctx, s.ID, now.UnixMilli(), now.UnixMilli(), s.Title, s.Link); err != nil {
		return fmt.Errorf("record story: %w", err)
	}
	if r := s.Record; r != nil {
		if _, err := tx.StmtContext(ctx, db.story.insertReport).ExecContext(ctx, s.ID, r.Seen.UnixMilli(), ms(r.Published), r.Features); err != nil {
			return fmt.Errorf("record story report: %w", err)
		}
	}
	r, err := tx.StmtContext(ctx, db.story.insertOutlet).ExecContext(ctx, s.ID, s.Outlet, s.Title, s.Link, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("record story outlet: %w", err)
	}
	added, _ := r.RowsAffected()
	newOutlet := added == 1
	if len(it.Alerts) == 0 {
		return nil
	}
	outlets, err := storyOutlets(ctx, tx.StmtContext(ctx, db.story.outlets).QueryContext, s.ID)
	if err != nil {
		return err
	}
	if len(outlets) > 1 {
		res.Reports++
	}
	queue := tx.StmtContext(ctx, db.stmts.queueAlert)
	lookup := tx.StmtContext(ctx, db.story.storyAlert)
	for _, a := range it.Alerts {
		a.Story = s.ID
		pol := s.Policy[a.Destination]
		need := max(1, pol.MinOutlets)
		var origID int64
		var watchesJSON, state string
		var held int
		err := lookup.QueryRowContext(ctx, s.ID, a.Destination).Scan(&origID, &watchesJSON, &state, &held)
		if errors.Is(err, sql.ErrNoRows) {
			if err := db.firstStoryAlert(ctx, tx, queue, itemStory, it, a, need, len(outlets), now, res); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("story alert lookup: %w", err)
		}
		var watches []model.WatchMatch
		if err := json.Unmarshal([]byte(watchesJSON), &watches); err != nil {
			return fmt.Errorf("story %d at %s: bad watches: %w", s.ID, a.Destination, err)
		}
		merged, newWatch := mergeWatches(watches, a.Watches)
		if newWatch {
			b, _ := json.Marshal(merged)
			if _, err := tx.ExecContext(ctx, `UPDATE story_alerts SET watches = ? WHERE story = ? AND destination = ?`, string(b), s.ID, a.Destination); err != nil {
				return fmt.Errorf("story alert watches: %w", err)
			}
		}
		switch state {
		case model.StateHeld:
			need = min(need, held)
			if len(outlets) >= need {
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', need = ?, next_attempt = ?, published = ? WHERE id = ?`,
					need, now.UnixMilli(), now.UnixMilli(), origID); err != nil {
					return fmt.Errorf("release held alert: %w", err)
				}
				countQueued(res, a.Destination)
				res.Held--
			} else if need != held {
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET need = ? WHERE id = ?`, need, origID); err != nil {
					return fmt.Errorf("held alert: %w", err)
				}
			}
			continue
		case model.StateParked:
			continue // the first alert never reached the destination; nothing to edit
		}
		if !newOutlet && !newWatch {
			continue // the same outlet again: nothing new to say
		}
		switch pol.AlsoReported {
		case model.AlsoReportedQuiet:
		case model.AlsoReportedAlert:
			ok, err := queueAlert(ctx, queue, itemStory, a, it.Published, now)
			if err != nil {
				return err
			}
			if ok {
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET story_id = ? WHERE story = ? AND destination = ?`, s.ID, itemStory, a.Destination); err != nil {
					return fmt.Errorf("story of alert: %w", err)
				}
				countQueued(res, a.Destination)
			}
		default:
			if err := db.queueEdit(ctx, tx, s.ID, a.Destination, origID, now); err != nil {
				return err
			}
			res.Edits++
		}
	}
	return nil
}

// firstStoryAlert queues (or holds) the story's first alert at a's destination.
func (db *DB) firstStoryAlert(ctx context.Context, tx *sql.Tx, queue *sql.Stmt, itemStory string, it model.NewItem, a model.Alert, need, outlets int, now time.Time, res *model.IngestResult) error {
	ok, err := queueAlert(ctx, queue, itemStory, a, it.Published, now)
	if err != nil || !ok {
		return err
	}
	state := model.StatePending
	if outlets < need {
		state = model.StateHeld
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `UPDATE outbox SET story_id = ?, state = ?, need = ? WHERE story = ? AND destination = ? RETURNING id`,
		a.Story, state, need, itemStory, a.Destination).Scan(&id); err != nil {
		return fmt.Errorf("story of alert: %w", err)
	}
	b, _ := json.Marshal(a.Watches)
	if _, err := tx.ExecContext(ctx, `INSERT INTO story_alerts (story, destination, outbox_id, watches) VALUES (?, ?, ?, ?)`,
		a.Story, a.Destination, id, string(b)); err != nil {
		return fmt.Errorf("record story alert: %w", err)
	}
	if state == model.StateHeld {
		res.Held++
	} else {
		countQueued(res, a.Destination)
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
			VALUES (?, ?, ?, ?, ?, ?, ?, 'edit', ?, ?)`, editKey(story), dest, payload, newNonce(), now.UnixMilli(), now.UnixMilli(), now.UnixMilli(), story, origID)
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

func countQueued(res *model.IngestResult, dest model.Destination) {
	res.Queued++
	if res.QueuedByPlatform == nil {
		res.QueuedByPlatform = make(map[string]int)
	}
	res.QueuedByPlatform[dest.Kind()]++
}

// mergeWatches adds the watches of add not in have (by name); true when one was added.
func mergeWatches(have, add []model.WatchMatch) ([]model.WatchMatch, bool) {
	added := false
	for _, w := range add {
		if !slices.ContainsFunc(have, func(h model.WatchMatch) bool { return h.Name == w.Name }) {
			have = append(have, w)
			added = true
		}
	}
	return have, added
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
// store.Stories): the other outlets, every watch that fired there, and for
// an edit the ref of the message it edits.
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
	err = db.r.QueryRowContext(ctx, `SELECT watches FROM story_alerts WHERE story = ? AND destination = ?`, story, a.Destination).Scan(&watches)
	if err == nil {
		var ws []model.WatchMatch
		if json.Unmarshal([]byte(watches), &ws) == nil {
			a.Watches, _ = mergeWatches(a.Watches, ws)
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

// StoryRecords returns the index records of the reports seen at or after
// since, in the order they were recorded.
func (db *DB) StoryRecords(ctx context.Context, since time.Time) ([]model.StoryRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT story, seen, published, features FROM story_reports WHERE seen >= ? ORDER BY seq`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: story records: %w", err)
	}
	defer rows.Close()
	var out []model.StoryRecord
	for rows.Next() {
		var r model.StoryRecord
		var seen, pub int64
		if err := rows.Scan(&r.Story, &seen, &pub, &r.Features); err != nil {
			return nil, fmt.Errorf("store: story records: %w", err)
		}
		r.Seen, r.Published = time.UnixMilli(seen), fromMS(pub)
		out = append(out, r)
	}
	return out, rows.Err()
}

// LastStoryID returns the highest story id recorded, 0 when none.
func (db *DB) LastStoryID(ctx context.Context) (int64, error) {
	var id int64
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM stories`).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last story id: %w", err)
	}
	return id, nil
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
// outlets, records, and alerts still held.
func (db *DB) PruneStories(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	cut := before.UnixMilli()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM story_reports WHERE seen < ?`,
			`DELETE FROM outbox WHERE state = 'held' AND story_id IN (SELECT id FROM stories WHERE last_seen < ?)`,
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
