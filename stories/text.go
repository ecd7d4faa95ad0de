package stories

import (
	"hash/fnv"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Token flags. A token keeps the strongest evidence seen for it in an item.
const (
	flagTitle  uint8 = 1 << iota // the token is in the title, not only in the lead
	flagEntity                   // a name: capitalised mid-sentence, an acronym, or mixed case (eBay)
	flagNumber                   // it has digits: figures, counts, versions, CVE numbers
	// flagMinor marks a plain word of fewer than four letters (as stemmed),
	// too short to be the object a headline is about and often a particle
	// of another language ("en masse"), or a role word ("hackers",
	// "officials"): its absence from the other report is no sign of
	// another event.
	flagMinor
	// flagDemonym marks a country token that the title wrote as its
	// demonym ("Finnish", "Russian"): the role guard of score reads it.
	flagDemonym
)

// Limits on what one item contributes. They bound the memory per story and
// the cost of a comparison, whatever a feed puts in its summary.
const (
	maxLeadWords = 40 // words of the lead (summary or full text) read
	maxTokens    = 24 // distinct tokens kept per item: the title's first, then the lead's
)

// features is what the index keeps of one report: its distinct tokens as
// 32-bit hashes, sorted, each with its flags.
type features struct {
	toks  []uint32
	flags []uint8
}

// word is one word of the source text before normalisation.
type word struct {
	text     string // as written
	sentence bool   // first word of a sentence (its capital says nothing)
	sep      rune   // the separator just before it (0 at the start)
}

// splitWords cuts s into words: runs of letters, digits and combining marks,
// with a decimal point or thousands separator kept between digits (6.2,
// 1,500) and apostrophes kept inside (so a possessive can be dropped later).
// Anything else, including scripts this code knows nothing about, separates.
func splitWords(s string, limit int) []word {
	var out []word
	sentence := true
	var sep rune
	i := 0
	for i < len(s) && (limit <= 0 || len(out) < limit) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			switch r {
			case '.', '!', '?', ':', ';', '|', '\n', '—', '–':
				// A dash or colon in a headline starts a new clause whose
				// first word is often capitalised for style alone.
				sentence = true
			}
			if !unicode.IsSpace(r) || sep == 0 {
				sep = r
			}
			i += n
			continue
		}
		start := i
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				i += n
				continue
			}
			if (r == '.' || r == ',') && i > start {
				prev, _ := utf8.DecodeLastRuneInString(s[start:i])
				next, _ := utf8.DecodeRuneInString(s[i+n:])
				if unicode.IsDigit(prev) && unicode.IsDigit(next) {
					i += n
					continue
				}
			}
			if isApostrophe(r) && i > start {
				next, _ := utf8.DecodeRuneInString(s[i+n:])
				if unicode.IsLetter(next) {
					i += n
					continue
				}
			}
			break
		}
		out = append(out, word{text: s[start:i], sentence: sentence, sep: sep})
		sentence = false
		sep = 0
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '`':
		return true
	}
	return false
}

// titleCased reports whether most longer words of a headline start with a
// capital ("Fed Official Says Weak Data ..."): then capitals mark style,
// not names, and only acronyms and mixed case count as names.
func titleCased(ws []word) bool {
	long, caps := 0, 0
	for _, w := range ws {
		if utf8.RuneCountInString(w.text) < 4 {
			continue
		}
		long++
		r, _ := utf8.DecodeRuneInString(w.text)
		if unicode.IsUpper(r) {
			caps++
		}
	}
	return long >= 3 && caps*10 >= long*6
}

// shape says what the spelling of a word tells about it.
func shape(w string) (upperFirst, acronym, mixed, digits bool) {
	letters, uppers := 0, 0
	for i, r := range w {
		switch {
		case unicode.IsDigit(r):
			digits = true
		case unicode.IsLetter(r):
			letters++
			if unicode.IsUpper(r) {
				uppers++
				if i == 0 {
					upperFirst = true
				} else {
					mixed = true
				}
			}
		}
	}
	acronym = letters >= 2 && uppers == letters
	if acronym {
		mixed = false
	}
	return
}

