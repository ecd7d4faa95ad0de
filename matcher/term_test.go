package matcher

import (
	"strings"
	"testing"
)

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

// TestTermSeenWhereSnippetIs checks that a term names the spelling the
// snippet shows: the snippet prefers the body to the title, so an alert
// whose snippet marks «Cozy Bear» must say `APT29, as "Cozy Bear"` even when
// the title wrote APT29.
func TestTermSeenWhereSnippetIs(t *testing.T) {
	c, err := Compile([]Watch{{Name: "apt29", Query: "actor:APT29"}}, nil, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name        string
		doc         Doc
		reason      string
		snippetMark string
	}{
		{"title APT29, summary alias", Doc{Title: "APT29 hits ministry", Summary: "The group known as Cozy Bear breached it."},
			`APT29, as "Cozy Bear"`, "«Cozy Bear»"},
		{"title alias, summary APT29", Doc{Title: "Cozy Bear hits ministry", Summary: "APT29 breached it."},
			"APT29", "«APT29»"},
		{"title alias, content other alias", Doc{Title: "Cozy Bear hits ministry", Content: "Midnight Blizzard breached it."},
			`APT29, as "Midnight Blizzard"`, "«Midnight Blizzard»"},
		{"summary before content", Doc{Summary: "NOBELIUM again.", Content: "Cozy Bear breached it."},
			`APT29, as "NOBELIUM"`, "«NOBELIUM»"},
		{"only the title", Doc{Title: "Cozy Bear hits ministry"},
			`APT29, as "Cozy Bear"`, "«Cozy Bear»"},
		{"first in the summary", Doc{Summary: "Midnight Blizzard, or Cozy Bear"},
			`APT29, as "Midnight Blizzard"`, "«Midnight Blizzard»"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hits := c.Match(tt.doc)
			if len(hits) != 1 || len(hits[0].Terms) != 1 {
				t.Fatalf("hits = %+v", hits)
			}
			h := hits[0]
			if got := h.Terms[0].String(); got != tt.reason {
				t.Errorf("reason = %q, want %q", got, tt.reason)
			}
			if !strings.HasPrefix(h.Snippet, tt.snippetMark) && !strings.Contains(h.Snippet, " "+tt.snippetMark) {
				t.Errorf("snippet = %q, want it to mark %s", h.Snippet, tt.snippetMark)
			}
		})
	}
}
