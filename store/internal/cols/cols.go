// Package cols turns the store's records into the column values both
// backends keep and back: the Go half of a row, shared so that SQLite and
// PostgreSQL store the same thing and only their SQL differs.
package cols

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
)

// Millis converts a time to unix milliseconds, 0 for the zero time.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMillis converts unix milliseconds to a time, the zero time for 0.
func FromMillis(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

// MaxStoryText caps the text kept per story in the history: a full article
// can run to hundreds of kilobytes, and search, backtests and the console
// need the part a teaser or an article's opening holds.
const MaxStoryText = 16 << 10

// Story is a history row's columns besides ids and times.
type Story struct {
	Feed, Title, Link, Body string
	Categories, Watches     string // newline-separated; JSON of []model.WatchMatch ("" for none)
	Snippet, Sent           string // the first alert's snippet; newline-separated destinations
	Published               int64
	WatchNames              []string // the watches that fired, for the per-watch table
}

// StoryOf is the history row of it (its Story, with the watches of its
// alerts and the destinations in sent) in feed f.
func StoryOf(f model.FeedState, it model.NewItem, sent []model.Destination) (Story, error) {
	s := it.Story
	var watches []model.WatchMatch
	r := Story{Feed: s.Feed, Title: s.Title, Link: s.Link, Published: Millis(s.Published),
		Body: truncateUTF8(s.Text, MaxStoryText), Categories: strings.Join(s.Categories, "\n")}
	if r.Feed == "" {
		r.Feed = f.Name
	}
	for _, a := range it.Alerts {
		if r.Snippet == "" {
			r.Snippet = a.Snippet
		}
		for _, w := range a.Watches {
			if !slices.ContainsFunc(watches, func(x model.WatchMatch) bool { return x.Name == w.Name }) {
				watches = append(watches, w)
				r.WatchNames = append(r.WatchNames, w.Name)
			}
		}
	}
	if len(watches) > 0 {
		b, err := json.Marshal(watches)
		if err != nil {
			return r, fmt.Errorf("encode watches: %w", err)
		}
		r.Watches = string(b)
	}
	dests := make([]string, len(sent))
	for i, d := range sent {
		dests[i] = string(d)
	}
	r.Sent = strings.Join(dests, "\n")
	return r, nil
}

// DecodeStory fills the list columns of s from a history row.
func DecodeStory(s *model.Story, categories, watches, sent string) error {
	if categories != "" {
		s.Categories = strings.Split(categories, "\n")
	}
	if watches != "" {
		if err := json.Unmarshal([]byte(watches), &s.Watches); err != nil {
			return fmt.Errorf("story %d: watches: %w", s.ID, err)
		}
	}
	if sent != "" {
		for _, d := range strings.Split(sent, "\n") {
			s.Sent = append(s.Sent, model.Destination(d))
		}
	}
	return nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// Delivery is a destination's delivery settings as columns: minutes after
// local midnight (-1 = off) beside their zones, the schedule's instants in
// unix milliseconds (0 = off), and the silent flag as 0 or 1.
type Delivery struct {
	Dest                  string
	DigestMin             int
	DigestTZ              string
	DigestNext            int64
	QuietStart, QuietEnd  int
	QuietTZ               string
	QuietSilent           int
	QuietFrom, QuietUntil int64
	// DigestChosen and QuietChosen are 1 when the chat chose (model.Delivery).
	DigestChosen, QuietChosen int
}

// DeliveryOf is d as columns.
func DeliveryOf(d model.Delivery) Delivery {
	r := Delivery{Dest: string(d.Destination), DigestMin: -1, DigestTZ: d.Digest.Zone, DigestNext: Millis(d.DigestNext),
		QuietStart: -1, QuietEnd: -1, QuietTZ: d.Quiet.Zone, QuietFrom: Millis(d.QuietFrom), QuietUntil: Millis(d.QuietUntil),
		DigestChosen: bit(d.DigestChosen), QuietChosen: bit(d.QuietChosen)}
	if d.Digest.On {
		r.DigestMin = d.Digest.Minute
	}
	if d.Quiet.On {
		r.QuietStart, r.QuietEnd = d.Quiet.Start, d.Quiet.End
		if d.Quiet.Silent {
			r.QuietSilent = 1
		}
	}
	return r
}

// Args are the columns in the order DeliveryColumns names them.
func (r Delivery) Args() []any {
	return []any{r.Dest, r.DigestMin, r.DigestTZ, r.DigestNext, r.QuietStart, r.QuietEnd, r.QuietTZ, r.QuietSilent, r.QuietFrom, r.QuietUntil,
		r.DigestChosen, r.QuietChosen}
}

// DeliveryPlaceholders are the n-th to n+len(DeliveryColumns)-1-th
// parameters of an INSERT of DeliveryColumns, "?" for SQLite (first = 0)
// or "$1, $2, ..." for PostgreSQL (first = 1).
func DeliveryPlaceholders(first int) string {
	n := len(strings.Split(DeliveryColumns, ","))
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "?"
		if first > 0 {
			ps[i] = "$" + strconv.Itoa(first+i)
		}
	}
	return strings.Join(ps, ", ")
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Dests are pointers to the columns in that order, for Scan.
func (r *Delivery) Dests() []any {
	return []any{&r.Dest, &r.DigestMin, &r.DigestTZ, &r.DigestNext, &r.QuietStart, &r.QuietEnd, &r.QuietTZ, &r.QuietSilent, &r.QuietFrom, &r.QuietUntil,
		&r.DigestChosen, &r.QuietChosen}
}

// DeliveryColumns names the columns of a chat_delivery row in Args' order.
const DeliveryColumns = `destination, ` + DeliverySettingColumns

// DeliverySettingColumns are DeliveryColumns but the destination: what a
// moved destination carries over to its new id.
const DeliverySettingColumns = `digest_min, digest_tz, digest_next, quiet_start, quiet_end, quiet_tz, quiet_silent, quiet_from, quiet_until, digest_chosen, quiet_chosen`

// ChosenWhenOn is the SET clause that marks a chat_delivery row's settings
// that are on as the chat's own choice (model.Delivery.DigestChosen,
// QuietChosen): for settings moved to a new id, and for rows from before
// the mark existed.
const ChosenWhenOn = `digest_chosen = CASE WHEN digest_min >= 0 THEN 1 ELSE digest_chosen END,
	quiet_chosen = CASE WHEN quiet_start >= 0 THEN 1 ELSE quiet_chosen END`

// MovedState is the SET clause MoveDestination applies to each outbox row it
// moves to the new id: pending and parked alerts are due at once (a parked
// one re-queued: it failed only because the old id was gone); held alerts
// stay held for the digest and waiting ones wait for their outlets, as they
// would have at the old id.
const MovedState = `state = CASE WHEN state = 'parked' THEN 'pending' ELSE state END,
	next_attempt = CASE WHEN state IN ('pending', 'parked') THEN 0 ELSE next_attempt END,
	done_at = CASE WHEN state = 'parked' THEN 0 ELSE done_at END`

// Settings is r as the model's settings.
func (r Delivery) Settings() model.Delivery {
	d := model.Delivery{Destination: model.Destination(r.Dest)}
	d.Digest.Zone, d.Quiet.Zone = r.DigestTZ, r.QuietTZ
	if r.DigestMin >= 0 {
		d.Digest.On, d.Digest.Minute = true, r.DigestMin
	}
	if r.QuietStart >= 0 {
		d.Quiet.On, d.Quiet.Start, d.Quiet.End, d.Quiet.Silent = true, r.QuietStart, r.QuietEnd, r.QuietSilent != 0
	}
	d.DigestNext, d.QuietFrom, d.QuietUntil = FromMillis(r.DigestNext), FromMillis(r.QuietFrom), FromMillis(r.QuietUntil)
	d.DigestChosen, d.QuietChosen = r.DigestChosen != 0, r.QuietChosen != 0
	return d
}

// KeyHash is the stored form of a dedup key: 64-bit FNV-1a, 0 for none.
// Both backends store it, and `newshound migrate` copies the hashes as they
// are, so there is exactly one. At 64 bits, ten million keys collide with a
// chance of about 3 in a million; a collision only makes two stories one.
func KeyHash(k string) int64 {
	if k == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(k))
	if v := int64(h.Sum64()); v != 0 {
		return v
	}
	return 1
}

// NewNonce returns 20 random hex digits: unique per alert row, and short
// enough for Discord's 25-character nonce.
func NewNonce() string {
	var b [10]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// MergeWatches adds the watches of add not in have (by name); true when one was added.
func MergeWatches(have, add []model.WatchMatch) ([]model.WatchMatch, bool) {
	added := false
	for _, w := range add {
		if !slices.ContainsFunc(have, func(h model.WatchMatch) bool { return h.Name == w.Name }) {
			have = append(have, w)
			added = true
		}
	}
	return have, added
}

// WithReport is p with the item's story report, as a pending mark keeps it
// for CompleteText: the report's index record was written at ingest, and
// the policy comes back with the alerts.
func WithReport(p *model.PendingText, r *model.StoryReport, newOutlet bool) *model.PendingText {
	c := *p
	rep := *r
	rep.Record, rep.Policy = nil, nil
	c.Report, c.NewOutlet = &rep, newOutlet
	return &c
}

// IndexWords is the full-text index's text of a story: the index words
// of what the matcher reads in its feed's name, title, body and categories
// (as the history keeps them: a story is matched as it is read back), so
// that a search for a query's required words misses no story the matcher
// finds.
func IndexWords(feed, title, body, categories string) string {
	return string(matcher.IndexText(nil, feed, title, body, categories))
}

// WordSets are the sets of index words q requires, one of each: every
// word of q.Words alone, then q.Any. none is true when a set is empty (no
// story can hold one of its words) or q.Words holds no word at all.
func WordSets(q model.HistorySearch) (sets [][]string, none bool) {
	if strings.TrimSpace(q.Words) != "" {
		ws := matcher.SearchWords(q.Words)
		if len(ws) == 0 {
			return nil, true // only punctuation: no word to find
		}
		for _, w := range ws {
			sets = append(sets, []string{w})
		}
	}
	for _, s := range q.Any {
		if len(s) == 0 {
			return nil, true
		}
		sets = append(sets, s)
	}
	return sets, false
}

// Batch is what NextAlerts has read of a destination's queue so far, to
// end the batch before a story's later alert (also_reported "alert")
// whose first alert at that destination is in it: read now, the later
// alert would carry no FirstRef (its first is not sent yet) and open a
// thread or forum post of its own. Ended there, it is read again once
// its first was sent, and joins its thread. The first is never behind it
// (Ingest orders it after a pending first), so waiting never stalls the
// queue; a first already sent, parked or held is not in the batch, and
// the later alert goes as it is.
type Batch struct {
	ids map[int64]bool
}

// Add records that the row id is in the batch.
func (b *Batch) Add(id int64) {
	if b.ids == nil {
		b.ids = map[int64]bool{}
	}
	b.ids[id] = true
}

// WaitsForFirst reports whether row id (of kind "alert" or "edit") must
// wait for a later batch: first is the id of its story's first alert at
// the destination (0: no story), which is in this batch.
func (b *Batch) WaitsForFirst(id, first int64, kind string) bool {
	return kind != "edit" && first != 0 && first != id && b.ids[first]
}

// Rows is what both drivers' result sets offer for reading them: database/sql's
// *sql.Rows and pgx.Rows (their Close differs, so the caller closes).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Collect reads every row of rows with scan, one model value per row.
func Collect[T any](rows Rows, scan func(Rows) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// StoryRecordCols are the columns ScanStoryRecord reads, in its order.
const StoryRecordCols = `seq, story, seen, published, features, origin`

// ScanStoryRecord reads one row of StoryRecordCols.
func ScanStoryRecord(rows Rows) (model.StoryRecord, error) {
	var r model.StoryRecord
	var seen, pub int64
	if err := rows.Scan(&r.Seq, &r.Story, &seen, &pub, &r.Features, &r.Origin); err != nil {
		return r, err
	}
	r.Seen, r.Published = time.UnixMilli(seen), FromMillis(pub)
	return r, nil
}

// LaterStep is what a later report of a story does at a destination that
// has the story's alert already (see LaterReport).
type LaterStep int

// The steps of a later report.
const (
	LaterNothing LaterStep = iota // nothing to send or store
	LaterRelease                  // the waiting first alert has its outlets now: queue it
	LaterNeed                     // the waiting first alert now waits for fewer outlets (need): store it
	LaterAlert                    // also_reported: alert — queue the report as an alert after the first
	LaterEdit                     // queue an edit of the first alert
)

// LaterReport decides a later report at one destination, the same in every
// backend: state is the first alert's outbox state and waiting the outlets
// it waits for (model.StateWaiting), outlets how many reported the story
// with this report, newOutlet and newWatch what the report adds. need is
// the outlets to store for LaterNeed.
func LaterReport(pol model.StoryPolicy, state string, waiting, outlets int, newOutlet, newWatch bool) (step LaterStep, need int) {
	switch state {
	case model.StateWaiting:
		need = min(max(1, pol.MinOutlets), waiting)
		switch {
		case outlets >= need:
			return LaterRelease, need
		case need != waiting:
			return LaterNeed, need
		}
		return LaterNothing, need
	case model.StateParked:
		return LaterNothing, 0 // the first alert never reached the destination; nothing to edit
	}
	if !newOutlet && !newWatch {
		return LaterNothing, 0 // the same outlet again: nothing new to say
	}
	switch pol.AlsoReported {
	case model.AlsoReportedQuiet:
		return LaterNothing, 0
	case model.AlsoReportedAlert:
		return LaterAlert, 0
	}
	return LaterEdit, 0
}
