package matcher

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// CompileOptions tune what queries may use.
type CompileOptions struct {
	// AllowRegex permits /regex/ terms (RE2). Off for chat users unless an
	// admin allows it.
	AllowRegex bool
}

// WatchError is the problem with one watch.
type WatchError struct {
	Index int    // position of the watch in the list given to Compile
	Name  string // the watch's name
	Err   error  // usually a *SyntaxError
}

// Error renders the problem with the watch's name.
func (e *WatchError) Error() string {
	return fmt.Sprintf("watch %q: %v", e.Name, e.Err)
}

// Unwrap returns the underlying error.
func (e *WatchError) Unwrap() error { return e.Err }

// CompileErrors lists every watch that failed to compile.
type CompileErrors struct {
	Errors []*WatchError
}

// Error joins the problems, one per watch.
func (e *CompileErrors) Error() string {
	parts := make([]string, len(e.Errors))
	for i, w := range e.Errors {
		parts[i] = w.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the individual errors.
func (e *CompileErrors) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, w := range e.Errors {
		out[i] = w
	}
	return out
}

// pattern is a sequence of normalised words to find in a text.
type pattern struct {
	toks   []string // folded normal forms
	prefix bool     // the last word is a prefix
	// cased, when set, holds the case-preserving normal forms the text must
	// also equal (case-sensitive aliases); upper is their all-caps variant,
	// also accepted for aliases of several words.
	cased []string
	upper []string
	// forms, when set, holds for each word the other folded forms it may
	// take in the text (inflections and plurals; nil: only toks[k]).
	forms [][]string
	// capital has bit k set when word k must begin with a capital letter
	// in the text (proper names: "Turkey", "Cobalt" next to "group").
	capital uint64
	// negs are phrases that, found overlapping the match, veto it.
	negs []negPhrase
}

// negPhrase is a vetoing collocation, placed relative to a pattern: it
// starts at word at (relative to the pattern's first word, may be < 0).
type negPhrase struct {
	at   int
	toks []string
}

// wordOK reports whether folded text word w is word k of p.
func (p *pattern) wordOK(k int, w string) bool {
	if w == p.toks[k] {
		return true
	}
	if k < len(p.forms) {
		for _, f := range p.forms[k] {
			if w == f {
				return true
			}
		}
	}
	return false
}

// leaf is a compiled query term.
type leaf struct {
	kind   int // nodeTerm, nodeActor, nodeFeed or nodeRegex
	text   string
	entity string
	scope  int
	pats   []int32
	feed   pattern
	re     *regexp.Regexp
}

// cwatch is a compiled watch.
type cwatch struct {
	name   string
	index  int
	tags   []string
	root   *node
	always bool  // evaluated on every document (no term is required)
	canon  int32 // the first watch with the same query (itself if none)
}

// Compiled is a compiled watchlist. It is immutable and safe for concurrent use.
type Compiled struct {
	watches    []cwatch
	pats       []pattern
	first      map[string][]int32 // first word -> patterns starting with it
	prefixes   map[string][]int32 // prefix -> one-word prefix patterns
	prefixLens []int              // distinct byte lengths of prefixes, ascending
	trig       [][]int32          // pattern -> watches it may trigger
	// firstBits and prefixBits are bitsets over wordHash of the keys of
	// first and prefixes: most words of a text are in neither, and the
	// bitsets (16 KiB) say so without touching the maps.
	firstBits, prefixBits *[filterWords]uint64
	always                []int32 // watches to evaluate on every document
	pool                  sync.Pool
}

// builder assembles patterns shared by all watches of one compilation.
type builder struct {
	reg    *Registry
	opts   CompileOptions
	pats   []pattern
	byKey  map[string]int32
	actors map[int][]int32 // entity index -> its alias patterns
}

func newBuilder(reg *Registry, opts CompileOptions) *builder {
	if reg == nil {
		reg = NewRegistry()
	}
	return &builder{reg: reg, opts: opts, byKey: map[string]int32{}, actors: map[int][]int32{}}
}

// intern returns the id of pattern p, adding it if new.
func (b *builder) intern(p pattern) int32 {
	var k strings.Builder
	k.WriteString(strings.Join(p.toks, "\x00"))
	if p.prefix {
		k.WriteString("\x01")
	}
	if p.cased != nil {
		k.WriteString("\x02" + strings.Join(p.cased, "\x00"))
	}
	if p.upper != nil {
		k.WriteString("\x03")
	}
	for i, f := range p.forms {
		fmt.Fprintf(&k, "\x04%d:%s", i, strings.Join(f, "\x00"))
	}
	if p.capital != 0 {
		fmt.Fprintf(&k, "\x05%d", p.capital)
	}
	for _, n := range p.negs {
		fmt.Fprintf(&k, "\x06%d:%s", n.at, strings.Join(n.toks, "\x00"))
	}
	key := k.String()
	if id, ok := b.byKey[key]; ok {
		return id
	}
	id := int32(len(b.pats))
	b.pats = append(b.pats, p)
	b.byKey[key] = id
	return id
}

// maxDepth bounds the nesting of queries.
const maxDepth = 64

// maxQueryRunes bounds the length of a query.
const maxQueryRunes = 10000

// compileQuery parses q and resolves its terms into patterns.
func (b *builder) compileQuery(q string) (*node, error) {
	if n := utf8.RuneCountInString(q); n > maxQueryRunes {
		return nil, &SyntaxError{Pos: maxQueryRunes, Msg: fmt.Sprintf("query too long (%d characters, at most %d)", n, maxQueryRunes)}
	}
	root, err := parseQuery(q)
	if err != nil {
		return nil, err
	}
	if err := b.resolve(root, 0); err != nil {
		return nil, err
	}
	return root, nil
}

// resolve compiles the leaves under n.
func (b *builder) resolve(n *node, depth int) error {
	if depth > maxDepth {
		return &SyntaxError{Pos: n.pos, Msg: "query nested too deeply"}
	}
	switch n.kind {
	case nodeAnd, nodeOr, nodeNot, nodeNear:
		for _, k := range n.kids {
			if err := b.resolve(k, depth+1); err != nil {
				return err
			}
		}
		return nil
	case nodeTerm:
		p, err := termPattern(n.text, n.pos, n.quote)
		if err != nil {
			return err
		}
		text := n.text
		if n.quote {
			text = `"` + text + `"`
		}
		switch n.scope {
		case fieldTitle:
			text = "title:" + text
		case fieldCategory:
			text = "category:" + text
		}
		n.leaf = &leaf{kind: nodeTerm, text: text, scope: n.scope, pats: []int32{b.intern(p)}}
		return nil
	case nodeActor:
		text := n.text
		if n.quote {
			text = `"` + text + `"`
		}
		if n.place {
			pl, ok := lookupPlace(n.text)
			if !ok {
				return &SyntaxError{Pos: n.pos, Msg: fmt.Sprintf("unknown place %q", n.text)}
			}
			n.leaf = &leaf{kind: nodeActor, text: "place:" + text, entity: pl.name, scope: n.scope, pats: b.placePatterns(pl)}
			return nil
		}
		name, family := n.text, false
		if !n.quote && len(name) > 1 && strings.HasSuffix(name, "+") {
			name, family = strings.TrimSuffix(name, "+"), true
		}
		idx, ok := b.reg.byKey[NormalizeName(name)]
		if !ok {
			return &SyntaxError{Pos: n.pos, Msg: fmt.Sprintf("unknown actor %q", name)}
		}
		pats := b.actorPatterns(idx)
		if family {
			pats = slices.Clone(pats)
			for _, m := range b.reg.family(idx)[1:] {
				pats = append(pats, b.actorPatterns(m)...)
			}
		}
		n.leaf = &leaf{kind: nodeActor, text: "actor:" + text, entity: b.reg.entities[idx].name, scope: n.scope, pats: pats}
		return nil
	case nodeFeed:
		p, err := termPattern(n.text, n.pos, n.quote)
		if err != nil {
			return err
		}
		n.leaf = &leaf{kind: nodeFeed, text: "feed:" + n.text, feed: p}
		return nil
	case nodeRegex:
		if !b.opts.AllowRegex {
			return &SyntaxError{Pos: n.pos, Msg: "regular expressions are not allowed here"}
		}
		re, err := regexp.Compile(n.text)
		if err != nil {
			return &SyntaxError{Pos: n.pos, Msg: "bad regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")}
		}
		n.leaf = &leaf{kind: nodeRegex, text: "/" + n.text + "/", scope: n.scope, re: re}
		return nil
	}
	return &SyntaxError{Pos: n.pos, Msg: "internal error: unknown node"}
}

