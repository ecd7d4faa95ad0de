package matcher

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Character classes used to find words. Text and queries go through the
// same scanner, so whatever it decides is applied to both sides alike.
const (
	clsNone   = iota // separator: spaces, punctuation, dashes, symbols
	clsLetter        // letters of alphabetic scripts (Latin, Cyrillic, Arabic, Hangul...)
	clsDigit         // digits and other numbers
	clsMark          // combining marks: belong to the preceding rune
	clsIdeo          // Han ideographs and kana: each one is a word of its own
	clsApos          // apostrophes of every style
)

// asciiClass is the class of each ASCII byte.
var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			t[c] = clsLetter
		case c >= '0' && c <= '9':
			t[c] = clsDigit
		case c == '\'' || c == '`':
			t[c] = clsApos
		}
	}
	return t
}()

// runeClass classifies r for word scanning.
func runeClass(r rune) uint8 {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	if r < 0x10000 {
		return uint8(bmp.entry(r) >> 16 & 0xf)
	}
	return slowClass(r)
}

// slowClass classifies r from the Unicode tables.
func slowClass(r rune) uint8 {
	switch r {
	case '\u2019', '\u2018', '\u02bc', '\u00b4', '\u2032', '\uff07', '\u02b9':
		return clsApos
	case '\u0640': // Arabic tatweel: elongation inside a word, dropped by normalisation
		return clsMark
	}
	switch {
	case unicode.IsMark(r):
		return clsMark
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return clsIdeo
	case unicode.IsLetter(r):
		return clsLetter
	case unicode.IsNumber(r):
		return clsDigit
	}
	return clsNone
}

// bmpPlain marks, in the bmp table, a rune whose normal form is one BMP
// rune found by case folding alone (no decomposition, not a mark).
const bmpPlain = 1 << 20

// bmpPage is 256 entries of the BMP rune table: bits 0-15 the folded rune
// (when bmpPlain is set), bits 16-19 the class.
type bmpPage struct {
	once sync.Once
	t    [256]uint32
}

// runeTable is the memo of bmpInfo, one page of 256 runes built on first use
// (a script's text touches few pages) and read-only after.
type runeTable [256]bmpPage

// entry returns the table entry of BMP rune r.
func (rt *runeTable) entry(r rune) uint32 {
	p := &rt[r>>8]
	p.once.Do(func() {
		base := r &^ 0xff
		for i := range p.t {
			p.t[i] = bmpInfo(base + rune(i))
		}
	})
	return p.t[r&0xff]
}

// bmp is the process-wide memo of bmpInfo; it holds only values derived
// from the Unicode tables, so sharing it is safe.
var bmp = new(runeTable)

// bmpInfo computes the table entry of BMP rune r.
func bmpInfo(r rune) uint32 {
	c := uint32(slowClass(r))
	if r < utf8.RuneSelf {
		c = uint32(asciiClass[r])
	}
	e := c << 16
	if r >= 0xd800 && r <= 0xdfff {
		return e
	}
	var buf [8]byte
	f := unicode.ToLower(unicode.ToUpper(r))
	n := utf8.EncodeRune(buf[:], r)
	plain := !unicode.IsMark(r) && r != '\u0640' && r != 'ß' && r != 'ẞ' && !(r >= 0x1100 && r <= 0x11ff) &&
		f < 0x10000 && norm.NFKD.IsNormal(buf[:n])
	if plain {
		n = utf8.EncodeRune(buf[:], f)
		plain = !unicode.IsMark(f) && norm.NFKD.IsNormal(buf[:n]) && norm.NFC.IsNormal(buf[:n])
	}
	if plain {
		e |= bmpPlain | uint32(f)
	}
	return e
}

