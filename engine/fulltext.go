package engine

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/feeds/article"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/watchlist"
)

// Full text for teaser-only feeds (poll.fulltext). A new story that will be
// matched and whose feed gives only a teaser is recorded at ingest with a
// pending mark instead of alerts (store.Fulltext); this step, running beside
// the poll loop so that a slow article holds up no feed, fetches its page,
// extracts the main text, matches the story on both, and queues the alerts
// while clearing the mark in one transaction. A fetch that fails or outlasts
// poll.fulltext_timeout leaves the teaser: the story alerts as it would
// have without full text. A crash leaves the mark, and the story is
// enriched after the restart.

// DefaultTextWorkers is how many article pages are fetched at once by
// default: articles come in bursts of a few per cycle, and each waits on
// the network, not the CPU.
const DefaultTextWorkers = 8

// ArticleObserver is told about each article page, for metrics; an
// Observer that implements it gets these calls too. Outcomes: "fetched"
// (its text was matched), "failed", "timeout", "little_text" (paywall,
// JavaScript-only page), "backoff" (its host asked us to wait).
type ArticleObserver interface {
	Article(outcome string, took time.Duration, textLen int)
}

// texts is the enrichment step's state.
type texts struct {
	articles article.Fetcher
	sem      chan struct{} // one slot per worker
	wakeC    chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	inflight map[int64]bool
	hostWait map[string]time.Time // article host → no fetch before (429/503)
}

func (t *texts) init(o Options, fetch Fetcher) {
	t.articles = o.Articles
	if t.articles == nil {
		t.articles, _ = fetch.(article.Fetcher)
	}
	n := o.TextWorkers
	if n <= 0 {
		n = DefaultTextWorkers
	}
	t.sem = make(chan struct{}, n)
	t.wakeC = make(chan struct{}, 1)
	t.inflight = make(map[int64]bool)
	t.hostWait = make(map[string]time.Time)
}

// wake tells the enrichment loop that pending stories may be waiting.
func (t *texts) wake() {
	select {
	case t.wakeC <- struct{}{}:
	default:
	}
}

func (t *texts) claim(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inflight[id] {
		return false
	}
	t.inflight[id] = true
	return true
}

func (t *texts) release(id int64) {
	t.mu.Lock()
	delete(t.inflight, id)
	t.mu.Unlock()
	<-t.sem
	t.wake()
}

func (t *texts) inflightIDs() []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := make([]int64, 0, len(t.inflight))
	for id := range t.inflight {
		ids = append(ids, id)
	}
	return ids
}

// wantsText reports whether a new story of f that will be matched should
// wait for its article's text: feeds[].fulltext, else poll.fulltext, with
// auto deciding by feeds.IsTeaser.
func (e *Engine) wantsText(cfg *config.Config, f feedSpec, it feeds.Item) bool {
	if e.texts.articles == nil || it.Link == "" {
		return false
	}
	mode := f.fulltext
	if mode == "" {
		mode = cfg.Poll.Fulltext
	}
	switch mode {
	case config.FulltextAlways:
		return true
	case config.FulltextNever:
		return false
	default:
		return feeds.IsTeaser(it)
	}
}

// pendingText is what the store keeps of a story waiting for its text.
func (e *Engine) pendingText(st model.FeedState, f feedSpec, it feeds.Item) *model.PendingText {
	p := &model.PendingText{
		FeedName: st.Name, FeedTags: f.tags, Link: it.Link,
		Title: it.Title, Summary: it.Summary, Content: it.Content, Categories: it.Categories, Published: it.Published,
	}
	// PRODUCT.md: an article page may reach a private address only on the
	// feed's own host, and only for feeds trusted to be private at all.
	if f.trusted {
		if u, err := url.Parse(f.url); err == nil {
			p.FeedHost = u.Host
		}
	}
	return p
}