// groupWordsAfter and groupWordsBefore are the words that mark an
// everyday-word alias as the group: "the Dukes group", "Barium hackers",
// "Hive ransomware", "the threat actor Barium".
var (
	groupWordsAfter = [][]string{{"group"}, {"gang"}, {"apt"}, {"hackers"}, {"hacker"}, {"crew"}, {"team"},
		{"actor"}, {"actors"}, {"threat", "actor"}, {"threat", "actors"}, {"threat", "group"}, {"ransomware"},
		{"operators"}, {"cyberespionage"}, {"espionage", "group"}, {"hacking"}, {"apt", "group"}}
	groupWordsBefore = [][]string{{"group"}, {"gang"}, {"apt"}, {"actor"}, {"hackers"}, {"crew"}}
)

// actorPatterns returns the patterns of every alias of entity idx, built
// once per compilation.
func (b *builder) actorPatterns(idx int) []int32 {
	if pats, ok := b.actors[idx]; ok {
		return pats
	}
	e := b.reg.entities[idx]
	var pats []int32
	add := func(p pattern) {
		p.negs = negsFor(p.toks, e.negs)
		pats = append(pats, b.intern(p))
	}
	for _, a := range e.aliases {
		folded, cased := normWords(a.text)
		if len(folded) == 0 {
			continue
		}
		if !a.contextOnly {
			p := pattern{toks: folded}
			if a.caseSensitive {
				p.cased = cased
				if len(cased) > 1 {
					p.upper = make([]string, len(cased))
					for i, c := range cased {
						p.upper[i] = strings.ToUpper(c)
					}
				}
			}
			add(p)
		}
		// An everyday word also names the group next to a group word,
		// written as a name (capital first): "Cobalt group", "Barium
		// hackers", "Dukes gang".
		if a.contextOnly || a.caseSensitive && len(folded) == 1 {
			for _, g := range groupWordsAfter {
				add(pattern{toks: append(slices.Clip(folded), g...), capital: 1})
			}
			for _, g := range groupWordsBefore {
				add(pattern{toks: append(slices.Clone(g), folded...), capital: 1 << len(g)})
			}
		}
	}
	b.actors[idx] = pats
	return pats
}

