package matcher

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// fires compiles one watch and reports whether it fires on d.
func fires(t *testing.T, reg *Registry, query string, d Doc) bool {
	t.Helper()
	c, err := Compile([]Watch{{Name: "w", Query: query}}, reg, CompileOptions{AllowRegex: true})
	if err != nil {
		t.Fatalf("Compile(%q): %v", query, err)
	}
	return len(c.Match(d)) == 1
}

func TestOperators(t *testing.T) {
	reg := NewRegistry()
	tests := []struct {
		query string
		title string
		want  bool
	}{
		// word: whole word, case-insensitive
		{"russia", "Russia warns Baku", true},
		{"russia", "RUSSIA WARNS BAKU", true},
		{"russia", "Russian troops", false},
		{"russia", "Belarussia", false},
		{"russia", "", false},
		// phrase
		{`"power grid"`, "Attack on the power grid", true},
		{`"power grid"`, "Attack on the power-grid", true},
		{`"power grid"`, "grid power restored", false},
		{`"power grid"`, "power and grid", false},
		// prefix
		{"hack*", "Hackers strike", true},
		{"hack*", "hack", true},
		{"hack*", "a whack on the head", false},
		{`"cozy bea*"`, "Cozy Bears everywhere", true},
		// exclusion
		{"-sports", "Election results", true},
		{"-sports", "Sports results", false},
		{"NOT sports", "Sports results", false},
		{"election -sports", "Election results", true},
		{"election -sports", "Election sports", false},
		{"election NOT sports", "Election sports", false},
		{"-(sports OR weather)", "Weather today", false},
		// implicit and explicit AND
		{"russia azerbaijan", "Russia and Azerbaijan talk", true},
		{"russia azerbaijan", "Russia talks", false},
		{"russia AND azerbaijan", "Azerbaijan, Russia", true},
		// lower-case operators are words
		{"russia and azerbaijan", "Russia, Azerbaijan", false},
		// OR and precedence: AND binds tighter than OR
		{"russia OR ukraine", "Ukraine today", true},
		{"russia OR ukraine", "Belarus today", false},
		{"a b OR c", "c", true},
		{"a b OR c", "a", false},
		{"a (b OR c)", "a c", true},
		{"a (b OR c)", "c", false},
		{"(russia OR moscow) AND (azerbaijan OR baku)", "Moscow recalls envoy from Baku", true},
		{"(russia OR moscow) AND (azerbaijan OR baku)", "Moscow recalls envoy", false},
		// NEAR/n: at most n words between
		{"drone NEAR/2 strike", "drone attack strike", true},
		{"drone NEAR/2 strike", "strike by a drone", true},
		{"drone NEAR/2 strike", "drone hit the big strike", false},
		{"drone NEAR/1 strike", "drone strike", true},
		{"drone NEAR strike", "drone one two three four five strike", true},
		{"drone NEAR strike", "drone one two three four five six strike", false},
		{`"power grid" NEAR/3 (hack* OR attack)`, "hackers took down the power grid", true},
		{"drone NEAR/5 strike", "drone", false},
		// scopes
		{"title:kyiv", "Kyiv", true},
		{"title:(kyiv OR odesa)", "Odesa port", true},
		{`title:"cozy bear"`, "Cozy Bear", true},
	}
	for _, tt := range tests {
		if got := fires(t, reg, tt.query, Doc{Title: tt.title}); got != tt.want {
			t.Errorf("%q on %q = %v, want %v", tt.query, tt.title, got, tt.want)
		}
	}
}