// decode returns the rune at t[i] and its width.
func decode(t string, i int) (rune, int) {
	if c := t[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(t[i:])
}

// nextWord finds the next word of t at or after byte offset i. It returns
// the word's byte span [s, e) and the offset to continue from, or s = -1
// when there is none. Words are maximal runs of letters or of digits (a
// change between letters and digits splits: "APT29" is "APT" "29", like
// "APT 29" and "APT-29"); each ideograph or kana is a word; a possessive
// "'s" after a word is skipped ("Russia's" is "Russia"); other apostrophes,
// dashes and punctuation separate words.
func nextWord(t string, i int) (s, e, next int) {
	var c uint8
	for i < len(t) {
		if b := t[i]; b < utf8.RuneSelf {
			// ASCII fast path.
			if c = asciiClass[b]; c == clsLetter || c == clsDigit {
				break
			}
			i++
			continue
		}
		r, n := decode(t, i)
		c = runeClass(r)
		if c == clsLetter || c == clsDigit || c == clsIdeo {
			break
		}
		i += n
	}
	if i >= len(t) {
		return -1, -1, len(t)
	}
	s = i
	_, n := decode(t, i)
	i += n
	if c == clsIdeo {
		for i < len(t) {
			r, n := decode(t, i)
			if runeClass(r) != clsMark {
				break
			}
			i += n
		}
		return s, i, i
	}
	for i < len(t) {
		if b := t[i]; b < utf8.RuneSelf && asciiClass[b] == c {
			i++ // ASCII fast path
			continue
		}
		r, n := decode(t, i)
		c2 := runeClass(r)
		switch {
		case c2 == clsMark:
			i += n
			continue
		case c2 == c:
			i += n
			continue
		case c2 == clsApos:
			// Possessive: word + apostrophe + s, then no more word runes.
			j := i + n
			if j < len(t) && (t[j] == 's' || t[j] == 'S') {
				k := j + 1
				if k >= len(t) {
					return s, i, k
				}
				r3, _ := decode(t, k)
				if c3 := runeClass(r3); c3 != clsLetter && c3 != clsDigit && c3 != clsIdeo && c3 != clsMark {
					return s, i, k
				}
			}
			return s, i, j
		}
		break
	}
	return s, i, i
}

// appendNorm appends the normal form of the word w to dst: NFKC
// compatibility forms (full-width letters, ligatures), accents and other
// non-spacing marks removed, and, when fold is set, case folded. scratch is
// a reusable buffer; both are returned grown.
func appendNorm(dst, scratch []byte, w string, fold bool) ([]byte, []byte) {
	ascii, upper := true, false
	for i := 0; i < len(w); i++ {
		b := w[i]
		if b >= utf8.RuneSelf {
			ascii = false
			break
		}
		if b >= 'A' && b <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !fold || !upper {
			return append(dst, w...), scratch
		}
		for i := 0; i < len(w); i++ {
			b := w[i]
			if b >= 'A' && b <= 'Z' {
				b += 'a' - 'A'
			}
			dst = append(dst, b)
		}
		return dst, scratch
	}
	// Fast path: every rune is plain (most Cyrillic, Greek, Arabic, CJK).
	start0 := len(dst)
	for _, r := range w {
		if r >= 0x10000 {
			dst = dst[:start0]
			goto slow
		}
		e := bmp.entry(r)
		if e&bmpPlain == 0 {
			dst = dst[:start0]
			goto slow
		}
		if fold {
			r = rune(e & 0xffff)
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst, scratch
slow:
	scratch = norm.NFKD.AppendString(scratch[:0], w)
	start := len(dst)
	composed := true
	prev := rune(0)
	for i := 0; i < len(scratch); {
		r, n := utf8.DecodeRune(scratch[i:])
		i += n
		if isAccent(r, prev) {
			continue
		}
		prev = r
		if fold {
			switch r {
			case 'ß', 'ẞ':
				dst = append(dst, 's', 's')
				continue
			}
			r = unicode.ToLower(unicode.ToUpper(r))
		}
		if r >= 0x1100 && r <= 0x11ff || unicode.IsMark(r) {
			composed = false // Hangul jamo or spacing marks: recompose below
		}
		dst = utf8.AppendRune(dst, r)
	}
	if !composed && !norm.NFC.IsNormal(dst[start:]) {
		scratch = append(scratch[:0], dst[start:]...)
		dst = norm.NFC.Append(dst[:start], scratch...)
	}
	return dst, scratch
}

// isAccent reports whether the decomposed mark r (after base rune prev) is
// an accent to drop: Latin, Greek and Cyrillic diacritics (but not the breve
// of Cyrillic й, a letter of its own), Arabic harakat, Hebrew points and the
// Arabic tatweel. Marks that make letters in other scripts (kana voicing,
// Indic vowel signs) are kept.
func isAccent(r, prev rune) bool {
	switch {
	case r >= 0x300 && r <= 0x36f:
		return !(r == 0x306 && (prev == 'и' || prev == 'И'))
	case r >= 0x64b && r <= 0x65f, r == 0x670, r == 0x640:
		return true
	case r >= 0x591 && r <= 0x5c7:
		return unicode.Is(unicode.Mn, r)
	}
	return false
}

// normWords splits s into words and returns their folded normal forms and
// their case-preserving normal forms (used for case-sensitive aliases).
func normWords(s string) (folded, cased []string) {
	var buf, scratch []byte
	for i := 0; ; {
		ws, we, next := nextWord(s, i)
		if ws < 0 {
			break
		}
		i = next
		buf, scratch = appendNorm(buf[:0], scratch, s[ws:we], true)
		folded = append(folded, string(buf))
		buf, scratch = appendNorm(buf[:0], scratch, s[ws:we], false)
		cased = append(cased, string(buf))
	}
	return folded, cased
}

// NormalizeName returns the key under which a name is known: its words
// normalised and joined by one space, so that "APT 29", "APT-29" and
// "apt29" are all "apt 29".
func NormalizeName(name string) string {
	f, _ := normWords(name)
	n := 0
	for _, w := range f {
		n += len(w) + 1
	}
	b := make([]byte, 0, n)
	for i, w := range f {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return string(b)
}
