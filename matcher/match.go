package matcher

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// textGap separates the word positions of two texts (title, summary, each
// category...) so that phrases and NEAR never span them.
const textGap = 1000

// dtext is one text of a document.
type dtext struct {
	s     string
	field int // fieldTitle, fieldSummary, fieldContent or fieldCategory
}

// dtok is one word of a document.
type dtok struct {
	ns, ne int32 // folded normal form in state.arena
	pos    int32 // word position (with textGap between texts)
	text   int32 // index into state.texts
	s, e   int32 // byte span in the text
}

// occurrence is a pattern found in the document.
type occurrence struct {
	tok  int32 // first word
	n    int32 // number of words
	next int32 // next occurrence of the same pattern + 1, 0 at the end
}

// state is the per-call scratch space of Match, pooled.
type state struct {
	arena, scratch, scratch2 []byte
	texts                    []dtext
	toks                     []dtok
	occ                      []occurrence
	head, tail               []int32 // per pattern: first / last occurrence + 1
	touched                  []int32
	stamp                    []uint32 // per watch: gen when made a candidate
	memoGen                  []uint32 // per watch: gen when its query was evaluated
	memoHit                  []int32  // per watch: index of its hit, -1 if it did not fire
	gen                      uint32
	cands                    []int32
	marks                    []mark
	hits                     []Hit
	terms                    []Term
	spanBuf                  []span
	feedDone                 bool
	feedToks                 []string
}

func (c *Compiled) newState() *state {
	return &state{
		head:    make([]int32, len(c.pats)),
		tail:    make([]int32, len(c.pats)),
		stamp:   make([]uint32, len(c.watches)),
		memoGen: make([]uint32, len(c.watches)),
		memoHit: make([]int32, len(c.watches)),
	}
}

// Match returns the watches that fire on d, in watch order, each with the
// terms that matched and a snippet. It is safe for concurrent use.
func (c *Compiled) Match(d Doc) []Hit {
	if len(c.watches) == 0 {
		return nil
	}
	st := c.pool.Get().(*state)
	defer c.release(st)
	st.gen++
	if st.gen == 0 {
		clear(st.stamp)
		clear(st.memoGen)
		st.gen = 1
	}
	c.scan(st, d)
	st.cands = append(st.cands, c.always...)
	slices.Sort(st.cands)
	hits := st.hits[:0]
	defer func() { clear(hits); st.hits = hits[:0] }()
	for i, wi := range st.cands {
		if i > 0 && st.cands[i-1] == wi {
			continue
		}
		w := &c.watches[wi]
		if len(w.tags) > 0 && !sharesTag(w.tags, d.FeedTags) {
			continue
		}
		if st.memoGen[w.canon] == st.gen {
			// Same query as a watch already evaluated on this document.
			if r := st.memoHit[w.canon]; r >= 0 {
				h := hits[r]
				h.Watch, h.Index, h.Terms = w.name, w.index, slices.Clone(h.Terms)
				hits = append(hits, h)
			}
			continue
		}
		st.memoGen[w.canon], st.memoHit[w.canon] = st.gen, -1
		if !c.eval(st, w.root, d) {
			continue
		}
		st.memoHit[w.canon] = int32(len(hits))
		hits = append(hits, c.explain(st, w, d))
	}
	if len(hits) == 0 {
		return nil
	}
	return slices.Clone(hits)
}

// release resets st and returns it to the pool.
func (c *Compiled) release(st *state) {
	for _, p := range st.touched {
		st.head[p], st.tail[p] = 0, 0
	}
	clear(st.texts)
	st.touched, st.occ, st.toks, st.texts, st.cands = st.touched[:0], st.occ[:0], st.toks[:0], st.texts[:0], st.cands[:0]
	st.arena = st.arena[:0]
	st.feedDone, st.feedToks = false, st.feedToks[:0]
	c.pool.Put(st)
}

// sharesTag reports whether the two tag lists have one in common.
func sharesTag(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if strings.EqualFold(x, strings.TrimSpace(y)) {
				return true
			}
		}
	}
	return false
}

// scan splits the document into words and records every pattern found.
func (c *Compiled) scan(st *state, d Doc) {
	c.tokenize(st, d)
	c.find(st)
}

