package discord

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/newshound/newshound/model"
)

// boldMarkers counts unescaped "**" markers (escapes are skipped first).
func boldMarkers(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++ // skip the escaped byte (escapes are ASCII)
		case strings.HasPrefix(s[i:], "**"):
			n++
			i++
		}
	}
	return n
}

// checkEmbedLimits asserts every Discord embed limit and well-formedness.
func checkEmbedLimits(t *testing.T, e *discordgo.MessageEmbed) {
	t.Helper()
	limit := func(what, s string, max int) {
		t.Helper()
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8", what)
		}
		if n := utf8.RuneCountInString(s); n > max {
			t.Errorf("%s has %d characters, limit %d", what, n, max)
		}
		if strings.HasSuffix(s, `\`) && !strings.HasSuffix(s, `\\`) {
			t.Errorf("%s ends in a dangling escape", what)
		}
	}
	limit("title", e.Title, MaxTitle)
	limit("description", e.Description, MaxDescription)
	if e.Author != nil {
		limit("author", e.Author.Name, MaxAuthor)
	}
	if len(e.Fields) > MaxFields {
		t.Errorf("%d fields, limit %d", len(e.Fields), MaxFields)
	}
	for i, f := range e.Fields {
		limit("field name", f.Name, MaxFieldName)
		limit("field value", f.Value, MaxFieldValue)
		if f.Name == "" || f.Value == "" {
			t.Errorf("field %d empty: %+v", i, f)
		}
	}
	if n := EmbedLen(e); n > MaxEmbedTotal {
		t.Errorf("embed total %d, limit %d", n, MaxEmbedTotal)
	}
	if boldMarkers(e.Description)%2 != 0 {
		t.Errorf("unbalanced bold markers in description %q", e.Description)
	}
}

func TestBuildEmbedLimits(t *testing.T) {
	manyWatches := func(n, terms int) []model.WatchMatch {
		var ws []model.WatchMatch
		for i := 0; i < n; i++ {
			w := model.WatchMatch{Name: strings.Repeat("w_", 200)}
			for j := 0; j < terms; j++ {
				w.Terms = append(w.Terms, "term-"+strings.Repeat("é", j%9))
			}
			ws = append(ws, w)
		}
		return ws
	}
	tests := []struct {
		name        string
		a           model.Alert
		cutTitle    bool
		cutDesc     bool
		wantFields  int // -1: do not check
		wantSnippet string
	}{
		{name: "title at exactly 256", a: model.Alert{Title: strings.Repeat("a", 256)}, wantFields: 0},
		{name: "title 257", a: model.Alert{Title: strings.Repeat("a", 257)}, cutTitle: true, wantFields: 0},
		{name: "title of escapes", a: model.Alert{Title: strings.Repeat("*", 300)}, cutTitle: true, wantFields: 0},
		{name: "multibyte title", a: model.Alert{Title: strings.Repeat("🦊я", 300)}, cutTitle: true, wantFields: 0},
		{name: "long snippet, hits everywhere", a: model.Alert{Title: "t",
			Snippet: strings.Repeat("«APT29» did _this_ ", 500)}, cutDesc: true, wantFields: 0},
		{name: "cut inside a hit", a: model.Alert{Title: "t",
			Snippet: strings.Repeat("x", 4090) + "«long hit text here»"}, cutDesc: true, wantFields: 0},
		{name: "30 watches", a: model.Alert{Title: "t", Snippet: "s", Watches: manyWatches(30, 3)}, wantFields: -1},
		{name: "huge everything", a: model.Alert{Title: strings.Repeat("T", 1000), Feed: strings.Repeat("F", 1000),
			Snippet: strings.Repeat("«hit» ", 3000), Watches: manyWatches(40, 500)}, cutTitle: true, cutDesc: true, wantFields: -1},
		{name: "hits only", a: model.Alert{Title: "t", Snippet: "«a»«b» « c »"}, wantFields: 0, wantSnippet: "**ab**  **c** "},
		// Unpaired markers are text (model.Segments), as on Telegram.
		{name: "unbalanced markers", a: model.Alert{Title: "t", Snippet: "a » b « c"}, wantFields: 0, wantSnippet: "a » b « c"},
		{name: "nested markers", a: model.Alert{Title: "t", Snippet: "«a «b» c»"}, wantFields: 0, wantSnippet: "«a **b** c»"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := BuildEmbed(tc.a)
			checkEmbedLimits(t, e)
			if got := strings.HasSuffix(e.Title, "…"); got != tc.cutTitle {
				t.Errorf("title cut = %v, want %v (%d chars)", got, tc.cutTitle, utf8.RuneCountInString(e.Title))
			}
			if tc.cutTitle && utf8.RuneCountInString(e.Title) < MaxTitle-2 {
				t.Errorf("title cut too short: %d", utf8.RuneCountInString(e.Title))
			}
			if got := strings.HasSuffix(e.Description, "…"); got != tc.cutDesc {
				t.Errorf("description cut = %v, want %v", got, tc.cutDesc)
			}
			if tc.wantFields >= 0 && len(e.Fields) != tc.wantFields {
				t.Errorf("%d fields, want %d", len(e.Fields), tc.wantFields)
			}
			if tc.wantSnippet != "" && e.Description != tc.wantSnippet {
				t.Errorf("description = %q, want %q", e.Description, tc.wantSnippet)
			}
		})
	}
}

func TestBuildEmbedFields(t *testing.T) {
	var ws []model.WatchMatch
	for i := 0; i < 30; i++ {
		ws = append(ws, model.WatchMatch{Name: "watch" + string(rune('A'+i)), Terms: []string{"t1", "t2"}})
	}
	e := BuildEmbed(model.Alert{Title: "t", Watches: ws})
	if len(e.Fields) != MaxFields {
		t.Fatalf("%d fields, want %d", len(e.Fields), MaxFields)
	}
	last := e.Fields[MaxFields-1]
	if last.Name != "More watches" || !strings.Contains(last.Value, "watchY") || !strings.Contains(last.Value, string(rune('A'+29))) {
		t.Errorf("last field = %+v", last)
	}
	if e.Fields[0].Value != "t1, t2" {
		t.Errorf("first field value = %q", e.Fields[0].Value)
	}
	if e.Color != Colour("watchA") {
		t.Errorf("colour not from first watch")
	}
	// A watch without terms still gets a non-empty value.
	e = BuildEmbed(model.Alert{Title: "t", Watches: []model.WatchMatch{{Name: ""}}})
	if e.Fields[0].Name == "" || e.Fields[0].Value == "" {
		t.Errorf("empty field: %+v", e.Fields[0])
	}
}

func TestBuildEmbedOptionalParts(t *testing.T) {
	e := BuildEmbed(model.Alert{Title: "", Link: "javascript:alert(1)"})
	if e.URL != "" || e.Timestamp != "" || e.Author != nil || e.Title == "" || e.Color != 0 {
		t.Errorf("embed = %+v", e)
	}
	e = BuildEmbed(model.Alert{Title: "x", Link: "https://e.com/a", Published: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))})
	if e.URL != "https://e.com/a" || e.Timestamp != "2026-01-02T02:04:05Z" {
		t.Errorf("url/timestamp = %q %q", e.URL, e.Timestamp)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"**bold** _it_ ~~s~~ `c` ||sp||", `\*\*bold\*\* \_it\_ \~\~s\~\~ \` + "`c\\`" + ` \|\|sp\|\|`},
		{"@everyone @here", "@\u200beveryone @\u200bhere"},
		{"<@123> <@!4> <@&5> <#6>", "\\<@\u200b123\\> \\<@\u200b!4\\> \\<@\u200b&5\\> \\<#6\\>"},
		{"[x](https://evil)", `\[x\]\(https://evil\)`},
		{"# head\n- item\na-b #tag", "\\# head\n\\- item\na-b #tag"},
		{"> quote", `\> quote`},
		{`back\slash`, `back\\slash`},
		{"bad \xff utf8", "bad \uFFFD utf8"},
	}
	for _, tc := range tests {
		if got := Escape(tc.in, 0); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Cutting never splits an escape and respects the limit.
	for max := 1; max < 12; max++ {
		got := Escape("*****@@@@@", max)
		if n := utf8.RuneCountInString(got); n > max {
			t.Errorf("Escape(.., %d) has %d characters", max, n)
		}
		if strings.HasSuffix(strings.TrimSuffix(got, "…"), `\`) {
			t.Errorf("Escape(.., %d) = %q splits an escape", max, got)
		}
	}
}

func TestColourStable(t *testing.T) {
	first, again := Colour("apt29"), Colour(strings.ToLower("APT29"))
	if first != again || first == 0 {
		t.Fatal("colour not stable or zero")
	}
	seen := map[int]bool{}
	for _, w := range []string{"apt29", "russia-azerbaijan", "ransomware", "ukraine", "elections", "china"} {
		seen[Colour(w)] = true
	}
	if len(seen) < 3 {
		t.Errorf("six watches share %d colours", len(seen))
	}
}

func TestSplitReply(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		wantParts int
		cut       bool
	}{
		{"short", "hello", 1, false},
		{"empty", "  ", 1, false},
		{"two parts on lines", strings.Repeat("0123456789 line\n", 200), 2, false},
		{"too long", strings.Repeat("x", 20000), 5, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := splitReply(tc.text, MaxContent, 5)
			if len(parts) != tc.wantParts {
				t.Fatalf("%d parts, want %d", len(parts), tc.wantParts)
			}
			for i, p := range parts {
				if n := utf8.RuneCountInString(p); n > MaxContent || n == 0 {
					t.Errorf("part %d has %d characters", i, n)
				}
			}
			if got := strings.HasSuffix(parts[len(parts)-1], "…"); got != tc.cut {
				t.Errorf("cut = %v, want %v", got, tc.cut)
			}
			if tc.name == "two parts on lines" && !strings.HasSuffix(parts[0], "line") {
				t.Errorf("first part not split at a line break: %q", parts[0][len(parts[0])-20:])
			}
		})
	}
}
