package notify

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/newshound/newshound/model"
)

// DigestStore is the part of the store the Digester uses (store.Chats and
// the destination's mute).
type DigestStore interface {
	DigestCandidates(ctx context.Context, now time.Time) ([]model.Delivery, error)
	CombineHeld(ctx context.Context, dest model.Destination, key string, prev, next model.Delivery, build func(held []model.Alert) []model.Alert) (int, error)
	MuteUntil(ctx context.Context, dest model.Destination) (time.Time, error)
}

// DigestBudget is how many characters of titles, links and outlet names
// one digest message holds. Telegram allows 4096 characters of text and
// Discord 4096 in an embed's description; with the markup, headings and
// the odd character that counts twice in UTF-16, 3000 stays under both.
const DigestBudget = 3000

// DigesterOptions configures a Digester.
type DigesterOptions struct {
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// After waits on that clock (see DispatcherOptions.After); default time.After.
	After func(d time.Duration) <-chan time.Time
	// Every is how often Run looks for digests due; default 15s.
	Every time.Duration
	// Wake is called after digests were queued (wire it to the dispatcher's Wake).
	Wake func()
}

// Digester turns held alerts into digests when they are due: a chat's
// daily digest, the end of its quiet window, the end of its mute. It only
// writes the outbox (each digest in the transaction that consumes what it
// holds); the dispatcher stays the only sender.
type Digester struct {
	st DigestStore
	o  DigesterOptions
}

// NewDigester returns a Digester over st.
func NewDigester(st DigestStore, o DigesterOptions) *Digester {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Every <= 0 {
		o.Every = 15 * time.Second
	}
	return &Digester{st: st, o: o}
}

// Run queues digests as they fall due until ctx ends.
func (g *Digester) Run(ctx context.Context) error {
	for {
		if _, err := g.Tick(ctx); err != nil && ctx.Err() == nil {
			g.o.Logger.Error("digests: queueing failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-g.o.After(g.o.Every):
		}
	}
}

// Tick queues every digest due now and moves the schedules on; it returns
// how many digest messages it queued. A digest that fell due while the
// daemon was down is queued now, once: the schedule moves to the first
// time after now, not to the one after the missed one.
func (g *Digester) Tick(ctx context.Context) (int, error) {
	now := g.o.Now()
	cands, err := g.st.DigestCandidates(ctx, now)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, c := range cands {
		next, key, combine := plan(c, now)
		if !combine && sameSchedule(c, next) {
			continue
		}
		if combine && !c.Digest.On {
			// A mute still in force keeps holding what quiet hours held.
			until, err := g.st.MuteUntil(ctx, c.Destination)
			if err != nil {
				return total, err
			}
			if until.After(now) {
				combine = false
				if sameSchedule(c, next) {
					continue
				}
			}
		}
		build := func([]model.Alert) []model.Alert { return nil }
		if combine {
			build = func(held []model.Alert) []model.Alert { return BuildDigest(held, DigestBudget, now) }
		}
		n, err := g.st.CombineHeld(ctx, c.Destination, key, c, next, build)
		if err != nil {
			return total, err
		}
		if n > 0 {
			g.o.Logger.Info("digest queued", "dest", c.Destination, "messages", n)
		}
		total += n
	}
	if total > 0 && g.o.Wake != nil {
		g.o.Wake()
	}
	return total, nil
}

// plan decides what is due for c at now: its next schedule, the key of the
// digest and whether held alerts are combined now.
func plan(c model.Delivery, now time.Time) (next model.Delivery, key string, combine bool) {
	next = c
	if c.Quiet.On && !c.QuietUntil.IsZero() && !now.Before(c.QuietUntil) {
		next.QuietFrom, next.QuietUntil = c.Quiet.Window(now)
		key, combine = "quiet "+c.QuietUntil.UTC().Format(time.RFC3339), !c.Digest.On
	}
	if c.Digest.On {
		if !c.DigestNext.IsZero() && !now.Before(c.DigestNext) {
			next.DigestNext = c.Digest.Next(now)
			key, combine = "daily "+c.DigestNext.UTC().Format(time.RFC3339), true
		}
		return next, key, combine
	}
	if !next.Holding(now) && !combine {
		// Held with nothing holding: a mute that ended, or settings
		// turned off while alerts were held. The key is unique per try.
		key, combine = "release "+strconv.FormatInt(now.UnixMilli(), 10), true
	}
	return next, key, combine
}

func sameSchedule(a, b model.Delivery) bool {
	return a.DigestNext.Equal(b.DigestNext) && a.QuietFrom.Equal(b.QuietFrom) && a.QuietUntil.Equal(b.QuietUntil)
}

// BuildDigest combines held alerts into digest messages: stories grouped
// by their first watch (groups ordered by their newest story), newest
// first, split so that no message holds more than budget characters of
// titles, links and outlets. Parts are numbered when there are several.
func BuildDigest(held []model.Alert, budget int, now time.Time) []model.Alert {
	type story struct {
		s     model.DigestStory
		order int
	}
	byWatch := map[string][]story{}
	var names []string
	for i, a := range held {
		w := ""
		if len(a.Watches) > 0 {
			w = a.Watches[0].Name
		}
		if _, ok := byWatch[w]; !ok {
			names = append(names, w)
		}
		byWatch[w] = append(byWatch[w], story{model.DigestStory{Title: a.Title, Link: a.Link, Feed: a.Feed, Published: a.Published}, i})
	}
	newer := func(a, b story) int {
		// Unknown publication times count as queue order.
		if !a.s.Published.Equal(b.s.Published) && !a.s.Published.IsZero() && !b.s.Published.IsZero() {
			return b.s.Published.Compare(a.s.Published)
		}
		return b.order - a.order
	}
	for _, w := range names {
		slices.SortStableFunc(byWatch[w], newer)
	}
	slices.SortStableFunc(names, func(a, b string) int { return newer(byWatch[a][0], byWatch[b][0]) })

	var parts [][]model.DigestGroup
	var cur []model.DigestGroup
	used := 0
	for _, w := range names {
		for _, st := range byWatch[w] {
			cost := len([]rune(st.s.Title)) + len([]rune(st.s.Link)) + len([]rune(st.s.Feed)) + 8
			if len(cur) > 0 && used+cost > budget {
				parts, cur, used = append(parts, cur), nil, 0
			}
			if len(cur) == 0 || cur[len(cur)-1].Watch != w {
				cur = append(cur, model.DigestGroup{Watch: w})
				used += len([]rune(w)) + 8
			}
			g := &cur[len(cur)-1]
			g.Stories = append(g.Stories, st.s)
			used += cost
		}
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	out := make([]model.Alert, len(parts))
	for i, p := range parts {
		title := fmt.Sprintf("Digest: %d stories", len(held))
		if len(held) == 1 {
			title = "Digest: 1 story"
		}
		out[i] = model.Alert{Title: title, Feed: "newshound", Published: now, Digest: p}
		if len(parts) > 1 {
			out[i].Part, out[i].Parts = i+1, len(parts)
			out[i].Title += fmt.Sprintf(" (%d/%d)", i+1, len(parts))
		}
	}
	return out
}