// tokenize fills st.texts and st.toks from d.
func (c *Compiled) tokenize(st *state, d Doc) {
	st.texts = append(st.texts, dtext{d.Title, fieldTitle}, dtext{d.Summary, fieldSummary}, dtext{d.Content, fieldContent})
	for _, cat := range d.Categories {
		st.texts = append(st.texts, dtext{cat, fieldCategory})
	}
	pos := int32(0)
	for ti, t := range st.texts {
		pos += textGap
		for i := 0; ; {
			s, e, next := nextWord(t.s, i)
			if s < 0 {
				break
			}
			i = next
			ns := int32(len(st.arena))
			st.arena, st.scratch = appendNorm(st.arena, st.scratch, t.s[s:e], true)
			st.toks = append(st.toks, dtok{ns: ns, ne: int32(len(st.arena)), pos: pos, text: int32(ti), s: int32(s), e: int32(e)})
			pos++
		}
	}
}

// find records every pattern occurring in the tokenized document.
func (c *Compiled) find(st *state) {
	for i := range st.toks {
		w := st.arena[st.toks[i].ns:st.toks[i].ne]
		h := uint32(fnvOffset)
		pl := 0 // next prefix length to test
		for j, b := range w {
			h = (h ^ uint32(b)) * fnvPrime
			if pl < len(c.prefixLens) && j+1 == c.prefixLens[pl] {
				pl++
				if c.prefixBits[h>>6%filterWords]&(1<<(h&63)) != 0 && (j+1 == len(w) || utf8.RuneStart(w[j+1])) {
					for _, p := range c.prefixes[string(w[:j+1])] {
						c.try(st, p, i)
					}
				}
			}
		}
		if c.firstBits[h>>6%filterWords]&(1<<(h&63)) != 0 {
			for _, p := range c.first[string(w)] {
				c.try(st, p, i)
			}
		}
	}
}

// try checks whether pattern p occurs at word i and records it.
func (c *Compiled) try(st *state, p int32, i int) {
	pat := &c.pats[p]
	n := len(pat.toks)
	if i+n > len(st.toks) {
		return
	}
	base := st.toks[i].pos
	for k := 1; k < n; k++ {
		t := &st.toks[i+k]
		if t.pos != base+int32(k) {
			return
		}
		w := st.arena[t.ns:t.ne]
		if k == n-1 && pat.prefix {
			if !strings.HasPrefix(string(w), pat.toks[k]) {
				return
			}
		} else if !pat.wordOK(k, string(w)) {
			return
		}
	}
	if pat.cased != nil && !c.casedEqual(st, pat.cased, i) && (pat.upper == nil || !c.casedEqual(st, pat.upper, i)) {
		return
	}
	if pat.capital != 0 && !c.capitalsOK(st, pat.capital, i, n) {
		return
	}
	for _, ng := range pat.negs {
		if c.phraseAt(st, ng.toks, i+ng.at) {
			return
		}
	}
	o := int32(len(st.occ)) + 1
	st.occ = append(st.occ, occurrence{tok: int32(i), n: int32(n)})
	if st.head[p] == 0 {
		st.head[p] = o
		st.touched = append(st.touched, p)
		for _, w := range c.trig[p] {
			if st.stamp[w] != st.gen {
				st.stamp[w] = st.gen
				st.cands = append(st.cands, w)
			}
		}
	} else {
		st.occ[st.tail[p]-1].next = o
	}
	st.tail[p] = o
}

