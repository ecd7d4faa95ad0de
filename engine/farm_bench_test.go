package engine_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// farm serves many generated RSS feeds on loopback: /f/N is feed N with
// itemsPerFeed items; generation G shifts every feed by newPerGen items
// (so each cycle brings new stories), and ETags make unchanged feeds 304.
type farm struct {
	servers    []*httptest.Server
	items      int
	newPerGen  int
	generation atomic.Int64
	bytes      atomic.Int64
}

var farmWords = strings.Fields(`Ukraine Russia Kyiv Kremlin ministry government cyberattack ransomware
hackers espionage phishing embassy sanctions energy grid drone strike talks Baku Azerbaijan Moscow
Sandworm Fancy Bear APT28 APT29 Cozy Bear Midnight Blizzard Lazarus Volt Typhoon election
vulnerability exploit patch Microsoft Cisco Fortinet data breach police arrest court ruling`)

func (f *farm) feed(n, gen int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Farm %d</title><link>http://farm/%d</link>`, n, n)
	first := gen * f.newPerGen
	for i := first + f.items - 1; i >= first; i-- {
		h := fnv.New32a()
		fmt.Fprintf(h, "%d/%d", n, i)
		s := h.Sum32()
		w := func(k uint32) string { return farmWords[(s>>k)%uint32(len(farmWords))] }
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">f%d-i%d</guid><title>%s %s report %d-%d</title><link>https://farm.example/%d/%d?utm_source=rss</link>`+
			`<description>&lt;p&gt;Officials said the %s %s affected the %s and the %s on %s.&lt;/p&gt;</description><pubDate>%s</pubDate></item>`,
			n, i, w(0), w(5), n, i, n, i, w(10), w(15), w(20), w(25), w(3),
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func (f *farm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
	gen := int(f.generation.Load())
	etag := fmt.Sprintf(`"%d-%d"`, n, gen)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.feed(n, gen)
	f.bytes.Add(int64(len(body)))
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	io.WriteString(w, body)
}

func newFarm(tb testing.TB, hosts int) *farm {
	f := &farm{items: 50, newPerGen: 2}
	for range hosts {
		srv := httptest.NewServer(f)
		tb.Cleanup(srv.Close)
		f.servers = append(f.servers, srv)
	}
	return f
}

func farmSize(tb testing.TB) int {
	if v := os.Getenv("NEWSHOUND_FARM"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			tb.Fatal(err)
		}
		return n
	}
	return 500
}

// farmConfig spreads feeds over the farm's hosts (per_host applies per
// host, as it would across real publishers) with the shipped watches.
func farmConfig(tb testing.TB, f *farm, feeds int) *config.Config {
	data, err := os.ReadFile("../config.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Parse(data, "config.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Feeds = nil
	for i := range feeds {
		cfg.Feeds = append(cfg.Feeds, config.Feed{URL: fmt.Sprintf("%s/f/%d", f.servers[i%len(f.servers)].URL, i), Name: fmt.Sprintf("Farm %d", i)})
	}
	cfg.Store.Path = filepath.Join(tb.TempDir(), "farm.db")
	cfg.Poll.Concurrency = 16
	if v, _ := strconv.Atoi(os.Getenv("NEWSHOUND_FARM_CONCURRENCY")); v > 0 {
		cfg.Poll.Concurrency = v
	}
	// NEWSHOUND_FARM_FULLTEXT (auto, always, never) overrides the shipped
	// poll.fulltext, to show what enrichment costs the cycles.
	if v := os.Getenv("NEWSHOUND_FARM_FULLTEXT"); v != "" {
		cfg.Poll.Fulltext = v
	}
	return cfg
}

type discard struct{}

func (discard) Send(context.Context, model.Alert) error { return nil }

// BenchmarkFarm runs the whole engine (fetch, parse, dedup, match, store,
// queue) over a loopback farm: a first cycle where every item is new, a
// cycle where every feed gained 2 stories, and 20 cycles of 304s.
// NEWSHOUND_FARM sets the number of feeds (default 500; the recorded runs
// use 10000).
func BenchmarkFarm(b *testing.B) {
	feeds := farmSize(b)
	for range b.N {
		f := newFarm(b, 16)
		cfg := farmConfig(b, f, feeds)
		db, err := sqlite.Open(context.Background(), cfg.Store.Path)
		if err != nil {
			b.Fatal(err)
		}
		eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": discard{}}})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		start := time.Now()
		if err := eng.PollCycle(ctx, true); err != nil {
			b.Fatal(err)
		}
		first := time.Since(start)
		f.generation.Add(1)
		start = time.Now()
		if err := eng.PollCycle(ctx, true); err != nil {
			b.Fatal(err)
		}
		changed := time.Since(start)

		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heapBefore := ms.HeapAlloc
		start = time.Now()
		const cycles = 20
		for range cycles {
			if err := eng.PollCycle(ctx, true); err != nil {
				b.Fatal(err)
			}
		}
		notModified := time.Since(start) / cycles
		runtime.GC()
		runtime.ReadMemStats(&ms)
		st, _ := db.QueueStats(ctx)
		var walMB float64
		if fi, err := os.Stat(cfg.Store.Path + "-wal"); err == nil {
			walMB = float64(fi.Size()) / (1 << 20)
		}
		db.Close()

		b.ReportMetric(float64(feeds)/first.Seconds(), "feeds/s-first")
		b.ReportMetric(float64(feeds*f.items)/first.Seconds(), "items/s-first")
		b.ReportMetric(float64(feeds)/changed.Seconds(), "feeds/s-changed")
		b.ReportMetric(float64(feeds)/notModified.Seconds(), "feeds/s-304")
		b.ReportMetric(float64(int64(ms.HeapAlloc)-int64(heapBefore))/(1<<20), "MB-heap-growth-20x304")
		b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-RSS")
		b.ReportMetric(float64(st.Pending), "alerts-queued")
		b.ReportMetric(walMB, "MB-wal-at-end")
	}
}

// peakRSS reads the process's peak resident set size (VmHWM) on Linux.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
