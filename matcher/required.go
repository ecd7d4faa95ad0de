package matcher

import (
	"strings"
	"unicode/utf8"
)

// The full-text index of the history holds, for each story, the words the
// matcher reads in it (IndexText) rather than the raw text, so that the
// index splits and folds exactly as the matcher does: "3CX" is "3" "cx",
// full-width letters, ligatures, ŀ and ſ are folded, whatever a backend's
// own tokenizer would make of them. RequiredWords then gives, for a query,
// index words that every story it matches contains, and a pre-filter on
// them loses no match by construction.

// maxIndexRunes clips an index word: PostgreSQL refuses lexemes over 2 KB,
// and a word that long is asked for by its first runes alike (see IndexWord).
const maxIndexRunes = 100

// IndexText appends to dst the index words (IndexWord) of every word the
// matcher reads in texts, and those of the feed's name marked as such
// (FeedWord), each once, separated by single spaces. A story's feed name,
// title, text and categories go in one call. The words contain neither
// spaces nor any ASCII byte but a–z, 0–9 and "_", so a tokenizer splitting
// on ASCII punctuation and spaces (SQLite FTS5 "ascii" with "_" a token
// character) keeps each one whole.
func IndexText(dst []byte, feed string, texts ...string) []byte {
	var buf, scratch []byte
	seen := make(map[string]struct{})
	start := len(dst)
	for ti := -1; ti < len(texts); ti++ {
		t, marker := feed, feedMarker
		if ti >= 0 {
			t, marker = texts[ti], ""
		}
		for i := 0; ; {
			ws, we, next := nextWord(t, i)
			if ws < 0 {
				break
			}
			i = next
			buf, scratch = appendNorm(buf[:0], scratch, t[ws:we], true)
			if len(buf) == 0 {
				continue
			}
			mark := len(dst)
			if mark > start {
				dst = append(dst, ' ')
			}
			w := len(dst)
			dst = append(dst, marker...)
			dst = appendIndexWord(dst, clipRunes(string(buf), maxIndexRunes))
			if _, dup := seen[string(dst[w:])]; dup {
				dst = dst[:mark]
				continue
			}
			seen[string(dst[w:])] = struct{}{}
		}
	}
	return dst
}

// IndexWord is the index form of a word as the matcher folds it: its first
// maxIndexRunes runes, each ASCII byte other than a–z and 0–9 written as
// "_" and two hex digits (NFKD may leave such bytes in a folded word: ⑴ is
// "(1)", ﷺ holds spaces), other bytes kept. The code of each byte is
// prefix-free, so one word is a prefix of another exactly when their
// index forms are.
func IndexWord(folded string) string {
	return string(appendIndexWord(nil, clipRunes(folded, maxIndexRunes)))
}

// feedMarker begins the index words of a feed's name: "__" is in no
// IndexWord ("_" is always followed by two hex digits there), so feed:
// terms and words of the text never find each other's words.
const feedMarker = "__"

// FeedWord is the index form of a word of a feed's name.
func FeedWord(folded string) string { return feedMarker + IndexWord(folded) }

// appendIndexWord appends the escaped form of w.
func appendIndexWord(dst []byte, w string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(w); i++ {
		b := w[i]
		if b >= utf8.RuneSelf || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' {
			dst = append(dst, b)
			continue
		}
		dst = append(dst, '_', hex[b>>4], hex[b&15])
	}
	return dst
}

// clipRunes returns the first n runes of s.
func clipRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// SearchWords turns words as a user types them ("ransom* hospital") into
// index words, every one required: each word as the matcher reads it (so
// "APT29" is "apt" and "29"), a trailing * making the last word of its
// field a prefix ("apt29*": "apt", "29*"). Nothing the user types is
// index syntax.
func SearchWords(words string) []string {
	var out []string
	for _, f := range strings.Fields(words) {
		prefix := strings.HasSuffix(f, "*")
		folded, _ := normWords(f)
		for k, w := range folded {
			if w == "" {
				continue
			}
			if prefix && k == len(folded)-1 {
				out = append(out, prefixWord(w))
			} else {
				out = append(out, IndexWord(w))
			}
		}
	}
	return out
}

