package engine

import (
	"context"
	"sync"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/stories"
)

// StoryObserver is told about stories, for metrics; an Observer that also
// implements it gets these calls. Methods must not block.
type StoryObserver interface {
	// Story is called once per new item that passed dedup: later is false
	// when it opened a new story, true when it reported one already known.
	Story(later bool)
	// Stories is called after each poll cycle with the stories in the
	// window and the reports indexed for them.
	Stories(stories, reports int)
}

// storyIDBlock is how many story ids an engine reserves from the store at
// once (store.Stories.ReserveStoryIDs): a round trip per block, not per
// story, and replicas sharing the store never open the same id.
const storyIDBlock = 256

// storyIndex is the daemon's one story index and the ids it hands out.
// The index decides in arrival order, so the decision and the indexing of
// an item are one step under mu; the ingests that follow run concurrently
// (whichever commits first gets the first alert, the other the edit),
// except between replicas sharing the store, whose batches of stories are
// decided and committed one at a time under the story lock (storysync.go).
type storyIndex struct {
	mu        sync.Mutex
	ix        *stories.Index
	window    time.Duration
	next, end int64        // the ids reserved from the store and not handed out yet: [next, end)
	caught    storyCatchUp // how far this replica read the others' records (storysync.go)
	lock      storyLock    // the store's story lock, shared by this replica's workers (storysync.go)
}

// openStories builds the index from the store: the records of the reports
// of the window, in the order they were recorded, so that a restart
// between two reports of a story still edits the first alert. Story ids
// come from the store, in blocks, as they are needed.
func (e *Engine) openStories(ctx context.Context, cfg *config.Config) error {
	window := cfg.Stories.Window
	if window <= 0 {
		window = stories.DefaultWindow
	}
	s := &storyIndex{ix: stories.NewIndex(stories.Options{Window: window, Canon: e.storyCanon}), window: window}
	recs, err := e.st.StoryRecords(ctx, e.o.Now().Add(-window))
	if err != nil {
		return err
	}
	in := make([]stories.Record, len(recs))
	for i, r := range recs {
		in[i] = stories.Record{Story: uint64(r.Story), Seen: r.Seen, Published: r.Published, Features: r.Features}
	}
	if err := s.ix.Restore(in); err != nil {
		// The rest are restored: a report of a skipped one opens a new
		// story (a second alert at worst), which is better than no daemon.
		e.log.Warn("some story records could not be read; their stories start afresh", "err", err)
	}
	s.caught.opened(recs, e.o.Now())
	e.stories = s
	return nil
}

// storyCanon folds an actor's aliases to its canonical name for the story
// index ("Cozy Bear" and "APT29" are one name), from the registry of the
// watchlist in force: the aliases a reload adds count from the next item
// on, and the records of the window, made before, miss them only until
// they leave it.
func (e *Engine) storyCanon(phrase string) string {
	rt := e.rt.Load()
	if rt == nil || rt.list == nil || rt.list.Set() == nil || rt.list.Set().Registry() == nil {
		return ""
	}
	return rt.list.Set().Registry().Canonical(phrase)
}

// storyOf decides which story a new item reports and indexes it; the
// report, with the policy of each alert's destination, goes into the
// ingest that records the item.
func (e *Engine) storyOf(ctx context.Context, cfg *config.Config, it feeds.Item, outlet string, alerts []model.Alert, seen time.Time) (*model.StoryReport, error) {
	si := stories.Item{Title: it.Title, Summary: it.Summary, Content: it.Content, Link: it.Link, Feed: outlet, Published: it.Published, Seen: seen}
	s := e.stories
	// The tokens once, outside the lock: the ingests of other feeds decide meanwhile.
	p := s.ix.Prepare(si)
	s.mu.Lock()
	res := s.ix.LookupPrepared(p)
	id := int64(res.Story)
	if !res.Same {
		if s.next == s.end {
			first, err := e.st.ReserveStoryIDs(ctx, storyIDBlock)
			if err != nil {
				s.mu.Unlock()
				return nil, err
			}
			s.next, s.end = first, first+storyIDBlock
		}
		id = s.next
		s.next++
	}
	rec := s.ix.AddPrepared(p, uint64(id))
	s.mu.Unlock()
	rep := &model.StoryReport{ID: id, Outlet: outlet, Title: it.Title, Link: it.Link}
	if rec != nil {
		rep.Record = &model.StoryRecord{Story: int64(rec.Story), Seen: rec.Seen, Published: rec.Published, Features: rec.Features, Origin: e.o.Holder}
	}
	if len(alerts) > 0 {
		rep.Policy = storyPolicies(cfg, alerts)
	}
	if so, ok := e.o.Observer.(StoryObserver); ok {
		so.Story(res.Same)
	}
	return rep, nil
}

// storyPolicies gives each alert's destination its also_reported (the
// loudest of the routes that brought the alert there: alert over edit over
// quiet, so no route's choice to be told is lost; stories.also_reported
// for chat subscriptions) and min_outlets (the smallest of the watches that
// fired: a watch content with one outlet is not held back by another).
func storyPolicies(cfg *config.Config, alerts []model.Alert) map[model.Destination]model.StoryPolicy {
	minOutlets := make(map[string]int, len(cfg.Watches))
	for _, w := range cfg.Watches {
		minOutlets[w.Name] = max(1, w.MinOutlets)
	}
	loudness := map[string]int{model.AlsoReportedQuiet: 1, model.AlsoReportedEdit: 2, model.AlsoReportedAlert: 3}
	out := make(map[model.Destination]model.StoryPolicy, len(alerts))
	for _, a := range alerts {
		pol := model.StoryPolicy{}
		for _, w := range a.Watches {
			n, ok := minOutlets[w.Name]
			if !ok {
				n = 1 // a chat's own query
			}
			if pol.MinOutlets == 0 || n < pol.MinOutlets {
				pol.MinOutlets = n
			}
			for _, r := range cfg.Routes {
				if r.AlsoReported == "" || !contains(r.Watches, w.Name) || !contains(r.To, a.Destination) {
					continue
				}
				if loudness[r.AlsoReported] > loudness[pol.AlsoReported] {
					pol.AlsoReported = r.AlsoReported
				}
			}
		}
		if pol.AlsoReported == "" {
			pol.AlsoReported = cfg.Stories.AlsoReported
		}
		out[a.Destination] = pol
	}
	return out
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// evictStories gives back the memory of the stories that left the window,
// once per poll cycle.
func (e *Engine) evictStories() {
	s := e.stories
	s.mu.Lock()
	s.ix.Evict(e.o.Now().Add(-s.window))
	n, reports := s.ix.Stories(), s.ix.Len()
	s.mu.Unlock()
	if so, ok := e.o.Observer.(StoryObserver); ok {
		so.Stories(n, reports)
	}
}

// pruneStories forgets, in the store, the stories that left the window.
func (e *Engine) pruneStories(ctx context.Context) {
	if n, err := e.st.PruneStories(ctx, e.o.Now().Add(-e.stories.window)); err != nil {
		e.log.Error("pruning stories failed", "err", err)
	} else if n > 0 {
		e.log.Debug("pruned stories that left the window", "count", n)
	}
}
