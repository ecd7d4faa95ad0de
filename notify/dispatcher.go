package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/newshound/newshound/model"
)

// Queue is the durable outbox the dispatcher drains. The store implements it.
type Queue interface {
	// DueDestinations lists destinations with an alert due at now, not disabled or muted.
	DueDestinations(ctx context.Context, now time.Time) ([]model.Destination, error)
	// NextAlerts returns dest's next alerts in delivery order, stopping before the first not yet
	// due (and, for the store, before a story's later alert whose first alert it returns).
	NextAlerts(ctx context.Context, dest model.Destination, now time.Time, limit int) ([]model.Alert, error)
	MarkSent(ctx context.Context, id int64) error
	// Retry counts a failed attempt and schedules the next.
	Retry(ctx context.Context, id int64, at time.Time, reason string) error
	// Postpone schedules the next attempt without counting a failure.
	Postpone(ctx context.Context, id int64, at time.Time, reason string) error
	Park(ctx context.Context, id int64, reason string) error
	ParkDestination(ctx context.Context, dest model.Destination, reason string) error
	DisableDestination(ctx context.Context, dest model.Destination, reason string) error
	MoveDestination(ctx context.Context, from, to model.Destination) error
}

// Observer is told what the dispatcher does, for metrics. Methods must not block.
type Observer interface {
	// Delivered is called once per attempt with its outcome:
	// "sent", "retry", "rate_limited", "parked" or "moved"; for an edit of a
	// sent alert, "edited" or "edit_gone" (the message can no longer be
	// edited), the other outcomes prefixed "edit_".
	Delivered(platform, outcome string, latency time.Duration)
}

// DispatcherOptions configures a Dispatcher.
type DispatcherOptions struct {
	// Senders by platform ("console", "telegram", "discord", "discord-webhook").
	Senders map[string]Sender
	Logger  *slog.Logger
	// Observer, if set, is told every outcome.
	Observer Observer
	// OnPermanent is told when a destination is disabled (to tell the admins).
	OnPermanent func(ctx context.Context, dest model.Destination, err error)
	// OnMove is told when a destination moved (to move its subscriptions);
	// its queued alerts have already been moved.
	OnMove func(ctx context.Context, from, to model.Destination) error
	// Poll is how often the queue is checked without a Wake; default 1s.
	Poll time.Duration
	// SendTimeout bounds one delivery attempt; default 30s.
	SendTimeout time.Duration
	// MaxAttempts parks an alert after this many transient failures; default
	// 300 (about two days at the 10-minute backoff cap), so an outage of
	// hours loses nothing.
	MaxAttempts int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// After waits on that clock: it returns a channel that receives once d
	// has passed; default time.After. A test with a fake Now passes one
	// that advances the fake clock, so pacing and retry_after are checked
	// without waiting for real time.
	After func(d time.Duration) <-chan time.Time
	// Backoff is the wait before the next attempt after attempts failures;
	// default Backoff with random jitter.
	Backoff func(attempts int) time.Duration
}

// Dispatcher delivers the outbox: one lane per destination, so a slow or
// rate-limited chat never holds up another, each paced to its platform's
// limits, in publication order, retrying with capped backoff and jitter.
type Dispatcher struct {
	q    Queue
	o    DispatcherOptions
	log  *slog.Logger
	wake chan struct{}

	mu        sync.Mutex
	dests     map[model.Destination]*destState
	platforms map[string]*fairWindow
	lanes     sync.WaitGroup
}

type destState struct {
	win    *window
	active bool
}

// NewDispatcher returns a dispatcher over q.
func NewDispatcher(q Queue, o DispatcherOptions) *Dispatcher {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 300
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Backoff == nil {
		o.Backoff = func(n int) time.Duration { return Backoff(n, rand.Float64) }
	}
	return &Dispatcher{
		q: q, o: o, log: o.Logger,
		wake:      make(chan struct{}, 1),
		dests:     make(map[model.Destination]*destState),
		platforms: make(map[string]*fairWindow),
	}
}

// Wake makes the dispatcher look at the queue now (new alerts were queued).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done, then waits for in-flight sends (each
// bounded by SendTimeout) and returns; what was not sent stays queued.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.o.Poll)
	defer t.Stop()
	for {
		if err := d.startLanes(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("dispatcher: reading the queue failed", "err", err)
		}
		select {
		case <-ctx.Done():
			d.lanes.Wait()
			return nil
		case <-t.C:
		case <-d.wake:
		}
	}
}

// drainWait is the longest hold (a retry_after, a backoff) Drain waits out
// before it returns and leaves the alert queued.
const drainWait = 30 * time.Second

