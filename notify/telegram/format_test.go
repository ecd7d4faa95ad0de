package telegram

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
)

func TestEscapeHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"AT&T", "AT&amp;T"},
		{`say "hi"`, "say &quot;hi&quot;"},
		{"&amp; already", "&amp;amp; already"},
		{"Россия & 東京", "Россия &amp; 東京"},
	}
	for _, tt := range tests {
		if got := escapeHTML(tt.in); got != tt.want {
			t.Errorf("escapeHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSafeHref(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"},
		{"HTTP://Example.com/x", "http://Example.com/x"},
		{"  https://example.com/  ", "https://example.com/"},
		{"javascript:alert(1)", ""},
		{"data:text/html,<b>x</b>", ""},
		{"tg://resolve?domain=x", ""},
		{"/relative/path", ""},
		{"https://user:pw@example.com/", ""},
		{"", ""},
		{"https://bad\u00a0host\u200b.com/", ""},
		{"https://example.com/\"onmouseover=\"x", "https://example.com/%22onmouseover=%22x"},
		{"https://example.com/?q=\"><script>", "https://example.com/?q=%22%3E%3Cscript%3E"},
		{"https://пример.рф/путь?q=a b", "https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C?q=a%20b"},
	}
	for _, tt := range tests {
		if got := safeHref(tt.in); got != tt.want {
			t.Errorf("safeHref(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"abc", 3}, {"Київ", 4}, {"🔎", 2}, {"a🔎b", 4}, {"\xff", 1}, {"東京", 2},
	}
	for _, tt := range tests {
		if got := utf16Len(tt.in); got != tt.want {
			t.Errorf("utf16Len(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestSnippetSpans(t *testing.T) {
	tests := []struct {
		in   string
		want string // spans rendered as [text] and *hit*
	}{
		{"no hits", "[no hits]"},
		{"the «APT29» group", "[the ]*APT29*[ group]"},
		{"«a» and «b»", "*a*[ and ]*b*"},
		{"open « only", "[open « only]"},
		{"close » only", "[close » only]"},
		{"«x» then « stray", "*x*[ then « stray]"},
		{"«»empty", "[empty]"},
		{"«a «b» c»", "[«a ]*b*[ c»]"},
		{"«a»«b»", "*ab*"},
	}
	for _, tt := range tests {
		var b strings.Builder
		for _, s := range snippetSpans(tt.in) {
			if s.open == "<b>" {
				fmt.Fprintf(&b, "*%s*", s.text)
			} else {
				fmt.Fprintf(&b, "[%s]", s.text)
			}
		}
		if b.String() != tt.want {
			t.Errorf("snippetSpans(%q) = %s, want %s", tt.in, b.String(), tt.want)
		}
	}
}

func sampleAlert() model.Alert {
	return model.Alert{
		ID:          7,
		Destination: "telegram:-1001234567890",
		Title:       "APT29 targets embassies",
		Link:        "https://example.com/story?id=1&utm_source=x",
		Feed:        "The Record",
		Published:   time.Date(2026, 11, 27, 0, 27, 59, 0, time.FixedZone("EET", 2*3600)),
		Snippet:     "Researchers said «Cozy Bear» sent phishing lures to «embassies».",
		Watches: []model.WatchMatch{
			{Name: "apt29", Terms: []string{`APT29, as "Cozy Bear"`}},
			{Name: "diplomacy", Terms: []string{"embassies"}},
		},
	}
}

func TestRenderAlertLayout(t *testing.T) {
	html, ok := renderAlert(sampleAlert(), MaxMessageLen)
	if !ok {
		t.Fatal("renderAlert reported it cannot fit a short alert")
	}
	want := `<b><a href="https://example.com/story?id=1&amp;utm_source=x">APT29 targets embassies</a></b>` + "\n" +
		`<i>The Record</i> · <i>2026-11-26 22:27 UTC</i>` + "\n\n" +
		`Researchers said <b>Cozy Bear</b> sent phishing lures to <b>embassies</b>.` + "\n\n" +
		`🔎 <b>apt29</b>: APT29, as &quot;Cozy Bear&quot;` + "\n" +
		`🔎 <b>diplomacy</b>: embassies`
	if html != want {
		t.Errorf("renderAlert:\n got %q\nwant %q", html, want)
	}
}

func TestRenderAlertHostile(t *testing.T) {
	tests := []struct {
		name string
		a    model.Alert
		// wantVisible must appear in the visible text verbatim.
		wantVisible []string
		wantHref    string // "" means: no link at all
	}{
		{
			name:        "script title",
			a:           model.Alert{Title: "<script>alert('x')</script>", Link: "https://e.com/", Feed: "F"},
			wantVisible: []string{"<script>alert('x')</script>"},
			wantHref:    "https://e.com/",
		},
		{
			name:        "ampersands and fake entities",
			a:           model.Alert{Title: "AT&T &amp; &lt;b&gt; &#60;", Link: "https://e.com/", Feed: "A&B"},
			wantVisible: []string{"AT&T &amp; &lt;b&gt; &#60;", "A&B"},
			wantHref:    "https://e.com/",
		},
		{
			name:        "unbalanced tags",
			a:           model.Alert{Title: "</b></a><b><i>broken", Link: "https://e.com/", Feed: "<i>feed", Snippet: "«</b>» <pre>"},
			wantVisible: []string{"</b></a><b><i>broken", "<i>feed", "</b> <pre>"},
			wantHref:    "https://e.com/",
		},
		{
			name:        "quotes in href",
			a:           model.Alert{Title: "T", Link: `https://e.com/?q="><script>alert(1)</script>&x='y'`, Feed: "F"},
			wantVisible: []string{"T"},
			wantHref:    `https://e.com/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&x='y'`,
		},
		{
			name:        "javascript link not linked",
			a:           model.Alert{Title: "Click", Link: "javascript:alert(document.cookie)", Feed: "F"},
			wantVisible: []string{"Click"},
		},
		{
			name:        "hostile watch and terms",
			a:           model.Alert{Title: "T", Link: "https://e.com/", Watches: []model.WatchMatch{{Name: "<b>w", Terms: []string{`"x" & <y>`}}}},
			wantVisible: []string{"<b>w", `"x" & <y>`},
			wantHref:    "https://e.com/",
		},
		{
			name:        "control characters",
			a:           model.Alert{Title: "a\x00b\rc\x1bd", Link: "https://e.com/", Snippet: "x\x07y\xffz"},
			wantVisible: []string{"abcd", "xy\uFFFDz"},
			wantHref:    "https://e.com/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html, ok := renderAlert(tt.a, MaxMessageLen)
			if !ok {
				t.Fatal("cannot fit")
			}
			vis, ents, err := telegramtest.ParseHTML(html)
			if err != nil {
				t.Fatalf("Telegram would refuse %q: %v", html, err)
			}
			for _, w := range tt.wantVisible {
				if !strings.Contains(vis, w) {
					t.Errorf("visible text %q lacks %q", vis, w)
				}
			}
			var hrefs []string
			for _, e := range ents {
				if e.Type == "a" {
					hrefs = append(hrefs, e.Href)
				}
			}
			switch {
			case tt.wantHref == "" && len(hrefs) != 0:
				t.Errorf("links %q, want none", hrefs)
			case tt.wantHref != "" && (len(hrefs) != 1 || hrefs[0] != tt.wantHref):
				t.Errorf("links %q, want [%q]", hrefs, tt.wantHref)
			}
		})
	}
}

func TestRenderAlertLong(t *testing.T) {
	long := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) }
	tests := []struct {
		name string
		a    model.Alert
		// keep lists visible strings that must survive the cut.
		keep []string
		// cut says which field must show the ellipsis.
		cut string
	}{
		{
			name: "long snippet with hits",
			a: model.Alert{Title: "Short title", Link: "https://e.com/", Feed: "Feed", Published: time.Unix(0, 0),
				Snippet: long("«APT29» word", 2000), Watches: []model.WatchMatch{{Name: "apt29", Terms: []string{"APT29"}}}},
			keep: []string{"Short title", "Feed", "1970-01-01 00:00 UTC", "apt29: APT29"},
			cut:  "snippet-hits",
		},
		{
			name: "emoji snippet counts double",
			a: model.Alert{Title: "T", Link: "https://e.com/", Feed: "F",
				Snippet: strings.Repeat("🔥", 3000), Watches: []model.WatchMatch{{Name: "w", Terms: []string{"x"}}}},
			keep: []string{"T", "w: x"},
			cut:  "snippet",
		},
		{
			name: "huge title and snippet",
			a: model.Alert{Title: long("title", 2000), Link: "https://e.com/", Feed: "Feed",
				Snippet: long("snippet", 2000), Watches: []model.WatchMatch{{Name: "w", Terms: []string{"x"}}}},
			keep: []string{"Feed", "🔎 w: x", "snippet snippet"},
			cut:  "title",
		},
		{
			name: "a thousand watches",
			a: func() model.Alert {
				a := model.Alert{Title: "Many", Link: "https://e.com/", Feed: "Feed", Snippet: "short «hit»"}
				for i := range 1000 {
					a.Watches = append(a.Watches, model.WatchMatch{Name: fmt.Sprintf("watch-%04d", i), Terms: []string{"term one", "term two"}})
				}
				return a
			}(),
			keep: []string{"Many", "Feed", "watch-0000"},
			cut:  "watches",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html, ok := renderAlert(tt.a, MaxMessageLen)
			if !ok {
				t.Fatal("cannot fit")
			}
			vis, ents, err := telegramtest.ParseHTML(html)
			if err != nil {
				t.Fatalf("markup broken by the cut: %v", err)
			}
			n := len(utf16.Encode([]rune(vis)))
			if n > MaxMessageLen {
				t.Errorf("visible length %d > %d", n, MaxMessageLen)
			}
			if n < MaxMessageLen-200 {
				t.Errorf("visible length %d: cut far more than needed", n)
			}
			if !strings.Contains(vis, "…") {
				t.Error("no ellipsis marks the cut")
			}
			for _, k := range tt.keep {
				if !strings.Contains(vis, k) {
					t.Errorf("visible text lacks %q after the cut", k)
				}
			}
			var link bool
			for _, e := range ents {
				if e.Type == "a" && e.Href == "https://e.com/" {
					link = true
				}
			}
			if !link {
				t.Error("the title link was lost")
			}
			switch tt.cut {
			case "snippet-hits":
				if strings.Count(html, "<b>APT29</b>") < 10 {
					t.Error("snippet hits lost their bold")
				}
			case "title":
				if strings.Count(vis, "title") < 400 {
					t.Error("title cut to less than it had room for")
				}
				if strings.Count(vis, "…") != 2 {
					t.Errorf("want title and snippet both cut")
				}
			case "watches":
				if !strings.Contains(vis, "term one") {
					t.Error("every term was dropped")
				}
			}
		})
	}
}

func TestCutUTF16(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello world", 20, "hello world"},
		{"hello world", 5, "hello"},
		{"hello world foo", 13, "hello world"},
		{"🔎🔎🔎", 5, "🔎🔎"},
		{"🔎🔎🔎", 1, ""},
		{"abc, def", 4, "abc"},
	}
	for _, tt := range tests {
		if got := cutUTF16(tt.in, tt.n); got != tt.want {
			t.Errorf("cutUTF16(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestSplitText(t *testing.T) {
	lines := make([]string, 300)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %03d: %s", i, strings.Repeat("x", 20))
	}
	text := strings.Join(lines, "\n")
	parts := splitText(text, MaxMessageLen)
	if len(parts) < 2 {
		t.Fatalf("got %d parts for %d units", len(parts), utf16Len(text))
	}
	if got := strings.Join(parts, "\n"); got != text {
		t.Error("splitting lost or changed text")
	}
	for i, p := range parts {
		if utf16Len(p) > MaxMessageLen {
			t.Errorf("part %d is %d units", i, utf16Len(p))
		}
	}
	// One unbreakable run of astral characters.
	emoji := strings.Repeat("🔎", 5000)
	parts = splitText(emoji, MaxMessageLen)
	if strings.Join(parts, "") != emoji {
		t.Error("emoji split lost text")
	}
	for i, p := range parts {
		if utf16Len(p) > MaxMessageLen || !strings.HasPrefix(p, "🔎") {
			t.Errorf("part %d broken: %d units", i, utf16Len(p))
		}
	}
	if got := splitText("  \n ", MaxMessageLen); len(got) != 0 {
		t.Errorf("blank text gave %q", got)
	}
}