// capitalsOK reports whether each word k < n from i on whose bit is set
// in mask begins with an upper-case letter.
func (c *Compiled) capitalsOK(st *state, mask uint64, i, n int) bool {
	for k := 0; k < n && k < 64; k++ {
		if mask&(1<<k) == 0 {
			continue
		}
		t := st.toks[i+k]
		r, _ := utf8.DecodeRuneInString(st.texts[t.text].s[t.s:t.e])
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// phraseAt reports whether the folded words toks occur in a row at word i.
func (c *Compiled) phraseAt(st *state, toks []string, i int) bool {
	if i < 0 || i+len(toks) > len(st.toks) {
		return false
	}
	base := st.toks[i].pos
	for k, w := range toks {
		t := &st.toks[i+k]
		if t.pos != base+int32(k) || string(st.arena[t.ns:t.ne]) != w {
			return false
		}
	}
	return true
}

// casedEqual compares the case-preserving forms of the words from i on with want.
func (c *Compiled) casedEqual(st *state, want []string, i int) bool {
	for k, w := range want {
		t := st.toks[i+k]
		src := st.texts[t.text].s[t.s:t.e]
		st.scratch2, st.scratch = appendNorm(st.scratch2[:0], st.scratch, src, false)
		if string(st.scratch2) != w {
			return false
		}
	}
	return true
}

// eval evaluates n on the scanned document.
func (c *Compiled) eval(st *state, n *node, d Doc) bool {
	switch n.kind {
	case nodeAnd:
		for _, k := range n.kids {
			if !c.eval(st, k, d) {
				return false
			}
		}
		return true
	case nodeOr:
		for _, k := range n.kids {
			if c.eval(st, k, d) {
				return true
			}
		}
		return false
	case nodeNot:
		return !c.eval(st, n.kids[0], d)
	case nodeNear:
		return len(c.spans(st, n, nil)) > 0
	case nodeTerm, nodeActor:
		if n.leaf.scope == fieldDefault {
			// Every occurrence is in a default field.
			for _, p := range n.leaf.pats {
				if st.head[p] != 0 {
					return true
				}
			}
			return false
		}
		for _, p := range n.leaf.pats {
			for o := st.head[p]; o != 0; o = st.occ[o-1].next {
				if st.texts[st.toks[st.occ[o-1].tok].text].field&n.leaf.scope != 0 {
					return true
				}
			}
		}
		return false
	case nodeFeed:
		return c.feedMatch(st, n.leaf, d)
	case nodeRegex:
		for _, t := range st.texts {
			if t.field&n.leaf.scope != 0 && n.leaf.re.MatchString(t.s) {
				return true
			}
		}
		return false
	}
	return false
}

// maxSpans bounds the spans a NEAR collects, so that hostile queries
// cannot make matching quadratic.
const maxSpans = 4096

// span is a run of words [from, to] matched by a term or a NEAR.
type span struct {
	from, to int32 // word positions
	tok      int32 // first word (for the text it is in)
	last     int32 // last word
}

// spans appends the spans where n (a term, actor, OR or NEAR) matches.
func (c *Compiled) spans(st *state, n *node, out []span) []span {
	switch n.kind {
	case nodeTerm, nodeActor:
		for _, p := range n.leaf.pats {
			for o := st.head[p]; o != 0; o = st.occ[o-1].next {
				oc := st.occ[o-1]
				t := st.toks[oc.tok]
				if st.texts[t.text].field&n.leaf.scope == 0 {
					continue
				}
				out = append(out, span{from: t.pos, to: t.pos + oc.n - 1, tok: oc.tok, last: oc.tok + oc.n - 1})
			}
		}
	case nodeOr:
		for _, k := range n.kids {
			out = c.spans(st, k, out)
		}
	case nodeNear:
		left := c.spans(st, n.kids[0], nil)
		if len(left) == 0 {
			return out
		}
		right := c.spans(st, n.kids[1], nil)
		if len(right) == 0 {
			return out
		}
		slices.SortFunc(right, func(a, b span) int { return int(a.from - b.from) })
		maxLen := int32(0)
		for _, b := range right {
			maxLen = max(maxLen, b.to-b.from)
		}
		d := int32(n.near)
		for _, a := range left {
			// Candidates start no earlier than a.from-d-1-maxLen and no later than a.to+d+1.
			lo := a.from - d - 1 - maxLen
			i, _ := slices.BinarySearchFunc(right, lo, func(b span, x int32) int { return int(b.from - x) })
			for ; i < len(right) && right[i].from <= a.to+d+1; i++ {
				b := right[i]
				var gap int32
				switch {
				case a.to < b.from:
					gap = b.from - a.to - 1
				case b.to < a.from:
					gap = a.from - b.to - 1
				default:
					continue // overlapping: the same words
				}
				if gap <= d {
					out = append(out, span{from: min(a.from, b.from), to: max(a.to, b.to), tok: min(a.tok, b.tok), last: max(a.last, b.last)})
					if len(out) >= maxSpans {
						return out
					}
				}
			}
		}
	}
	return out
}

// feedMatch reports whether the feed name contains the leaf's words.
func (c *Compiled) feedMatch(st *state, l *leaf, d Doc) bool {
	if !st.feedDone {
		st.feedDone = true
		st.feedToks, _ = normWords(d.Feed)
	}
	p := l.feed
	n := len(p.toks)
	for i := 0; i+n <= len(st.feedToks); i++ {
		ok := true
		for k := 0; k < n && ok; k++ {
			w := st.feedToks[i+k]
			if k == n-1 && p.prefix {
				ok = strings.HasPrefix(w, p.toks[k])
			} else {
				ok = w == p.toks[k]
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// mark is a byte span of a text to highlight.
type mark struct {
	text int32
	s, e int32
}

// explain builds the Hit for a watch that fired.
func (c *Compiled) explain(st *state, w *cwatch, d Doc) Hit {
	st.terms, st.marks = st.terms[:0], st.marks[:0]
	c.collect(st, w.root, d, true)
	h := Hit{Watch: w.name, Index: w.index, Terms: slices.Clone(st.terms)}
	h.Snippet = snippet(st.texts, st.marks)
	clear(st.terms)
	return h
}

// collect gathers into st.terms (and, with marks, st.marks) what matched
// under n, leaving out what is under NOT. A NEAR marks the runs of words
// where its sides are close, not every occurrence of each side.
func (c *Compiled) collect(st *state, n *node, d Doc, marks bool) {
	switch n.kind {
	case nodeNot:
		return
	case nodeAnd, nodeOr:
		for _, k := range n.kids {
			c.collect(st, k, d, marks)
		}
	case nodeNear:
		if marks {
			near := c.spans(st, n, nil)
			slices.SortFunc(near, func(a, b span) int { return int(a.from - b.from) })
			maxTo := make([]int32, len(near))
			for i, sp := range near {
				maxTo[i] = sp.to
				if i > 0 && maxTo[i-1] > sp.to {
					maxTo[i] = maxTo[i-1]
				}
			}
			c.markInside(st, n, near, maxTo)
		}
		for _, k := range n.kids {
			c.collect(st, k, d, false)
		}
	case nodeTerm, nodeActor:
		// The term is reported as seen where the snippet is taken from
		// (the body before the title, see snippetRank): an alert whose
		// snippet marks «Cozy Bear» must not say only "APT29" because the
		// title spelled it that way.
		var best mark
		st.spanBuf = c.spans(st, n, st.spanBuf[:0])
		for i, sp := range st.spanBuf {
			ft, lt := st.toks[sp.tok], st.toks[sp.last]
			m := mark{text: ft.text, s: ft.s, e: lt.e}
			if marks {
				st.marks = append(st.marks, m)
			}
			if i == 0 || seenBefore(st.texts, m, best) {
				best = m
			}
		}
		if best.e > best.s {
			seen := st.texts[best.text].s[best.s:best.e]
			st.terms = addTerm(st.terms, Term{Text: n.leaf.text, Entity: n.leaf.entity, Seen: seen})
		}
	case nodeFeed:
		if c.feedMatch(st, n.leaf, d) {
			st.terms = addTerm(st.terms, Term{Text: n.leaf.text, Seen: d.Feed})
		}
	case nodeRegex:
		first := true
		for ti, t := range st.texts {
			if t.field&n.leaf.scope == 0 {
				continue
			}
			for _, loc := range n.leaf.re.FindAllStringIndex(t.s, 20) {
				if loc[0] == loc[1] {
					continue
				}
				st.marks = append(st.marks, mark{text: int32(ti), s: int32(loc[0]), e: int32(loc[1])})
				if first {
					first = false
					st.terms = addTerm(st.terms, Term{Text: n.leaf.text, Seen: t.s[loc[0]:loc[1]]})
				}
			}
		}
	}
}

// markInside marks the occurrences of the terms under n (a NEAR or OR of
// terms) that lie inside one of the spans near (sorted by start; maxTo[i] is
// the largest end among near[:i+1]).
func (c *Compiled) markInside(st *state, n *node, near []span, maxTo []int32) {
	switch n.kind {
	case nodeOr, nodeNear:
		for _, k := range n.kids {
			c.markInside(st, k, near, maxTo)
		}
	case nodeTerm, nodeActor:
		for _, sp := range c.spans(st, n, nil) {
			// The last near span starting at or before sp.from.
			i, found := slices.BinarySearchFunc(near, sp.from, func(a span, x int32) int { return int(a.from - x) })
			if !found {
				i--
			} else {
				for i+1 < len(near) && near[i+1].from == sp.from {
					i++
				}
			}
			if i >= 0 && maxTo[i] >= sp.to {
				ft, lt := st.toks[sp.tok], st.toks[sp.last]
				st.marks = append(st.marks, mark{text: ft.text, s: ft.s, e: lt.e})
			}
		}
	}
}

// addTerm appends t unless an equal term is already listed.
func addTerm(ts []Term, t Term) []Term {
	for _, x := range ts {
		if x == t {
			return ts
		}
	}
	return append(ts, t)
}

// seenBefore reports whether mark a should name a term rather than b: the
// one in the field a snippet prefers, then the earlier.
func seenBefore(texts []dtext, a, b mark) bool {
	ra, rb := snippetRank(texts[a.text].field), snippetRank(texts[b.text].field)
	if ra != rb {
		return ra < rb
	}
	return a.text < b.text || a.text == b.text && a.s < b.s
}

// markBefore orders marks by text, start, and longer first.
func markBefore(a, b mark) bool {
	if a.text != b.text {
		return a.text < b.text
	}
	if a.s != b.s {
		return a.s < b.s
	}
	return a.e > b.e
}

// snippetRunes is the target length of a snippet.
const snippetRunes = 200

// snippetRank orders the fields a snippet is taken from: the story's body
// first (an alert shows the title anyway), then the title, then categories.
func snippetRank(field int) int {
	switch field {
	case fieldSummary:
		return 0
	case fieldContent:
		return 1
	case fieldTitle:
		return 2
	}
	return 3
}

// snippet cuts about snippetRunes runes around the first mark (in the
// summary, else the content, else the title, else a category), with every
// mark inside wrapped in « and ».
func snippet(texts []dtext, marks []mark) string {
	if len(marks) == 0 {
		return ""
	}
	first := marks[0]
	for _, m := range marks[1:] {
		rm, rf := snippetRank(texts[m.text].field), snippetRank(texts[first.text].field)
		if rm < rf || rm == rf && markBefore(m, first) {
			first = m
		}
	}
	t := texts[first.text].s
	// Start up to 60 runes before the hit, at a word start.
	start := int(first.s)
	for back := 0; start > 0 && back < 60; back++ {
		start--
		for start > 0 && !utf8.RuneStart(t[start]) {
			start--
		}
	}
	if start > 0 {
		if i := strings.IndexFunc(t[start:first.s], unicode.IsSpace); i >= 0 {
			start += i + 1
		}
	}
	end := start
	for n := 0; end < len(t) && (n < snippetRunes || end < int(first.e)); n++ {
		end++
		for end < len(t) && !utf8.RuneStart(t[end]) {
			end++
		}
	}
	if end < len(t) {
		if i := strings.LastIndexFunc(t[int(first.e):end], unicode.IsSpace); i >= 0 {
			end = int(first.e) + i
		}
	}
	// Keep the marks inside the window, in order (a text can hold many).
	in := marks[:0]
	for _, m := range marks {
		if m.text == first.text && int(m.s) >= start && int(m.e) <= end {
			in = append(in, m)
		}
	}
	slices.SortFunc(in, func(a, b mark) int {
		if markBefore(a, b) {
			return -1
		}
		if markBefore(b, a) {
			return 1
		}
		return 0
	})
	marks = in
	var b strings.Builder
	b.Grow(end - start + 16)
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, m := range marks {
		if int(m.s) < at {
			continue // overlaps the previous mark
		}
		writeCollapsed(&b, t[at:m.s])
		b.WriteString("«")
		writeCollapsed(&b, t[m.s:m.e])
		b.WriteString("»")
		at = int(m.e)
	}
	writeCollapsed(&b, t[at:end])
	if end < len(t) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// markQuotes turns the text's own « and » (Russian and French quotation
// marks) into “ and ”, so that only hits are wrapped in « and » and a
// platform that renders the markers as bold does not bold quotations.
var markQuotes = strings.NewReplacer("«", "“", "»", "”")

// writeCollapsed writes s with each run of ASCII white space as one space
// (other spaces, such as no-break spaces, are kept as they are).
func writeCollapsed(b *strings.Builder, s string) {
	if strings.ContainsAny(s, "«»") {
		s = markQuotes.Replace(s)
	}
	if strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\t') < 0 && strings.IndexByte(s, '\r') < 0 &&
		strings.IndexByte(s, '\v') < 0 && strings.IndexByte(s, '\f') < 0 && !strings.Contains(s, "  ") {
		b.WriteString(s)
		return
	}
	from, space := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		isSpace := c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
		switch {
		case isSpace && !space:
			b.WriteString(s[from:i])
			b.WriteByte(' ')
			space = true
		case !isSpace && space:
			from = i
			space = false
		}
	}
	if !space {
		b.WriteString(s[from:])
	}
}