// Drain delivers everything due now and returns when nothing more is due,
// waiting out a destination's short hold (a 429's retry_after up to
// drainWait) on the dispatcher's clock; alerts held longer stay queued.
// It returns early when ctx is done.
func (d *Dispatcher) Drain(ctx context.Context) error {
	for ctx.Err() == nil {
		if err := d.startLanes(ctx); err != nil {
			return err
		}
		d.lanes.Wait()
		now := d.o.Now()
		due, err := d.q.DueDestinations(ctx, now)
		if err != nil {
			return err
		}
		ready, held := d.startable(due, now)
		if ready {
			continue
		}
		if held.IsZero() || held.Sub(now) > drainWait {
			return nil
		}
		if !sleepUntil(ctx, held, d.clock()) {
			break
		}
	}
	return ctx.Err()
}

// startable reports whether a lane could start now for one of dests, and
// else when the first of them held by its window (a rate limit, a backoff)
// is free again (zero if none is held).
func (d *Dispatcher) startable(dests []model.Destination, now time.Time) (ready bool, held time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dest := range dests {
		s := d.dests[dest]
		if s == nil {
			return true, time.Time{}
		}
		if s.active {
			continue
		}
		if free := s.win.earliest(now); free.After(now) {
			if held.IsZero() || free.Before(held) {
				held = free
			}
			continue
		}
		return true, time.Time{}
	}
	return false, held
}

func (d *Dispatcher) startLanes(ctx context.Context) error {
	due, err := d.q.DueDestinations(ctx, d.o.Now())
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dest := range due {
		s := d.dests[dest]
		if s == nil {
			s = &destState{win: newWindow(d.limits(dest, false))}
			d.dests[dest] = s
		}
		if s.active || s.win.earliest(d.o.Now()).After(d.o.Now()) {
			continue
		}
		s.active = true
		d.lanes.Add(1)
		go d.lane(ctx, dest, s)
	}
	return nil
}

// limits returns the per-destination or the platform rate for dest.
func (d *Dispatcher) limits(dest model.Destination, platform bool) Rate {
	p, ok := d.o.Senders[dest.Kind()].(Paced)
	if !ok {
		return Rate{}
	}
	perDest, perPlatform := p.Limits(dest)
	if platform {
		return perPlatform
	}
	return perDest
}

func (d *Dispatcher) platformWindow(dest model.Destination) *fairWindow {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := dest.Kind()
	w := d.platforms[p]
	if w == nil {
		w = newFairWindow(d.limits(dest, true))
		d.platforms[p] = w
	}
	return w
}

// lane delivers dest's due alerts one at a time, in order, until none is
// due, one is postponed, or ctx is done.
func (d *Dispatcher) lane(ctx context.Context, dest model.Destination, s *destState) {
	defer d.lanes.Done()
	defer func() {
		d.mu.Lock()
		s.active = false
		d.mu.Unlock()
	}()
	platform := d.platformWindow(dest)
	for ctx.Err() == nil {
		batch, err := d.q.NextAlerts(ctx, dest, d.o.Now(), 20)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Error("dispatcher: reading alerts failed", "dest", dest, "err", err)
			}
			return
		}
		if len(batch) == 0 {
			return
		}
		for _, a := range batch {
			finish, ok := d.waitTurn(ctx, s.win, platform)
			if !ok {
				return
			}
			cont := d.deliver(ctx, dest, s, platform, a)
			finish(d.o.Now())
			if !cont {
				return
			}
		}
	}
}

// waitTurn waits until a send fits the destination's window, then for
// this lane's turn at the platform's window, and records the send in both;
// false if ctx ended first. The returned function records when the send
// ended. Only this lane uses its destination window, so it is still free
// when the platform's turn comes.
func (d *Dispatcher) waitTurn(ctx context.Context, dest *window, platform *fairWindow) (finish func(time.Time), ok bool) {
	if !sleepUntil(ctx, dest.earliest(d.o.Now()), d.clock()) {
		return nil, false
	}
	endPlatform, ok := platform.acquire(ctx, d.clock())
	if !ok {
		return nil, false
	}
	endDest := dest.take(d.o.Now())
	if endDest == nil {
		endDest = func(time.Time) {} // blocked meanwhile by a retry_after: the send will learn it
	}
	return func(end time.Time) { endPlatform(end); endDest(end) }, true
}

