package matcher

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Word forms. A query word also matches the forms a reporter inflects it
// into, generated at compile time so that matching stays a lookup:
//
//   - a Cyrillic word its case forms, by the paradigm its ending implies
//     (Россия: России, Россию, Россией...; Москва: Москвы, Москве...;
//     Азербайджан: Азербайджана...; Ukrainian Київ: Києва, Києві; Росія:
//     Росії, Росією). Rules of our own, not a stemmer: a stemmer cuts
//     "Россия" to "росс" and would then take the surname "Росса" too.
//   - an English word, last in its phrase, its plural ("bear": "bears";
//     "city": "cities"); the possessive is dropped by the word scanner.
//
// Words shorter than three letters, acronyms written in capitals (США, UK)
// and words with digits get none, and nor do a few English words whose
// plural is another word ("new"/"news").

// noPlural lists English words whose "plural" is a different word.
var noPlural = map[string]bool{"new": true, "her": true, "his": true, "our": true, "was": true, "has": true,
	"its": true, "good": true, "arm": true, "mean": true, "custom": true, "glass": true, "spirit": true}

// Case endings by the ending of the nominative (Russian and Ukrainian
// together: a word that is the same in both takes both sets).
var (
	endIya  = []string{"ии", "ию", "ией", "иею", "ий", "иям", "иями", "иях", "ії", "ію", "ією", "ій", "іям", "іями", "іях"}
	endYa   = []string{"и", "ю", "е", "ей", "ею", "ям", "ями", "ях", "і", "ї", "єю"}
	endA    = []string{"ы", "и", "е", "у", "ой", "ою", "ам", "ами", "ах", "і"}
	endSoft = []string{"я", "ю", "ем", "е", "и", "ей", "ью", "ям", "ями", "ях", "і", "ів", "ею"}
	endJ    = []string{"я", "ю", "ем", "е", "и", "ев", "ям", "ями", "ях", "ї", "єм", "ї"}
	endHard = []string{"а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах", "і", "ові", "ів", "и"}
	endO    = []string{"а", "у", "ом", "е", "і", "ові"}
	endAdj  = []string{"ый", "ий", "ой", "ая", "яя", "ое", "ее", "ые", "ие", "ого", "его", "ому", "ему", "ым", "им",
		"ом", "ем", "ую", "юю", "ых", "их", "ыми", "ими", "ей", "ою", "ої", "ій", "ім", "у", "а", "е", "і", "ими"}
)

// wordForms returns the other folded forms of the folded word w (as
// written: cased), or nil. last says whether w ends its phrase.
func wordForms(w, cased string, last bool) []string {
	n := utf8.RuneCountInString(w)
	if n < 3 || isAcronym(cased) {
		return nil
	}
	cyr, latin := false, true
	for _, r := range w {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr, latin = true, false
		case r > unicode.MaxASCII || r < 'a' || r > 'z':
			latin = false
		}
	}
	switch {
	case cyr:
		return cyrillicForms(w, isUpperStart(cased))
	case latin && last && !noPlural[w]:
		return englishPlural(w)
	}
	return nil
}

