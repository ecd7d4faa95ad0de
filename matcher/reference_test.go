package matcher

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// bruteMatch is a reference for Match without its shortcuts: every pattern
// is tried at every word (no word index, no bitsets; a word form is found
// by comparing it with each form of the pattern's first word) and every
// watch is evaluated (no trigger sets, no sharing of equal queries).
func bruteMatch(c *Compiled, d Doc) []string {
	st := c.newState()
	st.gen = 1
	c.tokenize(st, d)
	for i := range st.toks {
		w := string(st.arena[st.toks[i].ns:st.toks[i].ne])
		for p := range c.pats {
			pat := &c.pats[p]
			first := pat.toks[0]
			if len(pat.toks) == 1 && pat.prefix {
				if strings.HasPrefix(w, first) {
					c.try(st, int32(p), i)
				}
			} else if pat.wordOK(0, w) {
				c.try(st, int32(p), i)
			}
		}
	}
	var names []string
	for i := range c.watches {
		w := &c.watches[i]
		if len(w.tags) > 0 && !sharesTag(w.tags, d.FeedTags) {
			continue
		}
		if c.eval(st, w.root, d) {
			names = append(names, w.name)
		}
	}
	return names
}

// randomQuery builds a random query over a small vocabulary.
func randomQuery(rng *rand.Rand, depth int) string {
	words := []string{"alpha", "beta", "gamma", "delta", "Россия", "北京", "APT29", "bear", "Київ", "bears"}
	word := func() string { return words[rng.IntN(len(words))] }
	if depth <= 0 || rng.IntN(3) == 0 {
		switch rng.IntN(15) {
		case 13:
			return `"=bear"`
		case 14:
			return `"=России"`
		case 9:
			return "actor:Lazarus+"
		case 10:
			return `actor:"Cobalt Group"`
		case 11:
			return "place:Russia"
		case 12:
			return "place:Kyiv"
		case 0:
			return fmt.Sprintf(`"%s %s"`, word(), word())
		case 1:
			return string([]rune(word())[:2]) + "*"
		case 2:
			return "actor:APT29"
		case 3:
			return "title:" + word()
		case 4:
			return "category:" + word()
		case 5:
			return "feed:wire"
		default:
			return word()
		}
	}
	a, b := randomQuery(rng, depth-1), randomQuery(rng, depth-1)
	switch rng.IntN(6) {
	case 0:
		return a + " OR " + b
	case 1:
		return "-" + "(" + a + ")"
	case 2:
		return "(" + a + ") (" + b + ")"
	case 3:
		return word() + " NEAR/" + fmt.Sprint(1+rng.IntN(3)) + " " + word()
	case 4:
		return "(" + a + " OR " + b + ") -" + word()
	default:
		return a + " AND " + b
	}
}

// randomText builds a random text over the same vocabulary.
func randomText(rng *rand.Rand) string {
	words := []string{"alpha", "Beta", "gamma", "DELTA", "России", "Россия", "北京", "APT 29", "Cozy Bear", "teddy bear", "bear", "alphabet", "x", "y", "-", ".",
		"bears", "Києва", "Kiev", "Moscow", "Москве", "Bluenoroff", "Cobalt", "cobalt", "group", "Strike", "Lazarus", "rose"}
	n := rng.IntN(12)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = words[rng.IntN(len(words))]
	}
	return strings.Join(parts, " ")
}

func TestMatchAgreesWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var ws []Watch
	for i := 0; i < 300; i++ {
		w := Watch{Name: fmt.Sprintf("w%d", i), Query: randomQuery(rng, 3)}
		if i%7 == 0 {
			w.Tags = []string{"news"}
		}
		ws = append(ws, w)
	}
	// Some twins, which Match evaluates once.
	ws = append(ws, Watch{Name: "twin", Query: ws[3].Query}, Watch{Name: "twin-tagged", Query: ws[5].Query, Tags: []string{"other"}})
	c, err := Compile(ws, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fired := 0
	for i := 0; i < 2000; i++ {
		d := Doc{Title: randomText(rng), Summary: randomText(rng), Content: randomText(rng), Feed: "The Wire"}
		if rng.IntN(2) == 0 {
			d.Categories = []string{randomText(rng), randomText(rng)}
		}
		if rng.IntN(2) == 0 {
			d.FeedTags = []string{"news"}
		}
		var got []string
		for _, h := range c.Match(d) {
			got = append(got, h.Watch)
		}
		want := bruteMatch(c, d)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("doc %+v:\nMatch %v\nbrute %v", d, got, want)
		}
		fired += len(got)
	}
	if fired < 1000 {
		t.Errorf("only %d hits in 2000 documents: the test exercises too little", fired)
	}
}
