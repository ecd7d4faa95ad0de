package stories

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// labelledPair is one line of testdata/pairs.tsv.
type labelledPair struct {
	line int
	same bool
	// group is the pair's part of the measurement: "tuning" (the rules and
	// the threshold were chosen on it), "held-out" (every second pair of the
	// first pass, in file order) or "fresh" (written in a later pass before
	// its rules changed, measured once at its end). A "# group: NAME" line
	// in the file sets it for the pairs below; pairs before any such line
	// alternate between tuning and held-out.
	group string
	a, b  Item
}

// Groups of the hand pairs, in the order they are reported.
var pairGroups = []string{"tuning", "held-out", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6"}

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
	n, split := 0, 0
	group := "" // "": alternate
	for sc.Scan() {
		n++
		line := sc.Text()
		if g, ok := strings.CutPrefix(line, "# group: "); ok {
			group = strings.TrimSpace(g)
			if !slices.Contains(pairGroups, group) || group == "held-out" {
				t.Fatalf("pairs.tsv:%d: unknown group %q", n, group)
			}
			continue
		}
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
		g := group
		if g == "" {
			g = map[bool]string{false: "tuning", true: "held-out"}[split%2 == 1]
			split++
		}
		out = append(out, labelledPair{
			line:  n,
			same:  c[0] == "same",
			group: g,
			a:     Item{Title: c[2], Summary: c[3], Feed: "A", Published: base},
			b:     Item{Title: c[4], Summary: c[5], Feed: "B", Published: tb},
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pairScore is the score Add would give b in a window holding only a.
func pairScore(p labelledPair, opts Options) float64 {
	ix := NewIndex(opts)
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

// TestHandPairs measures the decision on the hand-written pairs, each half
// apart (the tuning half chose the rules and the threshold; the held-out
// half did not), and holds the default threshold to the precision-first
// target.
func TestHandPairs(t *testing.T) {
	ps := loadPairs(t)
	if len(ps) < 100 {
		t.Fatalf("only %d pairs", len(ps))
	}
	// NEWSHOUND_STORIES_SHOW=tuning|held-out|fresh|all lists the wrong
	// decisions of that group (all its pairs with NEWSHOUND_STORIES_ALL set).
	show := os.Getenv("NEWSHOUND_STORIES_SHOW")
	opts := Options{Canon: registryCanon(t)}
	// NEWSHOUND_STORIES_GROUPS=tuning measures only the groups named
	// (comma-separated): while rules change, the held-out groups stay
	// unread.
	groups := pairGroups
	if g := os.Getenv("NEWSHOUND_STORIES_GROUPS"); g != "" {
		groups = strings.Split(g, ",")
	}
	for _, group := range groups {
		var sub []labelledPair
		var scores []float64
		for _, p := range ps {
			if p.group != group {
				continue
			}
			s := pairScore(p, opts)
			sub = append(sub, p)
			scores = append(scores, s)
			wrong := (s >= DefaultThreshold) != p.same
			if testing.Verbose() && (show == group || show == "all") && (wrong || os.Getenv("NEWSHOUND_STORIES_ALL") != "") {
				t.Logf("%s line %d same=%v score %.3f: %q / %q", group, p.line, p.same, s, p.a.Title, p.b.Title)
			}
		}
		var at sweepPoint
		for _, sp := range sweepPairs(sub, scores) {
			t.Logf("%s (%d pairs) %v", group, len(sub), sp)
			if sp.threshold == DefaultThreshold {
				at = sp
			}
		}
		if at.threshold == 0 {
			t.Fatalf("DefaultThreshold %.2f is not on the sweep", DefaultThreshold)
		}
		t.Logf("%s at the default: %v", group, at)
		// No more false merges than measured, and a recall floor a little
		// under the measured one, so that a change that costs either fails
		// here.
		if max := handMaxFalse[group]; at.fp > max {
			t.Errorf("%s: %d false merges at the default threshold, want at most %d", group, at.fp, max)
		}
		if at.recall < handRecallFloor[group] {
			t.Errorf("%s: recall %.3f < %.2f at the default threshold", group, at.recall, handRecallFloor[group])
		}
	}
}

// handMaxFalse is the most false merges each group of hand pairs may have
// at DefaultThreshold: what was measured at the end of the third pass
// (none in any group; BENCHMARKS.md).
var handMaxFalse = map[string]int{"tuning": 0, "held-out": 0, "fresh": 0, "fresh2": 0, "fresh3": 0, "fresh4": 0, "fresh5": 0, "fresh6": 0}

// handRecallFloor is a little under the recall measured on each group at
// DefaultThreshold at the end of the third pass (0.652, 0.647, 0.533,
// 0.455, 0.391, 0.389, 0.333 and 0.150; BENCHMARKS.md), so that a change
// that costs recall fails here.
var handRecallFloor = map[string]float64{"tuning": 0.63, "held-out": 0.62, "fresh": 0.50, "fresh2": 0.43, "fresh3": 0.35, "fresh4": 0.36, "fresh5": 0.30, "fresh6": 0.13}

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
// has the same label. wrong, when not nil, hears of each wrong join.
//
// joined, when not nil, hears of every join (for a list of the joins one
// change adds: NEWSHOUND_STORIES_JOINS).
func runStream(rows []uciRow, opts Options, wrong, joined func(score float64, item, first uciRow)) streamPoint {
	ix := NewIndex(opts)
	th := ix.opts.Threshold
	first := map[uint64]uciRow{}
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
			first[res.Story] = r
			firstWords[res.Story] = words
			continue
		}
		sp.merged++
		if joined != nil {
			joined(res.Score, r, first[res.Story])
		}
		switch {
		case first[res.Story].story == r.story:
			sp.correct++
		case firstWords[res.Story] == words:
			sp.split++
		default:
			if wrong != nil {
				wrong(res.Score, r, first[res.Story])
			}
		}
	}
	return sp
}

// add sums the counts of two streams.
func (sp *streamPoint) add(o streamPoint) {
	sp.merged += o.merged
	sp.correct += o.correct
	sp.reachable += o.reachable
	sp.split += o.split
}

func (sp *streamPoint) finish() {
	sp.precision = ratio(sp.correct, sp.merged)
	sp.clean = ratio(sp.correct, sp.merged-sp.split)
	sp.recall = ratio(sp.correct, sp.reachable)
}

// uciBlocks cuts the rows (in time order) into blocks of three days and
// deals them to the halves: blocks 0, 5, 10, ... tune, blocks 2, 7, 12, ...
// are held out, and the rest is left unused so the sweep stays short. Six
// days apart, no story of one block is in the window of another.
func uciBlocks(rows []uciRow) (tuning, heldOut [][]uciRow) {
	if len(rows) == 0 {
		return nil, nil
	}
	start := rows[0].at
	cur, curB := []uciRow(nil), -1
	flush := func() {
		switch {
		case len(cur) == 0:
		case curB%5 == 0:
			tuning = append(tuning, cur)
		case curB%5 == 2:
			heldOut = append(heldOut, cur)
		}
		cur = nil
	}
	for _, r := range rows {
		b := int(r.at.Sub(start) / (72 * time.Hour))
		if b != curB {
			flush()
			curB = b
		}
		cur = append(cur, r)
	}
	flush()
	return tuning, heldOut
}

// TestPublishedClusters measures the decision on a published data set of
// headlines grouped into stories. Its text is not in the repository: set
// NEWSHOUND_STORIES_UCI to a copy of the UCI News Aggregator CSV (or a
// slice of it with the same columns). The rows are cut into a tuning half
// and a held-out half (uciBlocks); BENCHMARKS.md has the results.
// NEWSHOUND_STORIES_ERRORS=1 lists the wrong joins of the tuning half.
func TestPublishedClusters(t *testing.T) {
	path := os.Getenv("NEWSHOUND_STORIES_UCI")
	if path == "" {
		t.Skip("NEWSHOUND_STORIES_UCI not set")
	}
	rows := loadUCI(t, path)
	tuning, heldOut := uciBlocks(rows)
	canon := registryCanon(t)
	var ths []float64
	for _, th := range thresholds() {
		if th >= 0.30 && (int(math.Round(th*100))%4 == 0 || th == DefaultThreshold) {
			ths = append(ths, th)
		}
	}
	// NEWSHOUND_STORIES_QUICK=1 measures the default threshold alone.
	if os.Getenv("NEWSHOUND_STORIES_QUICK") != "" {
		ths = []float64{DefaultThreshold}
	}
	// NEWSHOUND_STORIES_HALF=tuning|held-out measures one half alone.
	only := os.Getenv("NEWSHOUND_STORIES_HALF")
	for _, half := range []struct {
		name   string
		blocks [][]uciRow
	}{{"tuning", tuning}, {"held-out", heldOut}} {
		if len(half.blocks) == 0 || (only != "" && only != half.name) {
			continue
		}
		n, labels := 0, map[string]bool{}
		for _, b := range half.blocks {
			n += len(b)
			for _, r := range b {
				labels[r.story] = true
			}
		}
		t.Logf("%s: %d blocks, %d headlines, %d labelled stories", half.name, len(half.blocks), n, len(labels))
		points := make([]streamPoint, len(ths))
		var wg sync.WaitGroup
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		for i, th := range ths {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				sp := streamPoint{threshold: th}
				for _, b := range half.blocks {
					sp.add(runStream(b, Options{Threshold: th, Canon: canon}, nil, nil))
				}
				sp.finish()
				points[i] = sp
			}()
		}
		wg.Wait()
		for _, sp := range points {
			t.Logf("%s threshold %.2f: precision %.3f (%.3f without split labels) recall %.3f (merged %d, right %d, split %d, reachable %d)", half.name, sp.threshold, sp.precision, sp.clean, sp.recall, sp.merged, sp.correct, sp.split, sp.reachable)
			if sp.threshold == DefaultThreshold && sp.clean < uciPrecisionFloor {
				t.Errorf("%s: precision %.3f < %.2f at the default threshold", half.name, sp.clean, uciPrecisionFloor)
			}
		}
		// NEWSHOUND_STORIES_JOINS=DIR writes every join of the half at the
		// default threshold to DIR/joins-HALF.tsv (label right or not, the
		// item's and its story's first headline), so that two versions of
		// the code can be compared join by join: the joins a change adds
		// are the sample for an audit by hand.
		if dir := os.Getenv("NEWSHOUND_STORIES_JOINS"); dir != "" {
			var b strings.Builder
			for _, blk := range half.blocks {
				runStream(blk, Options{Canon: canon}, nil, func(score float64, r, f uciRow) {
					fmt.Fprintf(&b, "%v\t%s\t%s\n", r.story == f.story, r.title, f.title)
				})
			}
			if err := os.WriteFile(dir+"/joins-"+half.name+".tsv", []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// NEWSHOUND_STORIES_ERRORS=tuning lists the wrong joins of the
		// tuning half; =held-out:N lists every Nth wrong join of the
		// held-out half, a sample for an audit by hand.
		if errs := os.Getenv("NEWSHOUND_STORIES_ERRORS"); testing.Verbose() && errs != "" {
			name, nth := errs, 1
			if a, b, ok := strings.Cut(errs, ":"); ok {
				name = a
				if k, err := strconv.Atoi(b); err == nil && k > 0 {
					nth = k
				}
			}
			if name == half.name {
				i := 0
				for _, b := range half.blocks {
					runStream(b, Options{Canon: canon}, func(score float64, r, f uciRow) {
						if i++; i%nth == 0 {
							t.Logf("wrong join %.3f: %q -> %q", score, r.title, f.title)
						}
					}, nil)
				}
			}
		}
	}
}

// uciPrecisionFloor is the label precision, split labels aside, that each
// half of the UCI data must keep at DefaultThreshold: a little under the
// measured 0.921 and 0.894 (third pass). The labels split one event into several
// stories so often that this is a floor of the true precision, not an
// estimate of it (BENCHMARKS.md has an audit of the wrong joins).
const uciPrecisionFloor = 0.88

// sameWords is a headline's words, folded, in order: two headlines with
// the same sameWords differ only in case and punctuation.
func sameWords(title string) string {
	var ws []string
	for _, w := range splitWords(title, 0) {
		ws = append(ws, fold(w.text))
	}
	return strings.Join(ws, " ")
}