// prefixWord is the index word that finds every index form of a word
// beginning with folded prefix p: p* while p is shorter than the clip, else
// the clipped form itself (a longer word is clipped to it).
func prefixWord(p string) string {
	if utf8.RuneCountInString(p) >= maxIndexRunes {
		return IndexWord(p)
	}
	return IndexWord(p) + "*"
}

// maxClauses and maxClauseWords bound what RequiredWords asks an index
// for: dropping a clause only widens the candidates.
const (
	maxClauses     = 16
	maxClauseWords = 400
)

// RequiredWords returns clauses of index words (IndexWord forms; a
// trailing "*" is a prefix) such that every story the query matches (read
// through IndexText of its title, text and categories) holds at least one
// word of every clause; nil when the query gives none (a scan is needed),
// or when it does not compile against reg (nil: the built-in actors).
//
// It follows the compiled query: a word or phrase requires each of its
// words, in any of the forms the matcher accepts (inflections, plurals,
// the prefix); actor: and place: require, for each of their aliases, one
// word of it (the least common and longest), so one clause ORs the aliases;
// AND and NEAR require what each side does; OR one clause of each side,
// merged; feed: each word of the name (FeedWord forms, compared as the
// matcher does: exactly, the last one a prefix with *); NOT and /regex/
// nothing. Scopes, case rules, capitals and
// vetoes only narrow the matcher's verdict, never the words it needs.
func RequiredWords(query string, reg *Registry) [][]string {
	sets, _ := IndexQuery(query, reg)
	return sets
}

// IndexQuery returns RequiredWords' sets and whether they are exact: the
// query matches a story exactly when the story holds a word of each set.
// That is so for words (not phrases) in the default scope, joined by AND
// or OR (each side of an OR giving one set): the index holds the words the
// matcher compares, in every form it accepts. An exact query's matches
// can be counted by the index alone.
func IndexQuery(query string, reg *Registry) (sets [][]string, exact bool) {
	b := newBuilder(reg, CompileOptions{AllowRegex: true})
	root, err := b.compileQuery(query)
	if err != nil {
		return nil, false
	}
	cs := b.required(root)
	exact = b.exact(root)
	if len(cs) > maxClauses {
		cs, exact = cs[:maxClauses], false
	}
	for _, c := range cs {
		sets = append(sets, c.words)
	}
	if len(sets) == 0 {
		return nil, false
	}
	return sets, exact
}

// exact reports whether the clauses of n (required) hold exactly when n
// does (see IndexQuery).
func (b *builder) exact(n *node) bool {
	switch n.kind {
	case nodeAnd:
		for _, k := range n.kids {
			if !b.exact(k) {
				return false
			}
		}
		return true
	case nodeOr:
		for _, k := range n.kids {
			if !b.exact(k) || len(b.required(k)) != 1 {
				return false
			}
		}
		return len(b.required(n)) == 1 // not dropped for its size
	case nodeTerm:
		if n.leaf == nil || n.leaf.scope != fieldDefault || len(n.leaf.pats) != 1 {
			return false
		}
		p := &b.pats[n.leaf.pats[0]]
		if len(p.toks) != 1 || p.cased != nil || p.upper != nil || p.capital != 0 || len(p.negs) > 0 || !indexWhole(p.toks[0]) {
			return false
		}
		for _, fs := range p.forms {
			for _, f := range fs {
				if !indexWhole(f) {
					return false
				}
			}
		}
		return len(b.leafClauses(n.leaf)) == 1
	}
	return false // phrases, NEAR, NOT, scopes, actors, places, feed:, regex
}

// indexWhole reports whether the index keeps folded word w whole: not
// empty and not clipped.
func indexWhole(w string) bool {
	return w != "" && utf8.RuneCountInString(w) < maxIndexRunes
}

// clause is one OR of index words, with how selective it looks.
type clause struct {
	words []string
	score int // larger: rarer (see wordScore)
}

