package matcher

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"github.com/newshound/newshound/internal/corpus"
)

// benchDocs parses every feed of the shared corpus into Docs (plain text,
// as the engine hands them over), split by feed into two halves: the
// watches are written from the words of the first, and matched against the
// items of the second (as a watchlist is written before the news arrives).
func benchDocs(b *testing.B) (vocabDocs, docs []Doc) {
	b.Helper()
	dir := corpus.Dir(b, "feeds")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		b.Fatal(err)
	}
	for i, f := range files {
		if !strings.HasSuffix(f, ".xml") && !strings.HasSuffix(f, ".json") {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			continue // the corpus holds deliberately broken feeds
		}
		for _, it := range feed.Items {
			d := Doc{
				Title:      plain(it.Title),
				Summary:    plain(it.Description),
				Content:    plain(it.Content),
				Categories: it.Categories,
				Feed:       feed.Title,
			}
			if i%2 == 0 {
				vocabDocs = append(vocabDocs, d)
			} else {
				docs = append(docs, d)
			}
		}
	}
	if len(docs) < 100 || len(vocabDocs) < 100 {
		b.Fatalf("only %d+%d items in the corpus", len(vocabDocs), len(docs))
	}
	return vocabDocs, docs
}

// plain strips HTML.
func plain(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var sb strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return sb.String()
		case html.TextToken:
			sb.Write(z.Text())
			sb.WriteByte(' ')
		}
	}
}

// benchVocab returns words of the corpus that a user might watch: names
// (words written capitalised at least four times in five, like "Kyiv",
// "Microsoft", "Россия") of at least four letters, not among the 300 most
// frequent words.
func benchVocab(docs []Doc) []string {
	freq, capital := map[string]int{}, map[string]int{}
	for _, d := range docs {
		for _, s := range []string{d.Title, d.Summary, d.Content} {
			for i := 0; ; {
				ws, we, next := nextWord(s, i)
				if ws < 0 {
					break
				}
				i = next
				f, _ := normWords(s[ws:we])
				if len(f) != 1 || len([]rune(f[0])) < 4 {
					continue
				}
				freq[f[0]]++
				if r, _ := utf8.DecodeRuneInString(s[ws:we]); unicode.IsUpper(r) {
					capital[f[0]]++
				}
			}
		}
	}
	all := make([]string, 0, len(freq))
	for w := range freq {
		all = append(all, w)
	}
	sort.Slice(all, func(i, j int) bool {
		if freq[all[i]] != freq[all[j]] {
			return freq[all[i]] > freq[all[j]]
		}
		return all[i] < all[j]
	})
	var names []string
	for i, w := range all {
		if i >= 300 && capital[w]*5 >= freq[w]*4 {
			names = append(names, w)
		}
	}
	return names
}

// benchWatches builds n watches from the vocabulary and the registry: one in
// five an actor: expansion, the rest words, phrases, OR/AND groups, NEAR
// and exclusions, all drawn with a fixed seed.
func benchWatches(n int, vocab []string, reg *Registry) []Watch {
	rng := rand.New(rand.NewPCG(1, 2))
	w := func() string { return vocab[rng.IntN(len(vocab))] }
	ws := make([]Watch, n)
	for i := range ws {
		var q string
		switch i % 10 {
		case 0, 5:
			q = "actor:" + `"` + reg.entities[rng.IntN(len(reg.entities))].name + `"`
		case 1:
			q = w()
		case 2:
			q = fmt.Sprintf("%s*", w())
		case 3:
			q = fmt.Sprintf("(%s OR %s) AND %s", w(), w(), w())
		case 4:
			q = fmt.Sprintf(`"%s %s"`, w(), w())
		case 6:
			q = fmt.Sprintf("%s NEAR/5 %s", w(), w())
		case 7:
			q = fmt.Sprintf("%s -%s", w(), w())
		case 8:
			q = fmt.Sprintf("title:%s OR category:%s", w(), w())
		case 9:
			q = fmt.Sprintf("(actor:APT29 OR actor:Sandworm OR %s) %s", w(), w())
		}
		ws[i] = Watch{Name: fmt.Sprintf("w%d", i), Query: strings.ReplaceAll(q, "\"\"", "\"")}
	}
	return ws
}

// BenchmarkMatch matches every corpus item against watchlists of growing
// size. Report items/s; run with -cpu 1 for the one-core figure.
func BenchmarkMatch(b *testing.B) {
	vocabDocs, docs := benchDocs(b)
	reg := NewRegistry()
	vocab := benchVocab(vocabDocs)
	size := 0
	for _, d := range docs {
		size += len(d.Title) + len(d.Summary) + len(d.Content)
		for _, c := range d.Categories {
			size += len(c)
		}
	}
	b.Logf("%d items, %d bytes of text each on average, %d vocabulary words", len(docs), size/len(docs), len(vocab))
	for _, n := range []int{10, 100, 1000, 10000} {
		c, err := Compile(benchWatches(n, vocab, reg), reg, CompileOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("watches=%d", n), func(b *testing.B) {
			hits := 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				hits += len(c.Match(docs[i%len(docs)]))
			}
			cpu := cpuTime() - cpu0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/item")
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "items/cpu-s")
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/item")
		})
	}
}

// BenchmarkCompile compiles 10,000 watches.
func BenchmarkCompile(b *testing.B) {
	vocabDocs, _ := benchDocs(b)
	reg := NewRegistry()
	ws := benchWatches(10000, benchVocab(vocabDocs), reg)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Compile(ws, reg, CompileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkNewRegistry builds the built-in table (239 groups), as every
// config load does; allocated bytes are its memory.
func BenchmarkNewRegistry(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if NewRegistry().Len() < 200 {
			b.Fatal("table too small")
		}
	}
}
