package matcher

import (
	_ "embed"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// placesData is the place table (see places.txt for its format).
//
//go:embed places.txt
var placesData string

// place is one country or city that place:NAME resolves to.
type place struct {
	name  string   // canonical English name
	names []string // every name as written, its own and (for a country) its capital's
	// negs are collocations that are not the place ("The New York Times",
	// "The Washington Post"): a name inside one does not match.
	negs [][]string // folded words
}

// placeTable is the parsed place table, built on first use and then only read.
type placeTable struct {
	places []*place
	byKey  map[string]int
}

var (
	placesOnce sync.Once
	places     *placeTable
)

// cldrNames returns the English, Russian and Ukrainian CLDR names of
// region code cc, leaving out those CLDR writes with qualifiers ("Congo -
// Kinshasa") and splitting "Myanmar (Burma)" in two.
func cldrNames(cc string) []string {
	r, err := language.ParseRegion(cc)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range []display.Namer{display.English.Regions(), display.Regions(language.Russian), display.Regions(language.Ukrainian)} {
		name := n.Name(r)
		if name == "" || strings.Contains(name, " - ") || strings.Contains(name, " – ") || strings.Contains(name, ",") {
			continue
		}
		if i := strings.Index(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
			out = append(out, name[:i], strings.TrimSuffix(name[i+2:], ")"))
			continue
		}
		out = append(out, name)
	}
	return out
}

// loadPlaces parses placesData. A country's own names claim their keys
// first, then capitals and cities, so place:Baku is the city and
// place:Azerbaijan the country with its capital.
func loadPlaces() *placeTable {
	t := &placeTable{byKey: map[string]int{}}
	type later struct {
		idx   int
		names []string
	}
	var cities []later
	claim := func(idx int, names []string) {
		for _, n := range names {
			if k := NormalizeName(n); k != "" {
				if _, taken := t.byKey[k]; !taken {
					t.byKey[k] = idx
				}
			}
		}
	}
	for _, line := range strings.Split(placesData, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		segs := strings.Split(line, " ; ")
		head, rest, _ := strings.Cut(segs[0], ": ")
		own := splitNames(rest)
		var capital []string
		for _, s := range segs[1:] {
			if k, v, _ := strings.Cut(s, ": "); k == "capital" {
				capital = splitNames(v)
			}
		}
		own, ownNegs := splitNegs(own)
		capital, capNegs := splitNegs(capital)
		if head == "city" {
			cities = append(cities, later{len(t.places), own})
			t.places = append(t.places, &place{name: own[0], names: own, negs: ownNegs})
			continue
		}
		cldr := cldrNames(head)
		names := append(cldr, own...)
		name := head
		if len(cldr) > 0 {
			name = cldr[0]
		}
		idx := len(t.places)
		t.places = append(t.places, &place{name: name, names: append(slices.Clone(names), capital...), negs: append(ownNegs, capNegs...)})
		claim(idx, names)
		if len(capital) > 0 {
			cities = append(cities, later{len(t.places), capital})
			t.places = append(t.places, &place{name: capital[0], names: capital, negs: capNegs})
		}
	}
	for _, c := range cities {
		claim(c.idx, c.names)
	}
	return t
}

// splitNames splits "a | b" into trimmed names.
func splitNames(s string) []string {
	var out []string
	for _, n := range strings.Split(s, "|") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// splitNegs separates the vetoing collocations ("!The New York Times")
// from names, folding them.
func splitNegs(names []string) (kept []string, negs [][]string) {
	for _, n := range names {
		if rest, ok := strings.CutPrefix(n, "!"); ok {
			if f, _ := normWords(rest); len(f) > 0 {
				negs = append(negs, f)
			}
			continue
		}
		kept = append(kept, n)
	}
	return kept, negs
}

// lookupPlace returns the place name refers to.
func lookupPlace(name string) (*place, bool) {
	placesOnce.Do(func() { places = loadPlaces() })
	idx, ok := places.byKey[NormalizeName(name)]
	if !ok {
		return nil, false
	}
	return places.places[idx], true
}

// LookupPlace returns the canonical name and every name (with the
// capital's, for a country) of the place place:NAME resolves to.
func LookupPlace(name string) (canonical string, names []string, ok bool) {
	p, ok := lookupPlace(name)
	if !ok {
		return "", nil, false
	}
	return p.name, slices.Clone(p.names), true
}

// placePatterns returns the patterns of every name of pl: words written
// with a capital must be capitalised in the text ("Turkey", not "turkey";
// "US", not "us"), and Cyrillic words also match their case forms.
func (b *builder) placePatterns(pl *place) []int32 {
	var pats []int32
	for _, n := range pl.names {
		folded, cased := normWords(n)
		if len(folded) == 0 || len(folded) > 64 {
			continue
		}
		p := pattern{toks: folded}
		for k, c := range cased {
			if isUpperStart(c) {
				p.capital |= 1 << k
			}
		}
		var forms [][]string
		for k := range folded {
			if !isCyrillicWord(folded[k]) {
				continue
			}
			if f := wordForms(folded[k], cased[k], k == len(folded)-1); len(f) > 0 {
				if forms == nil {
					forms = make([][]string, len(folded))
				}
				forms[k] = f
			}
		}
		p.forms = forms
		p.negs = negsFor(p.toks, pl.negs)
		pats = append(pats, b.intern(p))
	}
	return pats
}
