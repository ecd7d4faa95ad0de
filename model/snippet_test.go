package model

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSegments(t *testing.T) {
	tests := []struct {
		in   string
		want string // segments rendered as [text] and *hit*
	}{
		{"", ""},
		{"no hits", "[no hits]"},
		{"«APT29»", "*APT29*"},
		{"the «APT29» group", "[the ]*APT29*[ group]"},
		{"«a» and «b»", "*a*[ and ]*b*"},
		{"«a»«b» « c »", "*ab*[ ]* c *"},
		{"«»empty", "[empty]"},
		{"a«»b", "[ab]"},
		// unpaired markers are literal text
		{"open « only", "[open « only]"},
		{"close » only", "[close » only]"},
		{"a » b « c", "[a » b « c]"},
		{"«x» then « stray", "*x*[ then « stray]"},
		{"stray » then «x»", "[stray » then ]*x*"},
		{"»«x»«", "[»]*x*[«]"},
		{"««x»»", "[«]*x*[»]"},
		// no nesting: the last « before a » pairs with it
		{"«a «b» c»", "[«a ]*b*[ c»]"},
		{"«a «b «c» d", "[«a «b ]*c*[ d]"},
		// the text's own quotes, made curly by the matcher, are text
		{"Компания “«Газпром»” и “Роснефть”", "[Компания “]*Газпром*[” и “Роснефть”]"},
		{"«🦊» я", "*🦊*[ я]"},
		{"\xff«\xfe»", "[\xff]*\xfe*"},
	}
	for _, tt := range tests {
		segs := Segments(tt.in)
		var b, joined strings.Builder
		for i, s := range segs {
			if s.Text == "" {
				t.Errorf("Segments(%q): empty segment %d", tt.in, i)
			}
			if i > 0 && segs[i-1].Hit == s.Hit {
				t.Errorf("Segments(%q): segments %d and %d are both hit=%v", tt.in, i-1, i, s.Hit)
			}
			if s.Hit {
				b.WriteString("*" + s.Text + "*")
				joined.WriteString(HitOpen + s.Text + HitClose)
			} else {
				b.WriteString("[" + s.Text + "]")
				joined.WriteString(s.Text)
			}
		}
		if b.String() != tt.want {
			t.Errorf("Segments(%q) = %s, want %s", tt.in, b.String(), tt.want)
		}
		// Nothing but empty pairs is lost.
		if got, want := joined.String(), strings.ReplaceAll(tt.in, HitOpen+HitClose, ""); got != want && !strings.Contains(tt.in, "»«") {
			t.Errorf("Segments(%q) joined back = %q, want %q", tt.in, got, want)
		}
	}
}

func FuzzSegments(f *testing.F) {
	for _, s := range []string{"«a» b", "«a «b» c»", "»«", "««»»", "«»"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			// Joining cut bytes can spell a marker that was not there
			// ("\xc2" + "\xab"); snippets are valid UTF-8.
			t.Skip()
		}
		segs := Segments(s)
		var plain strings.Builder
		for i, sg := range segs {
			if sg.Text == "" || (i > 0 && segs[i-1].Hit == sg.Hit) {
				t.Fatalf("Segments(%q) = %+v: empty or unmerged segment", s, segs)
			}
			if sg.Hit && strings.ContainsAny(sg.Text, HitOpen+HitClose) {
				t.Fatalf("Segments(%q): a hit holds a marker: %+v", s, segs)
			}
			plain.WriteString(sg.Text)
		}
		// Only paired markers disappear: two characters per hit at most.
		strip := func(x string) string {
			return strings.NewReplacer(HitOpen, "", HitClose, "").Replace(x)
		}
		if strip(plain.String()) != strip(s) {
			t.Fatalf("Segments(%q) changed the text: %+v", s, segs)
		}
	})
}
