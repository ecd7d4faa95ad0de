package feeds

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// The feed farm: FARM_SERVERS loopback servers (distinct host:port, so the
// per-host limit of 2 allows 16 concurrent fetches) serving farmSize()
// distinct generated feeds of 50 items each. Every feed has a version; its
// ETag names the version and a conditional GET with the current ETag gets
// 304. Bumping a version adds one new item on top (a sliding window).
//
// Sizes: NEWSHOUND_FARM=10000 for the full run; the default (500)
// keeps `go test -bench . -run ^$ ./feeds/` short.

const (
	farmServers     = 8
	farmConcurrency = 16
	farmItems       = 50
)

func farmSize() int {
	if n, err := strconv.Atoi(os.Getenv("NEWSHOUND_FARM")); err == nil && n > 0 {
		return n
	}
	return 500
}

type farm struct {
	servers  []*httptest.Server
	urls     []string
	versions []atomic.Int32
	served   atomic.Int64 // 200 responses
	notMod   atomic.Int64 // 304 responses
}

var farmWords = strings.Fields(`Russia Azerbaijan Ukraine Kyiv Moscow Baku ransomware hackers government
ministry attack espionage APT29 Cozy Bear Midnight Blizzard embassy sanctions election pipeline
energy grid outage phishing campaign malware botnet police arrest court ruling minister talks summit
border drone strike port grain exports bank breach data leak vulnerability patch exploit zero-day`)

