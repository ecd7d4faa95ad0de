package matcher

import (
	"strings"
	"unicode/utf8"
)

// IndexWords are words that every story a query matches contains, in a
// form a full-text index over the title and text finds (store.History's
// SearchHistory Words): a way to find candidates for the matcher without
// reading every story.
type IndexWords struct {
	// Words are lower-case prefixes, each ending in "*" ("bear" is "bear*",
	// which also finds "bears" and "bear2"; an inflected word is the prefix
	// all its forms share). Empty: the query gives none; scan.
	Words []string
	// Categories is set when a word may be found in a story's categories
	// alone (the default scope covers them; a full-text index of title and
	// text does not): the stories with categories are candidates too.
	Categories bool
}

// RequiredWords derives IndexWords from query, conservatively: only plain
// words, phrases and prefixes that the query requires (joined by AND or
// NEAR at its top level, never under OR or NOT), never actor:, place:,
// feed:, category: or /regex/ terms, and only words made of letters that
// an index folding case and Latin accents (SQLite FTS5 unicode61 with
// remove_diacritics, PostgreSQL 'simple' over accent-stripped text) splits
// and folds as the matcher does (see safeIndexWord). An unparsable query
// gives none.
//
// What the index cannot see is not covered: a word glued in the story to
// digits or ideographs before it ("3CX" for "cx"), or written in
// compatibility forms (full-width letters, ligatures, Catalan ŀ, long ſ), or with
// Livonian ǡ (a with dot and macron, which FTS5 keeps), is a word to the
// matcher and not to the index, and such a story is missed.
func RequiredWords(query string) IndexWords {
	root, err := parseQuery(query)
	if err != nil {
		return IndexWords{}
	}
	var iw IndexWords
	seen := make(map[string]bool)
	var walk func(n *node)
	walk = func(n *node) {
		switch n.kind {
		case nodeAnd, nodeNear:
			for _, k := range n.kids {
				walk(k)
			}
		case nodeTerm:
			if n.scope&fieldCategory != 0 && n.scope != fieldDefault {
				return // category: only
			}
			ws := termIndexWords(n.text, n.pos, n.quote)
			if len(ws) > 0 && n.scope&fieldCategory != 0 {
				iw.Categories = true
			}
			for _, w := range ws {
				if !seen[w] {
					seen[w] = true
					iw.Words = append(iw.Words, w)
				}
			}
		}
	}
	walk(root)
	if len(iw.Words) == 0 {
		iw.Categories = false
	}
	return iw
}

// minIndexPrefix is the shortest prefix worth asking an index for: a
// shorter one finds most of the history, and a scan is as fast.
const minIndexPrefix = 3

// termIndexWords returns the index words of one term: each of its words
// as a prefix (the index keeps letters and the digits after them in one
// word, "apt29", where the matcher sees "apt" "29"), the prefix its forms
// share, cut before the first letter safeIndexPrefix rejects; a prefix
// under minIndexPrefix letters is left out.
func termIndexWords(text string, pos int, quoted bool) []string {
	p, err := termPattern(text, pos, quoted)
	if err != nil {
		return nil
	}
	var out []string
	for k, w := range p.toks {
		if k < len(p.forms) {
			for _, f := range p.forms[k] {
				w = commonPrefix(w, f)
			}
		}
		if w = safeIndexPrefix(w); utf8.RuneCountInString(w) < minIndexPrefix {
			continue
		}
		out = append(out, w+"*")
	}
	return out
}

// commonPrefix is the longest common prefix of a and b, whole runes.
func commonPrefix(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) {
		ra, na := utf8.DecodeRuneInString(a[i:])
		rb, _ := utf8.DecodeRuneInString(b[i:])
		if ra != rb {
			break
		}
		i += na
	}
	return a[:i]
}

// safeIndexPrefix returns the longest prefix of folded word w that the
// index finds in every text where the matcher finds w ("" when none): w
// must be letters only (the matcher splits "APT29" into "apt" "29", an
// index keeps "apt29"), ASCII a–z or Cyrillic а–я, and it stops before a
// letter into which the matcher folds a letter the index keeps apart: ı
// is i to the matcher, ß is ss, ǆ is dz (and ǉ lj, ǌ nj), and Cyrillic
// letters with diacritics are their base letter (ё is е, ї is і; see
// cyrillicFoldTargets). TestPrefilterEqualsScan in package history tries
// every letter of Latin-1 to Latin Extended-B and Cyrillic; the two it
// knows this misses are in RequiredWords' doc.
func safeIndexPrefix(w string) string {
	for i, r := range w {
		switch {
		case r == 'i', r == 's' && strings.HasPrefix(w[i:], "ss"):
			return w[:i]
		case r == 'd' && strings.HasPrefix(w[i:], "dz"), r == 'l' && strings.HasPrefix(w[i:], "lj"), r == 'n' && strings.HasPrefix(w[i:], "nj"):
			return w[:i] // ǆ, ǉ, ǌ: one letter to the index
		case r >= 'a' && r <= 'z':
		case r >= 0x430 && r <= 0x44f: // а–я
			if strings.ContainsRune(cyrillicFoldTargets, r) {
				return w[:i]
			}
		default:
			return w[:i]
		}
	}
	return w
}

// cyrillicFoldTargets are the base letters of the Cyrillic letters with
// diacritics that the matcher folds away and SQLite's FTS5 does not (ё →
// е, ї → і, ў → у, ѓ → г, ќ → к, ѝ → и, ӧ → о, ӝ → ж, ӟ → з, ӓ → а, ӱ →
// у, ӵ → ч, ӹ → ы, ӭ → э); TestRequiredWordsFolding keeps it complete.
const cyrillicFoldTargets = "еіугкиожзаучыэ"
