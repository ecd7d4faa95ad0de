package matcher

import "testing"

func TestTermString(t *testing.T) {
	for _, tt := range []struct {
		term Term
		want string
	}{
		{Term{Text: "actor:APT29", Entity: "APT29", Seen: "Cozy Bear"}, `APT29, as "Cozy Bear"`},
		{Term{Text: "actor:APT29", Entity: "APT29", Seen: "apt29"}, "APT29"},
		{Term{Text: "actor:APT29", Entity: "APT29"}, "APT29"},
		{Term{Text: "hack*", Seen: "hackers"}, "hackers"},
		{Term{Text: "Baku"}, "Baku"},
	} {
		if got := tt.term.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.term, got, tt.want)
		}
	}
}