// isAcronym reports whether s is written in capitals only (two or more).
func isAcronym(s string) bool {
	n := 0
	for _, r := range s {
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// englishPlural returns the regular plural of w.
func englishPlural(w string) []string {
	switch {
	case strings.HasSuffix(w, "s"), strings.HasSuffix(w, "x"), strings.HasSuffix(w, "z"),
		strings.HasSuffix(w, "ch"), strings.HasSuffix(w, "sh"):
		return []string{w + "es"}
	case strings.HasSuffix(w, "y") && len(w) > 1 && !strings.ContainsRune("aeiou", rune(w[len(w)-2])):
		return []string{w[:len(w)-1] + "ies"}
	}
	return []string{w + "s"}
}

// cyrillicForms returns the case forms of the folded Cyrillic word w.
func cyrillicForms(w string, name bool) []string {
	var stem string
	var ends []string
	has := func(suf string) bool {
		if strings.HasSuffix(w, suf) {
			stem = strings.TrimSuffix(w, suf)
			return true
		}
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(w)
	switch {
	case has("ия"), has("ія"):
		ends = endIya
	case has("ый"), has("ий"), has("ой"), has("ая"), has("яя"), has("ое"), has("ее"), has("ые"), has("ие"):
		// Adjectives (российский, Южная): the endings of every gender and case.
		ends = endAdj
	case has("я"):
		ends = endYa
	case has("а"):
		ends = endA
	case has("ь"):
		ends = endSoft
	case has("й"):
		ends = endJ
	case strings.ContainsRune("иыуюэеёоіїє", r):
		if r == 'о' && utf8.RuneCountInString(w) > 3 {
			prev, _ := utf8.DecodeLastRuneInString(w[:len(w)-len("о")])
			if !strings.ContainsRune("аеёиоуыэюяіїє", prev) {
				stem, ends = w[:len(w)-len("о")], endO
				break
			}
		}
		return nil // indeclinable loanwords: Баку, Тбилиси, Токио
	default:
		stem, ends = w, endHard
	}
	stems := []string{stem}
	if alt := ukrainianAlternation(stem); alt != "" {
		stems = append(stems, alt)
	}
	if alt := fleetingVowel(stem); alt != "" && stem == w && name {
		stems = append(stems, alt)
	}
	seen := map[string]bool{w: true}
	var out []string
	for _, s := range stems {
		if utf8.RuneCountInString(s) < 2 {
			continue
		}
		for _, e := range ends {
			f := foldWord(s + e) // endings with ї fold like the text
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// fleetingVowel returns the stem of the oblique cases of a noun whose
// last syllable loses its е or о (Египет: Египт-а, Египт-е; Єгипет:
// Єгипт-у), or "". Only before т, ц and к, after a consonant, in words of
// five letters or more, and only for names (written with a capital: the
// common noun "пакет" would take "пакта", another word); the full stem is
// kept too (Тибет: Тибет-а), so the rule only adds forms.
func fleetingVowel(w string) string {
	r := []rune(w)
	n := len(r)
	if n < 5 || r[n-2] != 'е' && r[n-2] != 'о' || !strings.ContainsRune("тцк", r[n-1]) || strings.ContainsRune("аеёиоуыэюяіїєй", r[n-3]) {
		return ""
	}
	return string(r[:n-2]) + string(r[n-1])
}

// ukrainianAlternation returns the stem of the oblique cases of a
// Ukrainian noun whose last syllable has і or ї before its final
// consonants (Київ: Києв-а, Харків: Харков-а, Львів: Львов-а), or "".
// stem is folded, so ї appears as і.
func ukrainianAlternation(stem string) string {
	rs := []rune(stem)
	for i := len(rs) - 1; i > 0; i-- {
		switch rs[i] {
		case 'і': // folded: ї is і once its diaeresis is dropped
			if i == len(rs)-1 {
				return ""
			}
			out := append([]rune{}, rs...)
			if strings.ContainsRune("аеиоуяюєі", rs[i-1]) {
				out[i] = 'є' // ї after a vowel: Київ, Києва
			} else {
				out[i] = 'о' // Харків, Харкова
			}
			return string(out)
		case 'а', 'е', 'и', 'о', 'у', 'я', 'ю', 'є', 'ы', 'э':
			return ""
		}
	}
	return ""
}

// isUpperStart reports whether s begins with an upper-case letter.
func isUpperStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// isCyrillicWord reports whether w has a Cyrillic letter.
func isCyrillicWord(w string) bool {
	for _, r := range w {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// foldWord returns the folded normal form of one word.
func foldWord(w string) string {
	b, _ := appendNorm(nil, nil, w, true)
	return string(b)
}