// deliver makes one attempt and records its outcome; false stops the lane.
func (d *Dispatcher) deliver(ctx context.Context, dest model.Destination, s *destState, platform *fairWindow, a model.Alert) bool {
	plat := dest.Kind()
	sender := d.o.Senders[plat]
	// The attempt outlives a shutdown signal (bounded by SendTimeout) so
	// that what was sent is recorded as sent.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.SendTimeout)
	defer cancel()
	start := d.o.Now()
	var err error
	var ref model.MessageRef
	requested := true
	if sender == nil {
		err = &PermanentError{Err: fmt.Errorf("platform %q is not configured", plat)}
	} else {
		ref, requested, err = d.attempt(sendCtx, sender, a)
	}
	latency := d.o.Now().Sub(start)
	now := d.o.Now()
	var ra *RetryAfterError
	var perm *PermanentError
	var outcome string
	var qerr error
	cont := true
	switch {
	case err == nil:
		outcome = "sent"
		qerr = d.markSent(sendCtx, a, ref)
	case a.Edit && errors.Is(err, ErrMessageGone):
		// Left alone: the user has the alert; a new message would repeat it.
		outcome = "gone"
		qerr = d.q.Park(sendCtx, a.ID, err.Error())
		d.log.Info("alert can no longer be edited; left as it is", "dest", dest, "id", a.ID, "err", err)
	case errors.As(err, &ra):
		outcome, cont = "rate_limited", false
		until := now.Add(ra.After)
		if ra.Global {
			platform.block(until)
		}
		s.win.block(until)
		qerr = d.q.Postpone(sendCtx, a.ID, until, err.Error())
		d.log.Warn("rate limited", "dest", dest, "retry_after", ra.After, "global", ra.Global)
	case errors.As(err, &perm) && perm.MigrateTo != "":
		outcome, cont = "moved", false
		qerr = d.q.MoveDestination(sendCtx, dest, perm.MigrateTo)
		if qerr == nil && d.o.OnMove != nil {
			qerr = d.o.OnMove(sendCtx, dest, perm.MigrateTo)
		}
		d.log.Info("destination moved", "from", dest, "to", perm.MigrateTo)
	case perm != nil:
		outcome, cont = "parked", false
		reason := err.Error()
		qerr = errors.Join(d.q.Park(sendCtx, a.ID, reason),
			d.q.DisableDestination(sendCtx, dest, reason),
			d.q.ParkDestination(sendCtx, dest, reason))
		d.log.Error("destination disabled", "dest", dest, "err", err)
		if d.o.OnPermanent != nil {
			d.o.OnPermanent(sendCtx, dest, err)
		}
	case a.Attempts+1 >= d.o.MaxAttempts:
		outcome, cont = "parked", false
		qerr = d.q.Park(sendCtx, a.ID, fmt.Sprintf("gave up after %d attempts: %v", a.Attempts+1, err))
		d.log.Error("alert parked after repeated failures", "dest", dest, "id", a.ID, "err", err)
	default:
		outcome, cont = "retry", false
		wait := d.o.Backoff(a.Attempts)
		s.win.block(now.Add(wait))
		qerr = d.q.Retry(sendCtx, a.ID, now.Add(wait), err.Error())
		d.log.Warn("delivery failed, will retry", "dest", dest, "id", a.ID, "in", wait.Round(time.Millisecond), "err", err)
	}
	if a.Edit {
		switch {
		case !requested:
			outcome = "" // nothing to edit: no request was made
		case outcome == "sent":
			outcome = "edited"
		default:
			outcome = "edit_" + outcome
		}
	}
	if d.o.Observer != nil && outcome != "" {
		d.o.Observer.Delivered(plat, outcome, latency)
	}
	if qerr != nil {
		d.log.Error("dispatcher: recording the outcome failed", "dest", dest, "id", a.ID, "outcome", outcome, "err", qerr)
		return false
	}
	return cont
}

// Backoff is the wait before retry number attempts+1 after a transient
// failure: 2s doubling to a 10-minute cap, with ±20% jitter so that many
// destinations failing together do not retry together. rnd returns [0,1).
func Backoff(attempts int, rnd func() float64) time.Duration {
	const base, limit = 2 * time.Second, 10 * time.Minute
	d := limit
	if attempts < 20 {
		d = min(base<<attempts, limit)
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rnd()))
}

// clock is the dispatcher's time: now, and waiting.
type clock struct {
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

func (d *Dispatcher) clock() clock { return clock{now: d.o.Now, after: d.o.After} }

// sleepUntil waits until t by the given clock; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time, c clock) bool {
	wait := t.Sub(c.now())
	if wait <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-c.after(wait):
		return true
	}
}
