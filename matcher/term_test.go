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

func TestSnippetKeepsMarkersForHitsOnly(t *testing.T) {
	c, err := Compile([]Watch{{Name: "gas", Query: "Газпром"}}, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hits := c.Match(Doc{Summary: `Компания «Газпром» и «Роснефть» заявили о сделке`})
	if len(hits) != 1 {
		t.Fatalf("hits = %+v", hits)
	}
	got := hits[0].Snippet
	want := `Компания “«Газпром»” и “Роснефть” заявили о сделке`
	if got != want {
		t.Fatalf("snippet = %q, want %q (the text's own guillemets must not look like hits)", got, want)
	}
}