// fold lower-cases w, drops accents and other combining marks, and unifies
// the letters that spellings of one word disagree on (ё/е, apostrophes).
func fold(w string) string {
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range norm.NFD.String(w) {
		switch {
		case unicode.IsMark(r), isApostrophe(r):
			continue
		case r == 'ё' || r == 'Ё':
			r = 'е'
		case r == ',':
			continue // 1,500 and 1500 are one number
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// stem reduces a folded word to a crude common form so inflections meet:
// English plurals, possessives and -ing/-ed; for Cyrillic and other
// inflected scripts a prefix of five letters (Россия, России, Россию). It
// is deliberately blunt: both sides of a comparison go through it, so what
// matters is that forms of one word agree, not that the stem is a word.
func stem(w string) string {
	n := utf8.RuneCountInString(w)
	r, _ := utf8.DecodeRuneInString(w)
	if r > unicode.MaxLatin1 && !unicode.In(r, unicode.Latin) {
		if unicode.In(r, unicode.Cyrillic) && n > 5 {
			return string([]rune(w)[:5])
		}
		// A five-letter form ending in a vowel is a short word inflected
		// (Киеве, Киева / Киев; удара / удар): its ending goes.
		if unicode.In(r, unicode.Cyrillic) && n == 5 {
			rs := []rune(w)
			if strings.ContainsRune("аеиоуыэюяіїєь", rs[4]) {
				return string(rs[:4])
			}
		}
		return w
	}
	if strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && n > 3 {
		w = strings.TrimSuffix(w, "s")
		if strings.HasSuffix(w, "ie") && len(w) > 4 {
			w = strings.TrimSuffix(w, "ie") + "y"
		} else if strings.HasSuffix(w, "e") && len(w) > 4 && strings.ContainsAny(w[len(w)-2:len(w)-1], "shxz") {
			w = strings.TrimSuffix(w, "e")
		}
	}
	for _, suf := range []string{"ing", "ed"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 4 {
			w = strings.TrimSuffix(w, suf)
			break
		}
	}
	if strings.HasSuffix(w, "e") && len(w) > 4 {
		w = strings.TrimSuffix(w, "e") // "targeted"/"target", "phishes"/"phish", "stage"/"staging"
	}
	if len(w) > 7 {
		w = w[:7]
	}
	return w
}

// hashToken maps a normalised token to the 32 bits the index keeps. A
// collision can only add a shared token between two items; the scoring
// asks for several, so a rare collision does not merge stories.
func hashToken(s string) uint32 {
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	return uint32(x) ^ uint32(x>>32)
}

// extract computes the features of an item from its title and lead. canon,
// when not nil, maps names (one word or two) to their canonical form.
func extract(title, lead string, canon func(string) string) features {
	type tok struct {
		h     uint32
		flags uint8
		order int
	}
	seen := map[uint32]int{} // hash -> index in toks
	var toks []tok
	pushHash := func(h uint32, flags uint8) {
		if j, ok := seen[h]; ok {
			toks[j].flags |= flags
			return
		}
		if len(toks) >= maxTokens {
			return
		}
		seen[h] = len(toks)
		toks = append(toks, tok{h: h, flags: flags, order: len(toks)})
	}
	push := func(f string, flags uint8) { pushHash(hashToken(f), flags) }
	// add1 adds a canonical name: an entity, never stemmed.
	add1 := func(c string, inTitle bool) {
		flags := flagEntity
		if inTitle {
			flags |= flagTitle
		}
		push(c, flags)
	}
	add := func(ws []word, inTitle, styleCaps bool) {
		for i := 0; i < len(ws); i++ {
			w := ws[i]
			upperFirst, acronym, mixed, digits := shape(w.text)
			f := fold(w.text)
			demonym := false
			if i+1 < len(ws) && ws[i+1].sep == ' ' {
				if c, ok := bridgeNames[f+" "+fold(ws[i+1].text)]; ok {
					add1(c, inTitle)
					i++
					continue
				}
			}
			// Names are written as names: canon is asked only about words
			// with a capital, mixed case or digits, which keeps its cost off
			// the most words of a lead.
			if canon != nil && (upperFirst || mixed || digits) {
				if c, n := canonical(canon, ws, i); c != "" {
					if !isStopword(c) {
						add1(c, inTitle)
					}
					i += n - 1
					continue
				}
			}
			// "APT 29", "APT-29" and "APT29" are one name; so are "COVID-19" and "COVID19".
			if acronym && !digits && i+1 < len(ws) && (ws[i+1].sep == '-' || ws[i+1].sep == ' ' || ws[i+1].sep == 0) {
				if _, _, _, d := shape(ws[i+1].text); d && utf8.RuneCountInString(ws[i+1].text) <= 5 {
					f += fold(ws[i+1].text)
					digits = true
					i++
				}
			}
			// A score or a range, "2-1", "1-0", is one figure: its halves alone
			// would make 2-1 and 1-0 share a number.
			if digits && !acronym && i+1 < len(ws) && ws[i+1].sep == '-' && isDigits(f) && len(f) <= 3 && isDigits(fold(ws[i+1].text)) && len(ws[i+1].text) <= 3 {
				f += "-" + fold(ws[i+1].text)
				i++
			}
			if digits {
				f = trimUnit(f)
			} else if fig, ok := numberWords[f]; ok {
				f, digits = fig, true
			} else if serialWords[f] || negationWords[f] {
				// Not a word of the event: a mark of the report, read
				// apart by score.
				var flags uint8
				if inTitle {
					flags = flagTitle
				}
				mark := serialToken
				if negationWords[f] {
					mark = negationToken
				}
				pushHash(mark, flags)
				continue
			} else if c, ok := demonymForms[f]; ok {
				f = c
				demonym = inTitle
			} else if syn, ok := synonyms[f]; ok {
				f = syn
			}
			if f == "" || isStopword(f) {
				continue
			}
			var flags uint8
			if inTitle {
				flags |= flagTitle
			}
			if demonym {
				flags |= flagDemonym
			}
			if digits {
				flags |= flagNumber | flagEntity
			} else {
				f = stem(f)
				if acronym || mixed || (upperFirst && !w.sentence && !styleCaps) {
					flags |= flagEntity
				}
			}
			if n := utf8.RuneCountInString(f); !digits && n < 2 {
				continue
			} else if !digits && flags&flagEntity == 0 && (n < 4 || roleWords[fold(w.text)]) {
				flags |= flagMinor
			}
			push(f, flags)
		}
	}
	tw := splitWords(title, 0)
	add(tw, true, titleCased(tw))
	lw := splitWords(lead, maxLeadWords)
	add(lw, false, false)
	sort.Slice(toks, func(i, j int) bool { return toks[i].h < toks[j].h })
	fs := features{toks: make([]uint32, len(toks)), flags: make([]uint8, len(toks))}
	for i, t := range toks {
		fs.toks[i], fs.flags[i] = t.h, t.flags
	}
	return fs
}

// canonical asks canon about the two words at ws[i:], as written, and then
// about the one, and returns the canonical name as a token (folded, spaces
// dropped, so "Midnight Blizzard" and "midnightblizzard" meet) and how many
// words it stands for; "" when canon knows neither.
func canonical(canon func(string) string, ws []word, i int) (string, int) {
	if i+1 < len(ws) && (ws[i+1].sep == ' ' || ws[i+1].sep == '-' || ws[i+1].sep == 0) {
		if c := canon(ws[i].text + " " + ws[i+1].text); c != "" {
			return canonToken(c), 2
		}
	}
	if c := canon(ws[i].text); c != "" {
		return canonToken(c), 1
	}
	return "", 0
}

func canonToken(c string) string {
	return strings.Join(strings.Fields(fold(c)), "")
}

// isDigits reports whether s is made of ASCII digits and decimal points.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// trimUnit drops a unit glued to a figure ("$100m", "3bn", "840MB",
// "5th", "1990s", "16%"), so that "100m" and "100 million" share 100.
func trimUnit(f string) string {
	i := 0
	for i < len(f) && (f[i] >= '0' && f[i] <= '9' || f[i] == '.') {
		i++
	}
	if i == 0 || i == len(f) {
		return f
	}
	switch f[i:] {
	case "m", "mn", "mln", "bn", "b", "k", "th", "st", "nd", "rd", "s", "mb", "gb", "tb", "kg", "km", "млн", "млрд", "тыс", "м", "км":
		return f[:i]
	}
	return f
}
