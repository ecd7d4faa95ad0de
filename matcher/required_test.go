package matcher

import (
	"slices"
	"strings"
	"testing"
)

func TestIndexText(t *testing.T) {
	for _, tc := range []struct {
		feed string
		in   []string
		want string
	}{
		{"The Record", []string{"record", "3CX"}, "__the __record record 3 cx"},
		{"", []string{"3CX hack: Russia's APT29", "hack again"}, "3 cx hack russia apt 29 again"},
		{"", []string{"ＡＰＴ２９ ﬁnance ſecret coŀlegi"}, "apt 29 finance secret col·legi"},
		{"", []string{"Élection à Paris", "Straße"}, "election a paris strasse"},
		{"", []string{"⑴ ﷺ"}, "_281_29 صلى_20الله_20عليه_20وسلم"},
		{"", []string{"", "..."}, ""},
		{"", []string{strings.Repeat("ab", 80)}, strings.Repeat("ab", 50)},
	} {
		if got := string(IndexText(nil, tc.feed, tc.in...)); got != tc.want {
			t.Errorf("IndexText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSearchWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"ransom* Hospital", []string{"ransom*", "hospital"}},
		{"APT29*", []string{"apt", "29*"}},
		{`"hospital": (ransomware-^`, []string{"hospital", "ransomware"}},
		{"*** -", nil},
	} {
		if got := SearchWords(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("SearchWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRequiredWords(t *testing.T) {
	reg := NewRegistry()
	for _, tc := range []struct {
		q    string
		want [][]string
	}{
		{"ransomware AND (hospital OR ministry)", [][]string{{"hospital", "hospitals", "ministry", "ministries"}, {"ransomware", "ransomwares"}}},
		{"title:ransomware", [][]string{{"ransomware", "ransomwares"}}},
		{`"=ransomware"`, [][]string{{"ransomware"}}},
		{`"power grid"`, [][]string{{"power"}, {"grid", "grids"}}},
		{"hack* NEAR/3 bank", [][]string{{"hack*"}, {"bank", "banks"}}},
		{"ransomware OR -bank", nil},
		{"-ransomware", nil},
		{"/bank/ -bank", nil},
		{"feed:Reuters bank", [][]string{{"__reuters"}, {"bank", "banks"}}},
		{`feed:"The Rec*"`, [][]string{{"__rec*"}, {"__the"}}},
		{"APT29", [][]string{{"apt"}, {"29"}}},
		{"3CX", [][]string{{"cx"}, {"3"}}},
		{"ﬁnance", [][]string{{"finance", "finances"}}},
		{"(", nil},
		{"actor:Nosuch", nil},
	} {
		got := RequiredWords(tc.q, reg)
		if !slices.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("RequiredWords(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
	// An actor: one clause, a word of each alias.
	got := RequiredWords("actor:APT29", reg)
	if len(got) != 1 || !slices.Contains(got[0], "nobelium") || !slices.Contains(got[0], "apt") || slices.Contains(got[0], "g") {
		t.Errorf("RequiredWords(actor:APT29) = %q, want one clause with nobelium and apt, not g (of G0016)", got)
	}
}

func TestIndexQueryExact(t *testing.T) {
	reg := NewRegistry()
	for _, tc := range []struct {
		q     string
		exact bool
	}{
		{"pipeline", true},
		{"hosp*", true},
		{"ransomware AND (hospital OR ministry)", true},
		{"россия", true},
		{"(bank OR hosp*) (ransomware OR hackers)", true},
		{`"power grid"`, false},
		{"APT29", false}, // two words in a row
		{"title:bank", false},
		{"bank -ransomware", false},
		{"bank NEAR/3 hackers", false},
		{"actor:APT29", false},
		{"feed:UA bank", false},
		{"bank OR title:bank", false},
		{"(bank ransomware) OR hospital", false}, // one side gives two sets
		{"/bank/", false},
	} {
		if _, got := IndexQuery(tc.q, reg); got != tc.exact {
			t.Errorf("IndexQuery(%q) exact = %v, want %v", tc.q, got, tc.exact)
		}
	}
}