// negsFor places every vetoing phrase that can overlap pattern toks: each
// shift at which the words they share agree.
func negsFor(toks []string, negs [][]string) []negPhrase {
	var out []negPhrase
	for _, n := range negs {
		for at := -(len(n) - 1); at < len(toks); at++ {
			ok, shared := true, false
			for j := range toks {
				if k := j - at; k >= 0 && k < len(n) {
					shared = true
					ok = ok && n[k] == toks[j]
				}
			}
			if ok && shared {
				out = append(out, negPhrase{at: at, toks: n})
			}
		}
	}
	return out
}

// termPattern turns a word or phrase as written into a pattern. A trailing
// '*' makes the last word a prefix; a quoted "=word" is that exact form
// only, else words also match their inflected forms (see wordForms).
func termPattern(text string, pos int, quoted bool) (pattern, error) {
	prefix := false
	body := text
	exact := false
	if quoted && strings.HasPrefix(body, "=") {
		exact, body = true, body[1:]
	}
	if strings.HasSuffix(body, "*") {
		prefix = true
		body = strings.TrimSuffix(body, "*")
		if body == "" || strings.HasSuffix(body, "*") {
			return pattern{}, &SyntaxError{Pos: pos, Msg: "a prefix needs letters or digits before *"}
		}
		r, _ := utf8.DecodeLastRuneInString(body)
		if c := runeClass(r); c != clsLetter && c != clsDigit && c != clsIdeo && c != clsMark {
			return pattern{}, &SyntaxError{Pos: pos, Msg: "a prefix needs letters or digits before *"}
		}
	}
	if !quoted && strings.Contains(body, "*") {
		return pattern{}, &SyntaxError{Pos: pos + utf8.RuneCountInString(text[:strings.Index(text, "*")]), Msg: "* is allowed only at the end of a word"}
	}
	folded, cased := normWords(body)
	if len(folded) == 0 {
		what := "term"
		if quoted {
			what = "phrase"
		}
		return pattern{}, &SyntaxError{Pos: pos, Msg: what + " has no letters or digits"}
	}
	p := pattern{toks: folded, prefix: prefix}
	if !exact {
		p.forms = patternForms(folded, cased, prefix)
	}
	return p, nil
}

// patternForms returns the inflected forms of each word of a phrase (nil
// when there are none): Cyrillic words in every position, an English word
// only last ("power grids", not "powers grid"); a prefix has none.
func patternForms(folded, cased []string, prefix bool) [][]string {
	var forms [][]string
	for k := range folded {
		if prefix && k == len(folded)-1 {
			break
		}
		f := wordForms(folded[k], cased[k], k == len(folded)-1)
		if len(f) == 0 {
			continue
		}
		if forms == nil {
			forms = make([][]string, len(folded))
		}
		forms[k] = f
	}
	return forms
}

