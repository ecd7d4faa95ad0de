package stories

import (
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"
)

// synthetic makes headlines and leads whose words follow a Zipf law over a
// 50,000-word vocabulary, with a name from 200,000 and a figure in each:
// common words then have long postings, as "Ukraine" or "says" do in real
// feeds, and the probing must stay bounded all the same.
type synthetic struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

func newSynthetic(seed int64) *synthetic {
	r := rand.New(rand.NewSource(seed))
	s := &synthetic{r: r, zipf: rand.NewZipf(r, 1.1, 1, 49_999)}
	s.vocab = make([]string, 50_000)
	for i := range s.vocab {
		s.vocab[i] = fmt.Sprintf("w%dx", i) // not a stopword, not a figure, survives stem
	}
	return s
}

func (s *synthetic) item(seen time.Time) Item {
	var title, lead strings.Builder
	for i := 0; i < 8; i++ {
		title.WriteString(s.vocab[s.zipf.Uint64()])
		title.WriteByte(' ')
	}
	fmt.Fprintf(&title, "Name%d %d", s.r.Intn(200_000), s.r.Intn(1000))
	for i := 0; i < 25; i++ {
		lead.WriteString(s.vocab[s.zipf.Uint64()])
		lead.WriteByte(' ')
	}
	return Item{Title: title.String(), Summary: lead.String(), Seen: seen, Published: seen}
}

// fill adds n items spread over 40 hours, inside the default window.
func fill(ix *Index, s *synthetic, n int) time.Time {
	step := 40 * time.Hour / time.Duration(n)
	at := t0
	for i := 0; i < n; i++ {
		ix.Add(s.item(at))
		at = at.Add(step)
	}
	return at
}

// BenchmarkAdd measures Add (lookup, decision, insertion, eviction) with
// 10k, 100k and 1M reports in the window. The cost per item must not grow
// with the window: see BENCHMARKS.md.
func BenchmarkAdd(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("window=%d", n), func(b *testing.B) {
			s := newSynthetic(1)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			ix := NewIndex(Options{})
			at := fill(ix, s, n)
			runtime.GC()
			runtime.ReadMemStats(&after)
			items := make([]Item, 4096)
			for i := range items {
				at = at.Add(time.Second)
				items[i] = s.item(at)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				it := items[i%len(items)]
				it.Seen = it.Seen.Add(time.Duration(i/len(items)) * time.Second * 4096)
				ix.Add(it)
			}
			b.StopTimer()
			// After the loop: ResetTimer drops metrics reported before it.
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heapB/story")
			runtime.KeepAlive(ix)
		})
	}
}

// BenchmarkAddCanon is BenchmarkAdd with the Canon the daemon runs with
// (the matcher's built-in actor registry): the cost of asking it about
// every word and pair of words.
func BenchmarkAddCanon(b *testing.B) {
	canon := registryCanon(b)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("window=%d", n), func(b *testing.B) {
			s := newSynthetic(1)
			ix := NewIndex(Options{Canon: canon})
			at := fill(ix, s, n)
			items := make([]Item, 4096)
			for i := range items {
				at = at.Add(time.Second)
				items[i] = s.item(at)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				it := items[i%len(items)]
				it.Seen = it.Seen.Add(time.Duration(i/len(items)) * time.Second * 4096)
				ix.Add(it)
			}
		})
	}
}

// BenchmarkLookup measures the decision alone, without indexing.
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("window=%d", n), func(b *testing.B) {
			s := newSynthetic(2)
			ix := NewIndex(Options{})
			at := fill(ix, s, n)
			items := make([]Item, 4096)
			for i := range items {
				items[i] = s.item(at)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ix.Lookup(items[i%len(items)])
			}
		})
	}
}

// TestLookupCostBounded holds the bound the benchmarks measure: however
// many reports share the item's tokens, a lookup reads at most
// probeTokens × probeDepth posting entries and scores maxCandidates.
func TestLookupCostBounded(t *testing.T) {
	ix := NewIndex(Options{})
	// 5,000 reports that all share the same six words, each with its own name.
	for i := 0; i < 5000; i++ {
		ix.Add(Item{Title: fmt.Sprintf("alpha bravo charlie delta echo foxtrot Person%d", i), Seen: t0.Add(time.Duration(i) * time.Second)})
	}
	if got := len(ix.postings[hashToken("alpha")]); got != 5000 {
		t.Fatalf("posting of a shared word has %d entries, want 5000", got)
	}
	// An item that shares the six words finds candidates, but only a bounded
	// number: the newest of each posting.
	r := ix.Lookup(Item{Title: "alpha bravo charlie delta echo foxtrot Someone"})
	if r.Score == 0 {
		t.Errorf("no candidate found")
	}
	res := testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ix.Lookup(Item{Title: "alpha bravo charlie delta echo foxtrot Someone"})
		}
	})
	small := NewIndex(Options{})
	for i := 0; i < 300; i++ {
		small.Add(Item{Title: fmt.Sprintf("alpha bravo charlie delta echo foxtrot Person%d", i), Seen: t0.Add(time.Duration(i) * time.Second)})
	}
	resSmall := testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			small.Lookup(Item{Title: "alpha bravo charlie delta echo foxtrot Someone"})
		}
	})
	// Allocations, not time: they do not depend on the load of the machine.
	if a, s := res.AllocsPerOp(), resSmall.AllocsPerOp(); a > 2*s+10 {
		t.Errorf("lookup against 5,000 sharing reports allocates %d times, against 300 %d: not bounded", a, s)
	}
}
