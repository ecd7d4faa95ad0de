package engine

import (
	"context"
	"time"

	"github.com/newshound/newshound/model"
)

// DefaultLease is how long a replica's claim on a feed or a platform lasts
// without renewal: long enough for a slow poll (request timeout, full
// text, ingest), short enough that a dead replica's feeds are polled by
// another within the next cycles.
const DefaultLease = 2 * time.Minute

// FeedLease names the lease that lets one replica poll a feed.
func FeedLease(url string) string { return "feed:" + url }

// claimFeed, for an engine that is one of several replicas (Options.Holder
// set), takes the lease of a due feed and returns its state as stored now:
// another replica may have polled it since this cycle read the states, in
// which case it is no longer due and is skipped. ok is false when the feed
// is not due, or held by another replica.
func (e *Engine) claimFeed(ctx context.Context, st model.FeedState, all bool, cycleStart time.Time) (model.FeedState, bool) {
	if !due(st, all, cycleStart) {
		return st, false
	}
	name := []string{FeedLease(st.URL)}
	held, err := e.st.ClaimLeases(ctx, e.o.Holder, name, e.o.Now(), e.lease())
	if err != nil {
		e.log.Warn("claiming a feed failed; another replica may poll it", "feed", st.URL, "err", err)
		return st, false
	}
	if len(held) == 0 {
		return st, false
	}
	fresh, _, err := e.st.FeedState(ctx, st.URL)
	if err != nil {
		e.releaseFeed(ctx, st.URL)
		return st, false
	}
	if !due(fresh, all, cycleStart) {
		e.releaseFeed(ctx, st.URL)
		return fresh, false
	}
	return fresh, true
}

// releaseFeed gives up a feed's lease once its poll is recorded; its next
// poll is due only after its interval, whoever takes it then.
func (e *Engine) releaseFeed(ctx context.Context, url string) {
	if err := e.st.ReleaseLeases(context.WithoutCancel(ctx), e.o.Holder, []string{FeedLease(url)}); err != nil {
		e.log.Debug("releasing a feed failed; its lease will expire", "feed", url, "err", err)
	}
}

func (e *Engine) lease() time.Duration {
	if e.o.Lease > 0 {
		return e.o.Lease
	}
	return DefaultLease
}
