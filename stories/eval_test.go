package stories

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// labelledPair is one line of testdata/pairs.tsv.
type labelledPair struct {
	line int
	same bool
	a, b Item
}

func loadPairs(t testing.TB) []labelledPair {
	t.Helper()
	f, err := os.Open("testdata/pairs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	base := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	var out []labelledPair
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 6 || (c[0] != "same" && c[0] != "diff") {
			t.Fatalf("pairs.tsv:%d: want label, hours, title A, lead A, title B, lead B; got %d fields", n, len(c))
		}
		h, err := strconv.ParseFloat(c[1], 64)
		if err != nil {
			t.Fatalf("pairs.tsv:%d: hours: %v", n, err)
		}
		tb := base.Add(time.Duration(h * float64(time.Hour)))
		out = append(out, labelledPair{
			line: n,
			same: c[0] == "same",
			a:    Item{Title: c[2], Summary: c[3], Feed: "A", Published: base},
			b:    Item{Title: c[4], Summary: c[5], Feed: "B", Published: tb},
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pairScore is the score Add would give b in a window holding only a.
func pairScore(p labelledPair) float64 {
	ix := NewIndex(Options{})
	ix.Add(p.a)
	return ix.Lookup(p.b).Score
}

// sweepPoint is precision and recall at one threshold.
type sweepPoint struct {
	threshold, precision, recall float64
	tp, fp, fn                   int
}

func (s sweepPoint) String() string {
	return fmt.Sprintf("threshold %.2f: precision %.3f recall %.3f (tp %d fp %d fn %d)", s.threshold, s.precision, s.recall, s.tp, s.fp, s.fn)
}

func thresholds() []float64 {
	var out []float64
	for t := 20; t <= 90; t += 2 {
		out = append(out, float64(t)/100)
	}
	return out
}

func sweepPairs(ps []labelledPair, scores []float64) []sweepPoint {
	var out []sweepPoint
	for _, th := range thresholds() {
		var sp sweepPoint
		sp.threshold = th
		for i, p := range ps {
			hit := scores[i] >= th
			switch {
			case hit && p.same:
				sp.tp++
			case hit && !p.same:
				sp.fp++
			case !hit && p.same:
				sp.fn++
			}
		}
		sp.precision = ratio(sp.tp, sp.tp+sp.fp)
		sp.recall = ratio(sp.tp, sp.tp+sp.fn)
		out = append(out, sp)
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TestHandPairs measures the decision on the hand-written pairs and holds
// the default threshold to the precision-first target.
func TestHandPairs(t *testing.T) {
	ps := loadPairs(t)
	if len(ps) < 100 {
		t.Fatalf("only %d pairs", len(ps))
	}
	scores := make([]float64, len(ps))
	for i, p := range ps {
		scores[i] = pairScore(p)
		wrong := (scores[i] >= DefaultThreshold) != p.same
		if testing.Verbose() && (wrong || os.Getenv("NEWSHOUND_STORIES_ALL") != "") {
			t.Logf("line %d same=%v score %.3f: %q / %q", p.line, p.same, scores[i], p.a.Title, p.b.Title)
		}
	}
	var at sweepPoint
	for _, sp := range sweepPairs(ps, scores) {
		t.Log(sp)
		if sp.threshold == DefaultThreshold {
			at = sp
		}
	}
	if at.threshold == 0 {
		t.Fatalf("DefaultThreshold %.2f is not on the sweep", DefaultThreshold)
	}
	t.Logf("at the default: %v", at)
	// At most one false merge (BENCHMARKS.md names it), and a recall floor a
	// little under the measured 0.317, so that a change that costs either
	// fails here.
	if at.fp > 1 {
		t.Errorf("%d false merges at the default threshold, want at most 1", at.fp)
	}
	if at.recall < 0.30 {
		t.Errorf("recall %.3f < 0.30 at the default threshold", at.recall)
	}
}

// ucsRow is one headline of the UCI News Aggregator data set.
type uciRow struct {
	title, publisher, story string
	at                      time.Time
}

// loadUCI reads the UCI News Aggregator CSV (ID, TITLE, URL, PUBLISHER,
// CATEGORY, STORY, HOSTNAME, TIMESTAMP in milliseconds). Rows that do not
// parse, such as a truncated last line, are skipped.
func loadUCI(t testing.TB, path string) []uciRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	var out []uciRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil || len(rec) != 8 || rec[0] == "ID" {
			continue
		}
		ms, err := strconv.ParseInt(rec[7], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, uciRow{title: rec[1], publisher: rec[3], story: rec[5], at: time.UnixMilli(ms).UTC()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// streamPoint is the quality of the decisions of a stream at one threshold.
type streamPoint struct {
	threshold float64
	merged    int // items joined to an earlier story
	correct   int // ... whose story's first item has the item's label
	reachable int // items with an earlier item of the same label in the window
	// split counts wrong joins of headlines whose words are identical to
	// the story's first: syndicated copies that the data set filed under
	// two story ids. They are label noise, not errors of the decision.
	split     int
	precision float64 // right / merged
	clean     float64 // right / (merged - split)
	recall    float64
}

// runStream feeds rows in time order through one index and judges each
// decision against the labels: a join is right when the story's first item
// has the same label.
func runStream(rows []uciRow, th float64) streamPoint {
	ix := NewIndex(Options{Threshold: th})
	firstLabel := map[uint64]string{}
	firstWords := map[uint64]string{}
	lastSeen := map[string]time.Time{}
	sp := streamPoint{threshold: th}
	for _, r := range rows {
		if last, ok := lastSeen[r.story]; ok && r.at.Sub(last) <= DefaultWindow {
			sp.reachable++
		}
		lastSeen[r.story] = r.at
		res := ix.Add(Item{Title: r.title, Feed: r.publisher, Published: r.at})
		words := sameWords(r.title)
		if !res.Same {
			firstLabel[res.Story] = r.story
			firstWords[res.Story] = words
			continue
		}
		sp.merged++
		switch {
		case firstLabel[res.Story] == r.story:
			sp.correct++
		case firstWords[res.Story] == words:
			sp.split++
		}
	}
	sp.precision = ratio(sp.correct, sp.merged)
	sp.clean = ratio(sp.correct, sp.merged-sp.split)
	sp.recall = ratio(sp.correct, sp.reachable)
	return sp
}

// TestPublishedClusters measures the decision on a published data set of
// headlines grouped into stories. Its text is not in the repository: set
// NEWSHOUND_STORIES_UCI to a copy of the UCI News Aggregator CSV (or a
// slice of it with the same columns). BENCHMARKS.md has the results.
func TestPublishedClusters(t *testing.T) {
	path := os.Getenv("NEWSHOUND_STORIES_UCI")
	if path == "" {
		t.Skip("NEWSHOUND_STORIES_UCI not set")
	}
	rows := loadUCI(t, path)
	stories := map[string]bool{}
	for _, r := range rows {
		stories[r.story] = true
	}
	t.Logf("%d headlines, %d labelled stories, %s to %s", len(rows), len(stories), rows[0].at.Format(time.RFC3339), rows[len(rows)-1].at.Format(time.RFC3339))
	for _, th := range thresholds() {
		sp := runStream(rows, th)
		t.Logf("threshold %.2f: precision %.3f (%.3f without split labels) recall %.3f (merged %d, right %d, split %d, reachable %d)", sp.threshold, sp.precision, sp.clean, sp.recall, sp.merged, sp.correct, sp.split, sp.reachable)
		if th == DefaultThreshold && sp.clean < 0.93 {
			t.Errorf("precision %.3f < 0.93 at the default threshold", sp.clean)
		}
	}
	if testing.Verbose() && os.Getenv("NEWSHOUND_STORIES_ERRORS") != "" {
		ix := NewIndex(Options{})
		first := map[uint64]uciRow{}
		for _, r := range rows {
			res := ix.Add(Item{Title: r.title, Feed: r.publisher, Published: r.at})
			if !res.Same {
				first[res.Story] = r
				continue
			}
			if f := first[res.Story]; f.story != r.story {
				t.Logf("wrong join %.3f: %q -> %q", res.Score, r.title, f.title)
			}
		}
	}
}

// sameWords is a headline's words, folded, in order: two headlines with
// the same sameWords differ only in case and punctuation.
func sameWords(title string) string {
	var ws []string
	for _, w := range splitWords(title, 0) {
		ws = append(ws, fold(w.text))
	}
	return strings.Join(ws, " ")
}