// required returns the clauses n requires, best first.
func (b *builder) required(n *node) []clause {
	switch n.kind {
	case nodeAnd, nodeNear:
		var out []clause
		for _, k := range n.kids {
			out = append(out, b.required(k)...)
		}
		sortClauses(out)
		return out
	case nodeOr:
		sides := make([]clause, 0, len(n.kids))
		for _, k := range n.kids {
			cs := b.required(k)
			if len(cs) == 0 {
				return nil // this side needs no word
			}
			sides = append(sides, cs[0])
		}
		return anyOf(sides)
	case nodeTerm, nodeActor:
		return b.leafClauses(n.leaf)
	case nodeFeed:
		p := &n.leaf.feed
		var out []clause
		for k, w := range p.toks {
			switch {
			case w == "":
			case p.prefix && k == len(p.toks)-1:
				out = append(out, clause{words: []string{feedMarker + prefixWord(w)}, score: b.wordScore(w)})
			default:
				out = append(out, clause{words: []string{FeedWord(w)}, score: b.wordScore(w)})
			}
		}
		sortClauses(out)
		return out
	}
	return nil // NOT, regex
}

// leafClauses are the clauses of a term (one per word of its one
// pattern) or of an actor or place (one: a word of each alias pattern).
func (b *builder) leafClauses(l *leaf) []clause {
	if l == nil || len(l.pats) == 0 {
		return nil
	}
	if l.kind == nodeTerm && len(l.pats) == 1 {
		p := &b.pats[l.pats[0]]
		var out []clause
		for k := range p.toks {
			if c, ok := b.wordClause(p, k); ok {
				out = append(out, c)
			}
		}
		sortClauses(out)
		return out
	}
	sides := make([]clause, 0, len(l.pats))
	for _, id := range l.pats {
		p := &b.pats[id]
		best, found := clause{}, false
		for k := range p.toks {
			if c, ok := b.wordClause(p, k); ok && (!found || c.score > best.score) {
				best, found = c, true
			}
		}
		if !found {
			return nil // an alias the index cannot find
		}
		sides = append(sides, best)
	}
	return anyOf(sides)
}

// anyOf is the one clause a match of any of sides satisfies: their words
// together, as selective as the least selective side; none when that is
// more words than a search should carry.
func anyOf(sides []clause) []clause {
	var merged clause
	seen := make(map[string]bool)
	for i, c := range sides {
		if i == 0 || c.score < merged.score {
			merged.score = c.score
		}
		for _, w := range c.words {
			if !seen[w] {
				seen[w] = true
				merged.words = append(merged.words, w)
			}
		}
	}
	if len(merged.words) > maxClauseWords {
		return nil
	}
	return []clause{merged}
}

// wordClause is the clause of word k of p: its folded form and every other
// form the matcher accepts there, or the prefix for the last word of a
// prefix pattern. ok is false for an empty word (no index word finds it).
func (b *builder) wordClause(p *pattern, k int) (clause, bool) {
	w := p.toks[k]
	if w == "" {
		return clause{}, false
	}
	if p.prefix && k == len(p.toks)-1 {
		return clause{words: []string{prefixWord(w)}, score: b.wordScore(w)}, true
	}
	c := clause{words: []string{IndexWord(w)}, score: b.wordScore(w)}
	if k < len(p.forms) {
		for _, f := range p.forms[k] {
			if f == "" {
				return clause{}, false
			}
			c.words = append(c.words, IndexWord(f))
			c.score = min(c.score, b.wordScore(f))
		}
	}
	return c, true
}

// wordScore guesses how rare folded word w is in news, by rank then
// length: one-letter words and short numbers ("29" is in every date)
// lowest, then two-letter words, the group words that stand beside aliases
// ("APT", "hackers", "group"), everyday words (the common list) and long
// numbers, and every other word above them.
func (b *builder) wordScore(w string) int {
	n := utf8.RuneCountInString(w)
	rank := 4
	switch {
	case allDigits(w) && n < 4, n == 1:
		rank = 0
	case n == 2:
		rank = 1
	case groupWord(w):
		rank = 2
	case b.reg.common[w], allDigits(w):
		rank = 3
	}
	return rank*1000 + n
}

// allDigits reports whether w is made of ASCII digits only.
func allDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// groupWord reports whether w is one of the words that mark an alias as a
// group ("Cobalt group", "Barium hackers").
func groupWord(w string) bool {
	for _, gs := range [][][]string{groupWordsAfter, groupWordsBefore} {
		for _, g := range gs {
			for _, x := range g {
				if x == w {
					return true
				}
			}
		}
	}
	return false
}

// sortClauses orders cs best first: higher score, then fewer words.
func sortClauses(cs []clause) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && clauseBefore(cs[j], cs[j-1]); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

func clauseBefore(a, b clause) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return len(a.words) < len(b.words)
}