// triggers returns the patterns of which at least one must occur for n to
// be true, or ok=false when n can be true without any (NOT, feed:, regex).
func triggers(n *node) (set []int32, ok bool) {
	switch n.kind {
	case nodeTerm, nodeActor:
		return n.leaf.pats, true
	case nodeOr:
		for _, k := range n.kids {
			s, ok := triggers(k)
			if !ok {
				return nil, false
			}
			set = append(set, s...)
		}
		return set, true
	case nodeAnd, nodeNear:
		found := false
		for _, k := range n.kids {
			s, ok := triggers(k)
			if ok && (!found || len(s) < len(set)) {
				set, found = s, true
			}
		}
		return set, found
	}
	return nil, false
}

// Compile compiles a watchlist. Every watch that fails is reported in the
// returned *CompileErrors; reg may be nil for the built-in table only.
func Compile(watches []Watch, reg *Registry, opts CompileOptions) (*Compiled, error) {
	b := newBuilder(reg, opts)
	c := &Compiled{first: map[string][]int32{}, prefixes: map[string][]int32{}}
	var errs []*WatchError
	// Watches with the same query (many chats subscribing to "/watch
	// ransomware") share one compiled query, evaluated once per document.
	type compiled struct {
		root  *node
		err   error
		canon int32
	}
	byQuery := map[string]compiled{}
	for i, w := range watches {
		q, seen := byQuery[w.Query]
		if !seen {
			q.root, q.err = b.compileQuery(w.Query)
			q.canon = int32(len(c.watches))
			byQuery[w.Query] = q
		}
		if q.err != nil {
			errs = append(errs, &WatchError{Index: i, Name: w.Name, Err: q.err})
			continue
		}
		cw := cwatch{name: w.Name, index: i, root: q.root, canon: q.canon}
		for _, t := range w.Tags {
			if t = strings.TrimSpace(t); t != "" {
				cw.tags = append(cw.tags, t)
			}
		}
		c.watches = append(c.watches, cw)
	}
	if len(errs) > 0 {
		return nil, &CompileErrors{Errors: errs}
	}
	c.pats = b.pats
	c.trig = make([][]int32, len(c.pats))
	lens := map[int]bool{}
	for id, p := range c.pats {
		if p.prefix && len(p.toks) == 1 {
			c.prefixes[p.toks[0]] = append(c.prefixes[p.toks[0]], int32(id))
			lens[len(p.toks[0])] = true
		} else {
			c.first[p.toks[0]] = append(c.first[p.toks[0]], int32(id))
			if len(p.forms) > 0 {
				for _, f := range p.forms[0] {
					c.first[f] = append(c.first[f], int32(id))
				}
			}
		}
	}
	c.firstBits, c.prefixBits = new([filterWords]uint64), new([filterWords]uint64)
	for k := range c.first {
		h := wordHash(k)
		c.firstBits[h>>6%filterWords] |= 1 << (h & 63)
	}
	for k := range c.prefixes {
		h := wordHash(k)
		c.prefixBits[h>>6%filterWords] |= 1 << (h & 63)
	}
	for l := range lens {
		c.prefixLens = append(c.prefixLens, l)
	}
	sortInts(c.prefixLens)
	for wi := range c.watches {
		cw := &c.watches[wi]
		set, ok := triggers(cw.root)
		if !ok {
			cw.always = true
			c.always = append(c.always, int32(wi))
			continue
		}
		for _, p := range set {
			t := c.trig[p]
			if len(t) == 0 || t[len(t)-1] != int32(wi) {
				c.trig[p] = append(t, int32(wi))
			}
		}
	}
	c.pool.New = func() any { return c.newState() }
	return c, nil
}

// Check validates one query against reg (nil: the built-in table). It
// returns nil or a *SyntaxError.
func Check(query string, reg *Registry, opts CompileOptions) error {
	_, err := newBuilder(reg, opts).compileQuery(query)
	return err
}

// Len returns the number of compiled watches.
func (c *Compiled) Len() int { return len(c.watches) }

// filterWords is the size of the word bitsets in 64-bit words.
const filterWords = 1024

// FNV-1a constants.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// wordHash is FNV-1a of s.
func wordHash(s string) uint32 {
	h := uint32(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	return h
}

// sortInts sorts a small slice of ints in place.
func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