// runTexts is the enrichment loop of the daemon: it resumes what a crash
// left pending, then enriches stories as ingest marks them, until ctx ends.
// Work cut short by shutdown stays pending for the next start.
func (e *Engine) runTexts(ctx context.Context) error {
	defer e.texts.wg.Wait()
	for {
		n, err := e.enrichRound(ctx, nil)
		if err != nil && ctx.Err() == nil {
			e.log.Error("reading stories waiting for full text failed", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		var retry <-chan time.Time
		var tm *time.Timer
		if err != nil {
			tm = time.NewTimer(10 * time.Second) // the store is failing: do not spin
			retry = tm.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-e.texts.wakeC:
		case <-retry:
		}
		if tm != nil {
			tm.Stop()
		}
	}
}

// EnrichPending enriches every story waiting for its article's text and
// returns when each is matched and its alerts queued (run --once, tests).
func (e *Engine) EnrichPending(ctx context.Context) error {
	tried := make(map[int64]bool)
	for {
		n, err := e.enrichRound(ctx, tried)
		e.texts.wg.Wait()
		if err != nil || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		if n == 0 {
			return nil
		}
	}
}

// enrichRound starts a worker for each pending story not in flight (nor in
// tried), as worker slots free up, and returns how many it started.
func (e *Engine) enrichRound(ctx context.Context, tried map[int64]bool) (int, error) {
	skip := e.texts.inflightIDs()
	for id := range tried {
		skip = append(skip, id)
	}
	ps, err := e.st.PendingTexts(ctx, cap(e.texts.sem), skip)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, p := range ps {
		select {
		case e.texts.sem <- struct{}{}:
		case <-ctx.Done():
			return started, nil
		}
		if !e.texts.claim(p.ID) {
			<-e.texts.sem
			continue
		}
		if tried != nil {
			tried[p.ID] = true
		}
		started++
		e.texts.wg.Add(1)
		go func() {
			defer e.texts.wg.Done()
			defer e.texts.release(p.ID)
			e.enrich(ctx, p)
		}()
	}
	return started, nil
}

// enrich fetches one story's article, matches the story and queues its
// alerts, clearing its pending mark.
func (e *Engine) enrich(ctx context.Context, p model.PendingText) {
	rt := e.rt.Load()
	start := time.Now()
	text, outcome, err := e.articleText(ctx, rt.cfg, p)
	if ctx.Err() != nil {
		return // shutting down: the story stays pending and is enriched after the restart
	}
	took := time.Since(start)
	if ao, ok := e.o.Observer.(ArticleObserver); ok {
		ao.Article(outcome, took, utf8.RuneCountInString(text))
	}
	if err != nil {
		e.log.Info("article not read; matching the feed's teaser", "feed", p.FeedName, "outcome", outcome, "err", err)
	} else {
		e.log.Debug("article read", "feed", p.FeedName, "runes", utf8.RuneCountInString(text), "took", took.Round(time.Millisecond))
	}
	alerts := textAlerts(rt.list, p, text)
	var policy map[model.Destination]model.StoryPolicy
	if p.Report != nil && len(alerts) > 0 {
		policy = storyPolicies(rt.cfg, alerts)
	}
	// The history keeps what was matched: the article, when it was read.
	var matched string
	if text != "" {
		matched = storyText(p.Summary, matchedContent(p, text))
	}
	res, err := e.st.CompleteText(ctx, p.ID, alerts, policy, matched)
	if err != nil {
		// The mark stays: the next round (or start) tries again.
		e.log.Error("queueing the alerts of an enriched story failed", "feed", p.FeedName, "err", err)
		return
	}
	e.act.addQueued(res.Queued)
	if e.o.Observer != nil {
		for platform, n := range res.QueuedByPlatform {
			e.o.Observer.Queued(platform, n)
		}
		for w, n := range res.QueuedByWatch {
			for range n {
				e.o.Observer.Matched(w)
			}
		}
	}
	if res.Queued > 0 {
		e.log.Info("new alerts queued", "feed", p.FeedName, "alerts", res.Queued, "from_article", text != "")
		e.dispatcher.Wake()
	}
}

// articleText fetches and extracts p's article within poll.fulltext_timeout.
// On failure it returns "" with the outcome and why.
func (e *Engine) articleText(ctx context.Context, cfg *config.Config, p model.PendingText) (string, string, error) {
	u, err := url.Parse(p.Link)
	if err != nil {
		return "", "failed", err
	}
	host := strings.ToLower(u.Host)
	now := time.Now()
	e.texts.mu.Lock()
	wait := e.texts.hostWait[host]
	e.texts.mu.Unlock()
	if now.Before(wait) {
		return "", "backoff", errors.New("the article's host asked us to wait until " + wait.UTC().Format(time.RFC3339))
	}
	if p.FeedHost != "" && strings.EqualFold(host, p.FeedHost) {
		// The feed's own host is backing off: its articles wait too.
		if st, ok, err := e.st.FeedState(ctx, p.FeedURL); err == nil && ok && st.Failures > 0 && st.NextPoll.After(e.o.Now()) {
			return "", "backoff", errors.New("the feed's host is failing: " + st.LastError)
		}
	}
	tctx, cancel := context.WithTimeout(ctx, cfg.Poll.FulltextTimeout)
	defer cancel()
	a, err := article.Fetch(tctx, e.texts.articles, p.Link, article.Policy{AllowPrivate: p.AllowPrivate, FeedHost: p.FeedHost})
	switch {
	case err == nil:
		return a.Text, "fetched", nil
	case ctx.Err() != nil:
		return "", "failed", ctx.Err()
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		return "", "timeout", err
	case errors.Is(err, article.ErrTooLittleText):
		return "", "little_text", err
	}
	var he *feeds.HTTPError
	if errors.As(err, &he) && (he.StatusCode == http.StatusTooManyRequests || he.StatusCode == http.StatusServiceUnavailable) {
		d := max(he.RetryAfter, time.Minute)
		e.texts.mu.Lock()
		e.texts.hostWait[host] = now.Add(d)
		for h, t := range e.texts.hostWait { // keep the map to hosts still waited on
			if now.After(t) {
				delete(e.texts.hostWait, h)
			}
		}
		e.texts.mu.Unlock()
	}
	return "", "failed", err
}

// textAlerts matches p on what its feed gave and, when there is one, on its
// article's text too. An alert that exists, or names other watches, only
// thanks to the article is FromArticle, its snippet from the article; one
// the teaser alone raises is kept exactly as the teaser made it.
func textAlerts(list *watchlist.List, p model.PendingText, text string) []model.Alert {
	base := model.Alert{Title: p.Title, Link: p.Link, Feed: p.FeedName, Published: p.Published}
	teaser := matcher.Doc{Title: p.Title, Summary: p.Summary, Content: p.Content, Categories: p.Categories, Feed: p.FeedName, FeedTags: p.FeedTags}
	plain := list.Alerts(teaser, base)
	if text == "" {
		return plain
	}
	full := teaser
	full.Content = matchedContent(p, text)
	byDest := make(map[model.Destination]model.Alert, len(plain))
	for _, a := range plain {
		byDest[a.Destination] = a
	}
	out := list.Alerts(full, base)
	for i, a := range out {
		if t, ok := byDest[a.Destination]; ok && slices.Equal(watchNames(t), watchNames(a)) {
			out[i] = t
			continue
		}
		out[i].FromArticle = true
	}
	return out
}

// matchedContent is the body a story is matched on once its article was
// read: the article's text when it says more than the feed's content.
func matchedContent(p model.PendingText, text string) string {
	if utf8.RuneCountInString(text) > utf8.RuneCountInString(p.Content) {
		return text
	}
	return p.Content
}

// watchNames lists the watches of one alert, in order.
func watchNames(a model.Alert) []string {
	out := make([]string, len(a.Watches))
	for i, w := range a.Watches {
		out[i] = w.Name
	}
	return out
}