// farmBody writes feed i at version v: 50 items, newest first, ~40 KB
// (title, link with tracking parameters, GUID, date, author, two categories,
// an HTML description of three sentences; every fifth item has a
// content:encoded of ten paragraphs).
func farmBody(buf *bytes.Buffer, i, v int) {
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>` + "\n")
	fmt.Fprintf(buf, "<title>Farm feed %d</title><link>https://farm%d.example/</link><description>Generated feed %d</description><ttl>15</ttl>\n", i, i, i)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for k := range farmItems {
		id := v + farmItems - k // newest first
		w := func(n int) string { return farmWords[(i*7+id*13+n*31)%len(farmWords)] }
		buf.WriteString("<item>\n<title>")
		fmt.Fprintf(buf, "%s %s: %s &amp; %s report #%d from feed %d", w(1), w(2), w(3), w(4), id, i)
		fmt.Fprintf(buf, "</title>\n<link>https://farm%d.example/news/%d/%s-%s?utm_source=rss&amp;utm_medium=feed</link>\n", i, id, w(5), w(6))
		fmt.Fprintf(buf, "<guid isPermaLink=\"false\">farm-%d-item-%d</guid>\n", i, id)
		fmt.Fprintf(buf, "<pubDate>%s</pubDate>\n<dc:creator>Reporter %d</dc:creator>\n", base.Add(time.Duration(id)*time.Minute).Format(time.RFC1123Z), id%17)
		fmt.Fprintf(buf, "<category>%s</category><category>%s</category>\n", w(7), w(8))
		buf.WriteString("<description><![CDATA[<p>")
		for s := range 3 {
			fmt.Fprintf(buf, "%s %s %s the %s, officials said on %s. ", w(s+9), w(s+10), w(s+11), w(s+12), w(s+13))
		}
		buf.WriteString(`</p><p><a href="https://farm.example/more">Read more</a></p>]]></description>` + "\n")
		if id%5 == 0 { // every fifth item carries full content
			buf.WriteString("<content:encoded><![CDATA[")
			for s := range 10 {
				fmt.Fprintf(buf, "<p>%s <b>%s</b> %s %s in %s; <i>%s</i> %s.</p>", w(s+20), w(s+21), w(s+22), w(s+23), w(s+24), w(s+25), w(s+26))
			}
			buf.WriteString("<script>track()</script>]]></content:encoded>\n")
		}
		buf.WriteString("</item>\n")
	}
	buf.WriteString("</channel></rss>\n")
}

var farmBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func newFarm(tb testing.TB, n int) *farm {
	tb.Helper()
	f := &farm{versions: make([]atomic.Int32, n), urls: make([]string, n)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
		if err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		v := int(f.versions[i].Load())
		etag := `"` + strconv.Itoa(i) + "-" + strconv.Itoa(v) + `"`
		if r.Header.Get("If-None-Match") == etag {
			f.notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		buf := farmBufs.Get().(*bytes.Buffer)
		buf.Reset()
		farmBody(buf, i, v)
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.Write(buf.Bytes())
		farmBufs.Put(buf)
		f.served.Add(1)
	})
	for range farmServers {
		s := httptest.NewServer(h)
		f.servers = append(f.servers, s)
	}
	for i := range n {
		f.urls[i] = fmt.Sprintf("%s/f/%d", f.servers[i%farmServers].URL, i)
	}
	tb.Cleanup(f.close)
	return f
}

func (f *farm) close() {
	for _, s := range f.servers {
		s.Close()
	}
}

// feedState is what the engine would keep per feed between polls.
type feedState struct {
	etag, lastModified, hash string
}

type cycleResult struct {
	fetched, parsed, notModified, unchanged, items, errors int64
	elapsed                                                time.Duration
}

// runCycle polls every feed once with farmConcurrency workers, parsing what
// changed, as the engine does.
func runCycle(fe *Fetcher, urls []string, state []feedState) cycleResult {
	var res cycleResult
	var mu sync.Mutex
	next := atomic.Int64{}
	start := time.Now()
	var wg sync.WaitGroup
	for range farmConcurrency {
		wg.Go(func() {
			var local cycleResult
			for {
				i := int(next.Add(1) - 1)
				if i >= len(urls) {
					break
				}
				st := &state[i]
				resp, err := fe.Fetch(context.Background(), Request{URL: urls[i], ETag: st.etag, LastModified: st.lastModified, BodyHash: st.hash, AllowPrivate: true})
				local.fetched++
				if err != nil {
					local.errors++
					continue
				}
				st.etag, st.lastModified, st.hash = resp.ETag, resp.LastModified, resp.BodyHash
				switch {
				case resp.NotModified:
					local.notModified++
					continue
				case resp.Unchanged:
					local.unchanged++
					continue
				}
				feed, err := Parse(resp.Body, resp.ContentType, resp.FinalURL)
				if err != nil {
					local.errors++
					continue
				}
				local.parsed++
				local.items += int64(len(feed.Items))
			}
			mu.Lock()
			res.fetched += local.fetched
			res.parsed += local.parsed
			res.notModified += local.notModified
			res.unchanged += local.unchanged
			res.items += local.items
			res.errors += local.errors
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// BenchmarkFarmFirstCycle: one iteration fetches and parses every feed of
// the farm with no validators (a cold start).
func BenchmarkFarmFirstCycle(b *testing.B) {
	n := farmSize()
	fm := newFarm(b, n)
	fe := NewFetcher(Options{})
	var total cycleResult
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		state := make([]feedState, n)
		r := runCycle(fe, fm.urls, state)
		if r.errors > 0 || r.parsed != int64(n) {
			b.Fatalf("cycle: %+v", r)
		}
		total.items += r.items
		total.fetched += r.fetched
		total.elapsed += r.elapsed
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(total.fetched)/total.elapsed.Seconds(), "feeds/s")
	b.ReportMetric(float64(total.items)/total.elapsed.Seconds(), "items/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total.fetched), "cpu_µs/feed")
}

// BenchmarkFarm304Cycle: one iteration polls every feed with the validators
// of a previous poll; every answer is 304.
func BenchmarkFarm304Cycle(b *testing.B) {
	n := farmSize()
	fm := newFarm(b, n)
	fe := NewFetcher(Options{})
	state := make([]feedState, n)
	if r := runCycle(fe, fm.urls, state); r.errors > 0 {
		b.Fatalf("warm-up: %+v", r)
	}
	var total cycleResult
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		r := runCycle(fe, fm.urls, state)
		if r.errors > 0 || r.notModified != int64(n) {
			b.Fatalf("cycle: %+v", r)
		}
		total.fetched += r.fetched
		total.elapsed += r.elapsed
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(total.fetched)/total.elapsed.Seconds(), "feeds/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total.fetched), "cpu_µs/feed")
}

// BenchmarkFarmMemory runs 20 cycles (the first cold, then 304s with 5% of
// the feeds gaining an item each cycle) and reports the heap in use after
// cycles 2 and 20 (after a GC), the growth between them, and the process's
// peak RSS (VmHWM; run this benchmark alone for a clean figure).
func BenchmarkFarmMemory(b *testing.B) {
	n := farmSize()
	for range b.N {
		fm := newFarm(b, n)
		fe := NewFetcher(Options{})
		state := make([]feedState, n)
		var heap2, heap20 uint64
		var parsed int64
		for c := 1; c <= 20; c++ {
			if c >= 3 {
				for i := c; i < n; i += 20 { // 5% churn
					fm.versions[i].Add(1)
				}
			}
			r := runCycle(fe, fm.urls, state)
			if r.errors > 0 {
				b.Fatalf("cycle %d: %+v", c, r)
			}
			parsed += r.parsed
			if c == 2 || c == 20 {
				runtime.GC()
				debug.FreeOSMemory()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if c == 2 {
					heap2 = ms.HeapInuse
				} else {
					heap20 = ms.HeapInuse
				}
			}
		}
		fm.close()
		b.ReportMetric(float64(heap2)/(1<<20), "heap2_MB")
		b.ReportMetric(float64(heap20)/(1<<20), "heap20_MB")
		b.ReportMetric((float64(heap20)-float64(heap2))/(1<<20), "growth_MB")
		b.ReportMetric(float64(procStatusKB("VmHWM"))/1024, "peakRSS_MB")
		b.ReportMetric(float64(parsed), "parsed_feeds")
	}
}

// cpuTime is the process's user+system CPU time so far. The farm's servers
// run in the same process, so per-feed CPU figures include serving.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStatusKB reads a kB field of /proc/self/status (0 when unavailable).
func procStatusKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// farmSamples returns the bytes of a few farm feeds for parse-only runs.
func farmSamples() [][]byte {
	var out [][]byte
	for i := range 16 {
		var buf bytes.Buffer
		farmBody(&buf, i, 0)
		out = append(out, buf.Bytes())
	}
	return out
}

// BenchmarkParseOnlyGofeed is the reference: gofeed alone, default
// settings, on the farm's bytes, with all cores (RunParallel), as the farm
// uses all cores.
func BenchmarkParseOnlyGofeed(b *testing.B) { benchGofeed(b, false) }

// BenchmarkParseOnlyGofeedNoImageScan is gofeed with the per-item HTML image
// scan turned off, as Parse configures it: the fair comparison for Parse's
// own overhead.
func BenchmarkParseOnlyGofeedNoImageScan(b *testing.B) { benchGofeed(b, true) }

func benchGofeed(b *testing.B, noImageScan bool) {
	samples := farmSamples()
	var items atomic.Int64
	b.SetBytes(int64(len(samples[0])))
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		p := gofeed.NewParser()
		if noImageScan {
			p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
		}
		k := 0
		for pb.Next() {
			f, err := p.Parse(bytes.NewReader(samples[k%len(samples)]))
			if err != nil {
				b.Error(err)
				return
			}
			items.Add(int64(len(f.Items)))
			k++
		}
	})
	b.ReportMetric(float64(items.Load())/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu_µs/feed")
}

// BenchmarkParseOnlyNewshound is Parse (charset, gofeed, normalisation) on
// the same bytes, all cores.
func BenchmarkParseOnlyNewshound(b *testing.B) {
	samples := farmSamples()
	var items atomic.Int64
	b.SetBytes(int64(len(samples[0])))
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		k := 0
		for pb.Next() {
			f, err := Parse(samples[k%len(samples)], "application/rss+xml; charset=utf-8", "https://farm.example/f")
			if err != nil {
				b.Error(err)
				return
			}
			items.Add(int64(len(f.Items)))
			k++
		}
	})
	b.ReportMetric(float64(items.Load())/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu_µs/feed")
}

// BenchmarkParseCorpus parses every shared corpus file once per iteration
// (skipped without the corpus).
func BenchmarkParseCorpus(b *testing.B) {
	files := sharedCorpusFiles()
	if len(files) == 0 {
		b.Skip("shared corpus absent")
	}
	var bodies [][]byte
	size := 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
		size += len(body)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		for _, body := range bodies {
			Parse(body, "", "https://corpus.example/feed")
		}
	}
}