func TestScopes(t *testing.T) {
	reg := NewRegistry()
	d := Doc{
		Title:      "Strike on Kyiv",
		Summary:    "Drones hit the capital overnight",
		Content:    "Officials in Odesa said more.",
		Categories: []string{"Ukraine war", "Europe"},
		Feed:       "Kyiv Independent",
		FeedTags:   []string{"ukraine"},
	}
	tests := []struct {
		query string
		want  bool
	}{
		{"title:kyiv", true},
		{"title:drones", false},
		{"drones", true},
		{"odesa", true},
		{"title:odesa", false},
		{"category:europe", true},
		{`category:"ukraine war"`, true},
		{`category:"war europe"`, false}, // a phrase never spans two categories
		{"category:kyiv", false},
		{"europe", true}, // categories are in the default scope
		{"feed:kyiv", true},
		{`feed:"kyiv independent"`, true},
		{"feed:indep*", true},
		{"feed:bbc", false},
		{"independent", false}, // the feed name is not in the default scope
		{"feed:kyiv -odesa", false},
		{"-feed:bbc", true},
		{`"kyiv drones"`, false}, // a phrase never spans title and summary
		{"kyiv NEAR/1 drones", false},
	}
	for _, tt := range tests {
		if got := fires(t, reg, tt.query, d); got != tt.want {
			t.Errorf("%q = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestRegex(t *testing.T) {
	reg := NewRegistry()
	d := Doc{Title: "Patch CVE-2024-3400 now", Summary: "Palo Alto"}
	if !fires(t, reg, `/CVE-\d{4}-\d+/`, d) {
		t.Error("regex did not fire")
	}
	if fires(t, reg, `title:/Palo/`, d) {
		t.Error("title-scoped regex fired on the summary")
	}
	if !fires(t, reg, `/a\/b|Palo/ patch`, d) {
		t.Error("escaped slash regex did not fire")
	}
	err := Check(`/CVE/`, reg, CompileOptions{})
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "not allowed") || se.Pos != 0 {
		t.Errorf("regex without AllowRegex: %v", err)
	}
	if err := Check(`x /(a/`, reg, CompileOptions{AllowRegex: true}); !errors.As(err, &se) || se.Pos != 2 {
		t.Errorf("bad regex: %v", err)
	}
}

func TestActorsAndHardNegatives(t *testing.T) {
	reg := NewRegistry()
	tests := []struct {
		query, title string
		want         bool
	}{
		{"actor:APT29", "Cozy Bear strikes again", true},
		{"actor:APT29", "COZY BEAR strikes again", true},
		{"actor:APT29", "Midnight Blizzard breached Microsoft", true},
		{"actor:APT29", "NOBELIUM phishing", true},
		{"actor:APT29", "Nobelium hackers phish", true}, // an element name: in its own case or next to a group word
		{"actor:APT29", "nobelium is a synthetic element", false},
		{"actor:APT29", "The Dukes return", true},
		{"actor:APT29", "UNC2452 and SolarWinds", true},
		{"actor:APT29", "APT 29 activity", true},
		{"actor:APT29", "APT-29 activity", true},
		{"actor:APT29", "apt29 activity", true},
		{"actor:APT29", "Cozy Bear's tooling", true},
		{"actor:apt-29", "Cozy Bear", true},
		{`actor:"cozy bear"`, "APT29 again", true},
		// hard negatives
		{"actor:APT29", "A teddy bear for Christmas", false},
		{"actor:APT29", "a cozy bear rug", false},
		{"actor:APT29", "APT290 is a different group", false},
		{"actor:APT29", "APT2 and 9", false},
		{"actor:APT29", "the dukes of the realm", false},
		{"actor:Winnti", "lead poisoning in Flint", false},
		{"actor:Winnti", "Lead poisoning in Flint", false},
		{"actor:Winnti", "LEAD targets gaming firms", true},
		{"actor:Tick", "a tick bite", false},
		{"actor:Tick", "Tick targets Japan", true},
		{"actor:Tick", "BRONZE BUTLER targets Japan", true},
		{"actor:SEA", "sea levels rise", false},
		{"actor:SEA", "Sea levels rise", false},
		{"actor:SEA", "SEA hijacks accounts", true},
		{"actor:Turla", "snake in the garden", false},
		{"actor:Turla", "Snake malware dismantled", true},
		{"actor:Sandworm", "Sandworm hits grid", true},
		{"actor:Sandworm", "Seashell Blizzard", true},
		{"actor:APT28", "Fancy Bear", true},
		{"actor:APT28", "a fancy bear costume", false},
		{"actor:Lazarus", "Lazarus Group steals crypto", true},
		{"actor:Lazarus", "ZINC", true},
		{"actor:Lazarus", "zinc prices", false},
		{"actor:MuddyWater", "Mercury retrograde", false},
		{"actor:MuddyWater", "MERCURY phishing", true},
		{"actor:\"Volt Typhoon\"", "Volt Typhoon in US grids", true},
		{"actor:\"Volt Typhoon\"", "volt typhoon", true}, // "volt" is not an everyday word
	}
	for _, tt := range tests {
		if got := fires(t, reg, tt.query, Doc{Title: tt.title}); got != tt.want {
			t.Errorf("%s on %q = %v, want %v", tt.query, tt.title, got, tt.want)
		}
	}
}

func TestBuiltinTableSize(t *testing.T) {
	reg := NewRegistry()
	if reg.Len() < 60 {
		t.Errorf("built-in table has %d groups, want >= 60", reg.Len())
	}
	for _, n := range []string{"APT28", "APT29", "Sandworm", "Turla", "Gamaredon", "Lazarus Group", "Volt Typhoon", "Salt Typhoon", "Kimsuky", "APT41", "MuddyWater", "Scattered Spider", "LockBit", "FIN7"} {
		if _, _, ok := reg.Lookup(n); !ok {
			t.Errorf("built-in table lacks %s", n)
		}
	}
	name, aliases, ok := reg.Lookup("Midnight Blizzard")
	if !ok || name != "APT29" {
		t.Fatalf("Lookup(Midnight Blizzard) = %q, %v", name, ok)
	}
	want := []string{"APT29", "Cozy Bear", "The Dukes", "Midnight Blizzard", "NOBELIUM", "UNC2452"}
	for _, w := range want {
		found := false
		for _, a := range aliases {
			found = found || a == w
		}
		if !found {
			t.Errorf("APT29 lacks alias %q", w)
		}
	}
}

func TestEntities(t *testing.T) {
	reg := NewRegistry()
	reg.AddGroup("russia", []string{"Russia", "Russian", "Russians", "Kremlin", "Russian Federation"})
	reg.AddGroup("APT29", []string{"Ursa Minor Test"}) // extends the built-in group
	// "lead" is an alias of the built-in Winnti Group; the user's entity is a
	// group of its own, and its everyday words match in any case.
	reg.AddGroup("lead", []string{"lead poisoning", "Pb"})
	reg.AddGroup("seagroup", []string{"SEA"})
	tests := []struct {
		query, title string
		want         bool
	}{
		{"actor:russia", "The Kremlin said", true},
		{"actor:russia", "Russia's economy", true},
		{"actor:russia", "russian roulette", true},
		{"actor:russia", "Belarus", false},
		{"actor:RUSSIA", "Russian Federation", true},
		{"actor:APT29", "Ursa Minor Test", true},
		{"actor:APT29", "Cozy Bear", true},
		{"actor:lead", "Lead poisoning in Flint", true},
		{"actor:lead", "LEAD POISONING", true},
		{"actor:lead", "PB and J", true},
		{"actor:lead", "LEAD targets gaming firms", true},
		{"actor:Winnti", "lead poisoning", false},
		{"actor:seagroup", "sea levels", false}, // a short acronym keeps its case
		{"actor:seagroup", "SEA", true},
		{"(actor:russia OR Moscow) AND (Azerbaijan OR Azerbaijani OR Baku)", "Kremlin summons Azerbaijani envoy", true},
	}
	for _, tt := range tests {
		if got := fires(t, reg, tt.query, Doc{Title: tt.title}); got != tt.want {
			t.Errorf("%s on %q = %v, want %v", tt.query, tt.title, got, tt.want)
		}
	}
	if err := Check("actor:nosuchgroup", reg, CompileOptions{}); err == nil || !strings.Contains(err.Error(), `unknown actor "nosuchgroup" at 0`) {
		t.Errorf("unknown actor: %v", err)
	}
}

func TestMultilingual(t *testing.T) {
	reg := NewRegistry()
	tests := []struct {
		query, text string
		want        bool
	}{
		{"Россия", "Россия и Азербайджан", true},
		{"россия", "РОССИЯ", true},
		{"Россия", "Россиянин", false},
		{"Росси*", "Россиянин", true},
		{`"Россия и Азербайджан"`, "Россия и Азербайджан", true},
		{"Киев OR Київ", "Новини: Київ під атакою", true},
		{"Харків", "Харкiв", false}, // Latin i is not Cyrillic і
		{"ёлка", "Елка", true},
		{"Україна -Росія", "Україна сьогодні", true},
		{"روسيا", "قالت روسيا اليوم", true},
		{"روسيا", "قالت رُوسِيَا اليوم", true}, // harakat ignored
		{"روسيا", "الروسية", false},
		{"北京", "北京发生地震", true},
		{"北京", "京北", false},
		{"地震", "東京で地震", true},
		{"東京", "東の京", false},
		{"서울", "서울 날씨", true},
		{"Kyiv", "ＫＹＩＶ", true},
		{"Zürich", "zurich", true},
		{"zurich", "ZÜRICH", true},
		{"café", "CAFE", true},
		{"Москва NEAR/2 Баку", "Москва и Баку", true},
	}
	for _, tt := range tests {
		if got := fires(t, reg, tt.query, Doc{Summary: tt.text}); got != tt.want {
			t.Errorf("%q on %q = %v, want %v", tt.query, tt.text, got, tt.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	reg := NewRegistry()
	tests := []struct {
		query string
		want  string
	}{
		{"", "empty query at 0"},
		{"   ", "empty query at 0"},
		{"(russia OR baku))", `unexpected ")" at 16`},
		{"russia OR baku) x", `unexpected ")" at 14`},
		{"(russia", `unclosed "(" at 0`},
		{`"cozy bear`, "unterminated phrase at 0"},
		{"russia OR", "unexpected end of query at 9"},
		{"OR russia", "unexpected OR at 0"},
		{"russia AND AND baku", "unexpected AND at 11"},
		{"a NEAR/0 b", "NEAR/n needs a distance from 1 to 100 at 2"},
		{"a NEAR/x b", "NEAR/n needs a distance from 1 to 100 at 2"},
		{"a NEAR/3 -b", "NEAR needs words, phrases or actors on both sides (OR allowed) at 9"},
		{"(a b) NEAR/3 c", "NEAR needs words, phrases or actors on both sides (OR allowed) at 1"},
		{"title:", "missing term after title: at 6"},
		{"x actor:", "missing term after actor: at 8"},
		{"actor:(a)", "actor: needs a name at 6"},
		{"*", "a prefix needs letters or digits before * at 0"},
		{"ha*ck", "* is allowed only at the end of a word at 2"},
		{"!!!", "term has no letters or digits at 0"},
		{`"..."`, "phrase has no letters or digits at 0"},
		{"Москва )", `unexpected ")" at 7`}, // positions count runes, not bytes
		{"/abc", "unterminated regular expression at 0"},
		{"title:category:x", `unexpected "category:" at 6`},
		{"()", `unexpected ")" at 1`},
	}
	for _, tt := range tests {
		err := Check(tt.query, reg, CompileOptions{AllowRegex: true})
		if err == nil {
			t.Errorf("Check(%q) = nil, want %q", tt.query, tt.want)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Check(%q) = %T, want *SyntaxError", tt.query, err)
		}
		if err.Error() != tt.want {
			t.Errorf("Check(%q) = %q, want %q", tt.query, err.Error(), tt.want)
		}
	}
	for _, ok := range []string{"russia", `"a b" OR c*`, "-x", "title:(a OR b) -category:c", "a NEAR b", "(a OR b) NEAR/3 actor:APT29", "feed:bbc", "a-b", "x:y"} {
		if err := Check(ok, reg, CompileOptions{}); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
	deep := strings.Repeat("(", 200) + "x" + strings.Repeat(")", 200)
	if err := Check(deep, reg, CompileOptions{}); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestCompileErrorsListEveryBadWatch(t *testing.T) {
	_, err := Compile([]Watch{
		{Name: "ok", Query: "russia"},
		{Name: "bad1", Query: "(russia"},
		{Name: "ok2", Query: "baku"},
		{Name: "bad2", Query: "actor:nobody"},
	}, nil, CompileOptions{})
	var ce *CompileErrors
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *CompileErrors", err)
	}
	if len(ce.Errors) != 2 || ce.Errors[0].Name != "bad1" || ce.Errors[0].Index != 1 || ce.Errors[1].Name != "bad2" || ce.Errors[1].Index != 3 {
		t.Fatalf("errors = %v", ce.Errors)
	}
	var se *SyntaxError
	if !errors.As(ce.Errors[1], &se) || se.Pos != 0 {
		t.Errorf("second error = %v", ce.Errors[1])
	}
	if want := `watch "bad1": unclosed "(" at 0; watch "bad2": unknown actor "nobody" at 0`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestHitsInWatchOrderAndTags(t *testing.T) {
	c, err := Compile([]Watch{
		{Name: "b", Query: "kyiv"},
		{Name: "a", Query: "-sports"},
		{Name: "tagged", Query: "kyiv", Tags: []string{"ukraine"}},
		{Name: "other", Query: "kyiv", Tags: []string{"finance", "markets"}},
		{Name: "c", Query: "actor:APT28 OR kyiv"},
	}, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range c.Match(Doc{Title: "Kyiv", FeedTags: []string{"Ukraine"}}) {
		names = append(names, fmt.Sprintf("%s/%d", h.Watch, h.Index))
	}
	if want := []string{"b/0", "a/1", "tagged/2", "c/4"}; !reflect.DeepEqual(names, want) {
		t.Errorf("hits = %v, want %v", names, want)
	}
	names = nil
	for _, h := range c.Match(Doc{Title: "Kyiv"}) {
		names = append(names, h.Watch)
	}
	if want := []string{"b", "a", "c"}; !reflect.DeepEqual(names, want) {
		t.Errorf("untagged feed: hits = %v, want %v", names, want)
	}
}

func TestExplanation(t *testing.T) {
	c, err := Compile([]Watch{
		{Name: "apt29", Query: "actor:APT29 (government OR ministry) -sports"},
		{Name: "hack", Query: `hack* "power grid"`},
	}, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Lorem ipsum dolor sit amet. ", 20)
	d := Doc{
		Title:   "Breach at the ministry",
		Summary: long + "Investigators said Midnight Blizzard, also called Cozy Bear, breached the foreign ministry's mail. " + long,
		Content: "Hackers also probed the power grid.",
	}
	hits := c.Match(d)
	if len(hits) != 2 {
		t.Fatalf("hits = %+v", hits)
	}
	h := hits[0]
	wantTerms := []Term{
		{Text: "actor:APT29", Entity: "APT29", Seen: "Midnight Blizzard"},
		{Text: "ministry", Seen: "ministry"},
	}
	if !reflect.DeepEqual(h.Terms, wantTerms) {
		t.Errorf("terms = %#v, want %#v", h.Terms, wantTerms)
	}
	if got := h.Terms[0].String(); got != `APT29, as "Midnight Blizzard"` {
		t.Errorf("term string = %q", got)
	}
	// The snippet comes from the summary (the body), not the title, which
	// the alert shows anyway; every hit inside it is marked.
	if !strings.HasPrefix(h.Snippet, "…") || !strings.Contains(h.Snippet, "said «Midnight Blizzard», also called «Cozy Bear», breached the foreign «ministry»'s mail.") {
		t.Errorf("snippet = %q", h.Snippet)
	}
	// A hit in the summary wins over an earlier one in the title; with hits
	// only in the title, the title is the snippet.
	if got := c.Match(Doc{Title: "Breach at the ministry", Summary: "Cozy Bear did it"}); len(got) != 1 || got[0].Snippet != "«Cozy Bear» did it" {
		t.Errorf("hits = %+v", got)
	}
	if got := c.Match(Doc{Title: "Cozy Bear hits ministry", Summary: "Nothing to see"}); len(got) != 1 || got[0].Snippet != "«Cozy Bear» hits «ministry»" {
		t.Errorf("hits = %+v", got)
	}
	h = hits[1]
	if want := []Term{{Text: "hack*", Seen: "Hackers"}, {Text: `"power grid"`, Seen: "power grid"}}; !reflect.DeepEqual(h.Terms, want) {
		t.Errorf("terms = %#v", h.Terms)
	}
	if h.Snippet != "«Hackers» also probed the «power grid»." {
		t.Errorf("snippet = %q", h.Snippet)
	}

	// A hit deep in a long text: the snippet is cut around it, with ellipses.
	c2, err := Compile([]Watch{{Name: "x", Query: `actor:APT29`}}, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h = c2.Match(Doc{Summary: d.Summary})[0]
	if !strings.HasPrefix(h.Snippet, "…") || !strings.HasSuffix(h.Snippet, "…") {
		t.Errorf("snippet not cut: %q", h.Snippet)
	}
	if !strings.Contains(h.Snippet, "said «Midnight Blizzard», also called «Cozy Bear», breached") {
		t.Errorf("snippet marks: %q", h.Snippet)
	}
	if n := len([]rune(h.Snippet)); n > 210 || n < 150 {
		t.Errorf("snippet is %d runes: %q", n, h.Snippet)
	}
	if len(h.Terms) != 1 || h.Terms[0].Seen != "Midnight Blizzard" {
		t.Errorf("terms = %#v", h.Terms)
	}
}

func TestConcurrentMatch(t *testing.T) {
	c, err := Compile([]Watch{
		{Name: "apt29", Query: "actor:APT29"},
		{Name: "ru", Query: "russia NEAR/3 sanctions"},
		{Name: "not", Query: "-weather"},
	}, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	docs := []struct {
		d    Doc
		want int
	}{
		{Doc{Title: "Cozy Bear and new Russia sanctions"}, 3},
		{Doc{Title: "weather"}, 0},
		{Doc{Title: "Russia"}, 1},
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				tc := docs[(i+g)%len(docs)]
				if n := len(c.Match(tc.d)); n != tc.want {
					t.Errorf("%q: %d hits, want %d", tc.d.Title, n, tc.want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestEmptyWatchlist(t *testing.T) {
	c, err := Compile(nil, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := c.Match(Doc{Title: "x"}); h != nil {
		t.Errorf("hits = %v", h)
	}
	var _ Matcher = c
}

func TestSnippetEdges(t *testing.T) {
	tests := []struct {
		name, query string
		d           Doc
		want        string
	}{
		{"cyrillic", "Москва Баку", Doc{Summary: "Вчера  Москва\nвызвала посла, сообщает Баку."}, "Вчера «Москва» вызвала посла, сообщает «Баку»."},
		{"overlapping terms", `"cozy bear" bear`, Doc{Title: "Cozy Bear is back"}, "«Cozy Bear» is back"},
		{"possessive", "russia", Doc{Title: "Russia's army"}, "«Russia»'s army"},
		{"category", "category:europe", Doc{Title: "x", Categories: []string{"World", "Europe"}}, "«Europe»"},
		{"cjk", "地震", Doc{Content: "東京で地震があった"}, "東京で«地震»があった"},
		{"not terms unmarked", "kyiv -moscow", Doc{Title: "Kyiv news"}, "«Kyiv» news"},
		{"feed only", "feed:wire", Doc{Title: "Kyiv news", Feed: "Wire"}, ""},
		{"regex", `/\d+ drones/`, Doc{Summary: "Ukraine downed 40 drones overnight"}, "Ukraine downed «40 drones» overnight"},
	}
	for _, tt := range tests {
		c, err := Compile([]Watch{{Name: "w", Query: tt.query}}, nil, CompileOptions{AllowRegex: true})
		if err != nil {
			t.Fatal(err)
		}
		hits := c.Match(tt.d)
		if len(hits) != 1 {
			t.Errorf("%s: %d hits", tt.name, len(hits))
			continue
		}
		if hits[0].Snippet != tt.want {
			t.Errorf("%s: snippet %q, want %q", tt.name, hits[0].Snippet, tt.want)
		}
	}
}

func TestTermRendering(t *testing.T) {
	c, err := Compile([]Watch{{Name: "w", Query: `actor:APT29 feed:wire /CVE-\d+/ title:kyiv`}}, nil, CompileOptions{AllowRegex: true})
	if err != nil {
		t.Fatal(err)
	}
	hits := c.Match(Doc{Title: "KYIV: APT29 exploits CVE-2024", Feed: "Wire"})
	if len(hits) != 1 {
		t.Fatalf("hits = %v", hits)
	}
	var got []string
	for _, term := range hits[0].Terms {
		got = append(got, term.String())
	}
	want := []string{"APT29", "Wire", "CVE-2024", "KYIV"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("terms = %q, want %q", got, want)
	}
	if hits[0].Terms[1].Text != "feed:wire" || hits[0].Terms[2].Text != `/CVE-\d+/` || hits[0].Terms[3].Text != "title:kyiv" {
		t.Errorf("term texts = %#v", hits[0].Terms)
	}
}

// TestLargeDocument runs queries that could go quadratic (NEAR chains over
// words that occur everywhere) on a document of 200,000 words; a quadratic
// step would make this test time out.
func TestLargeDocument(t *testing.T) {
	big := strings.Repeat("alpha beta gamma ", 200000/3)
	c, err := Compile([]Watch{
		{Name: "near", Query: "alpha NEAR/5 beta"},
		{Name: "chain", Query: "(alpha OR beta) NEAR/3 (beta OR gamma) NEAR/3 alpha NEAR/2 gamma"},
		{Name: "word", Query: "gamma"},
		{Name: "prefix", Query: "al* -delta"},
	}, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hits := c.Match(Doc{Content: big})
	if len(hits) != 4 {
		t.Fatalf("%d hits, want 4", len(hits))
	}
	for _, h := range hits {
		text := strings.NewReplacer("«", "", "»", "").Replace(h.Snippet)
		if n := len([]rune(text)); n > 205 {
			t.Errorf("%s: snippet of %d runes besides the marks", h.Watch, n)
		}
		if !strings.HasPrefix(h.Snippet, "«alpha»") && !strings.HasPrefix(h.Snippet, "alpha «beta»") && !strings.HasPrefix(h.Snippet, "alpha beta «gamma»") {
			t.Errorf("%s: snippet %q", h.Watch, h.Snippet)
		}
	}
}

func TestSameQueryManyWatches(t *testing.T) {
	var ws []Watch
	for i := 0; i < 5; i++ {
		w := Watch{Name: fmt.Sprintf("chat%d", i), Query: "actor:APT29 -weather"}
		if i == 0 {
			w.Tags = []string{"finance"} // filtered out: its twins must still be evaluated
		}
		ws = append(ws, w)
	}
	ws = append(ws, Watch{Name: "bad1", Query: "(x"}, Watch{Name: "bad2", Query: "(x"})
	_, err := Compile(ws, nil, CompileOptions{})
	var ce *CompileErrors
	if !errors.As(err, &ce) || len(ce.Errors) != 2 || ce.Errors[1].Name != "bad2" {
		t.Fatalf("duplicate bad queries: %v", err)
	}
	c, err := Compile(ws[:5], nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hits := c.Match(Doc{Title: "Cozy Bear again", FeedTags: []string{"world"}})
	if len(hits) != 4 {
		t.Fatalf("%d hits, want 4", len(hits))
	}
	for i, h := range hits {
		if h.Watch != fmt.Sprintf("chat%d", i+1) || h.Index != i+1 || len(h.Terms) != 1 || h.Terms[0].Seen != "Cozy Bear" || h.Snippet != "«Cozy Bear» again" {
			t.Errorf("hit %d = %+v", i, h)
		}
	}
	hits[0].Terms[0].Seen = "changed"
	if hits[1].Terms[0].Seen != "Cozy Bear" {
		t.Error("hits share their Terms")
	}
	if len(c.Match(Doc{Title: "Cozy Bear weather"})) != 0 {
		t.Error("exclusion ignored for twins")
	}
}

func TestNearMarksOnlyCloseWords(t *testing.T) {
	c, err := Compile([]Watch{{Name: "w", Query: "drone NEAR/2 (strike OR strikes)"}}, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := Doc{Summary: "A drone was seen. " + strings.Repeat("filler ", 10) + "Then a drone strike hit. Strikes continued."}
	hits := c.Match(d)
	if len(hits) != 1 {
		t.Fatalf("hits = %v", hits)
	}
	sn := hits[0].Snippet
	if !strings.Contains(sn, "a «drone» «strike» hit. «Strikes» continued.") || strings.Contains(sn, "A «drone»") {
		t.Errorf("snippet = %q", sn)
	}
	if want := []Term{{Text: "drone", Seen: "drone"}, {Text: "strike", Seen: "strike"}, {Text: "strikes", Seen: "Strikes"}}; !reflect.DeepEqual(hits[0].Terms, want) {
		t.Errorf("terms = %#v", hits[0].Terms)
	}
}
