package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/notify"
)

// SummaryEvery is how often the running daemon logs its one-line summary.
const SummaryEvery = 15 * time.Minute

// CycleStats counts what one poll cycle did.
type CycleStats struct {
	Polled   int // feeds fetched
	OK       int // of them, answered with a feed (or not modified)
	Failed   int // of them, failed
	NewItems int
	Queued   int      // alerts queued
	Errors   []string // "URL: error" of the first few failures
}

// String is the summary line of run --once.
func (s CycleStats) String() string {
	return fmt.Sprintf("polled %d feeds: %d ok, %d failed; %d new stories, %d alerts queued", s.Polled, s.OK, s.Failed, s.NewItems, s.Queued)
}

// activity is what the engine has done, for the logs: the cycle under way,
// the last one, each feed's last outcome, and counts since the last summary.
type activity struct {
	mu             sync.Mutex
	cur, last      CycleStats
	feedOK         map[string]bool // last poll of each feed succeeded
	feeds          []feedSpec      // the list feedOK was last pruned to
	newItems       int             // since the last summary
	queued, sent   int
	allFailingSaid bool
	cycles         int
}

func (a *activity) polled(url string, ok bool, newItems int, errText string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.feedOK == nil {
		a.feedOK = map[string]bool{}
	}
	a.feedOK[url] = ok
	a.cur.Polled++
	a.cur.NewItems += newItems
	a.newItems += newItems
	if ok {
		a.cur.OK++
		return
	}
	a.cur.Failed++
	if len(a.cur.Errors) < 3 && errText != "" {
		a.cur.Errors = append(a.cur.Errors, url+": "+errText)
	}
}

func (a *activity) addQueued(n int) {
	a.mu.Lock()
	a.cur.Queued += n
	a.queued += n
	a.mu.Unlock()
}

// LastCycleStats returns what the last finished poll cycle did.
func (e *Engine) LastCycleStats() CycleStats {
	e.act.mu.Lock()
	defer e.act.mu.Unlock()
	return e.act.last
}

// beginCycle starts counting a cycle over feeds (forgetting feeds no longer polled).
func (e *Engine) beginCycle(feeds []feedSpec) {
	a := &e.act
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cur = CycleStats{}
	if len(feeds) > 0 && len(a.feeds) == len(feeds) && &a.feeds[0] == &feeds[0] {
		return // the same list as last cycle (feedList reuses it): nothing to forget
	}
	a.feeds = feeds
	keep := make(map[string]bool, len(feeds))
	for _, f := range feeds {
		keep[f.url] = true
	}
	for u := range a.feedOK {
		if !keep[u] {
			delete(a.feedOK, u)
		}
	}
}

// endCycle closes the cycle's counts and says plainly, once, when every
// feed failed its last poll (and again when they recover).
func (e *Engine) endCycle(ctx context.Context) {
	a := &e.act
	a.mu.Lock()
	a.last = a.cur
	a.cycles++
	first := a.cycles == 1
	ok, failing := 0, 0
	for _, v := range a.feedOK {
		if v {
			ok++
		} else {
			failing++
		}
	}
	sayAll := failing > 0 && ok == 0 && !a.allFailingSaid
	if sayAll {
		a.allFailingSaid = true
	}
	recovered := ok > 0 && a.allFailingSaid
	if recovered {
		a.allFailingSaid = false
	}
	errs := a.cur.Errors
	a.mu.Unlock()

	if sayAll {
		example := ""
		if len(errs) > 0 {
			example = errs[0]
		}
		e.log.Error(fmt.Sprintf("every feed failed its last poll (%d of %d): %s", failing, failing, likelyCause(errs)), "example", example)
	}
	if recovered {
		e.log.Info("feeds answer again", "ok", ok, "failing", failing)
	}
	if first {
		e.logSummary(ctx)
	}
}

// likelyCause guesses, from failures of every feed, what a user should check.
func likelyCause(errs []string) string {
	all := strings.ToLower(strings.Join(errs, " "))
	switch {
	case strings.Contains(all, "no such host") || strings.Contains(all, "server misbehaving") || strings.Contains(all, "lookup "):
		return "names do not resolve; likely no network or no DNS on this host (check connectivity, /etc/resolv.conf, HTTPS_PROXY)"
	case strings.Contains(all, "connection refused") || strings.Contains(all, "network is unreachable") ||
		strings.Contains(all, "timeout") || strings.Contains(all, "deadline exceeded") || strings.Contains(all, "dial"):
		return "connections fail; likely no network, a firewall, or a proxy this host needs (HTTPS_PROXY)"
	case strings.Contains(all, "certificate") || strings.Contains(all, "x509"):
		return "TLS certificates are not trusted; likely missing CA certificates or a TLS-intercepting proxy"
	}
	return "check the network of this host and the feeds' URLs (newshound feed ls shows each error)"
}

// logSummary logs one line: feeds ok and failing, new stories, alerts
// queued and sent since the last summary, and the queue.
func (e *Engine) logSummary(ctx context.Context) {
	a := &e.act
	a.mu.Lock()
	ok, failing := 0, 0
	for _, v := range a.feedOK {
		if v {
			ok++
		} else {
			failing++
		}
	}
	newItems, queued, sent := a.newItems, a.queued, a.sent
	a.newItems, a.queued, a.sent = 0, 0, 0
	a.mu.Unlock()
	args := []any{"feeds_ok", ok, "feeds_failing", failing, "new_stories", newItems, "alerts_queued", queued, "alerts_sent", sent}
	if qs, err := e.st.QueueStats(ctx); err == nil {
		args = append(args, "queue_pending", qs.Pending, "queue_parked", qs.Parked)
	}
	e.log.Info("summary", args...)
}

// sentCounter passes delivery outcomes on and counts the alerts sent.
type sentCounter struct {
	a    *activity
	next notify.Observer
}

func (s sentCounter) Delivered(platform, outcome string, latency time.Duration) {
	if outcome == "sent" {
		s.a.mu.Lock()
		s.a.sent++
		s.a.mu.Unlock()
	}
	if s.next != nil {
		s.next.Delivered(platform, outcome, latency)
	}
}
