package article

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestExtractOutlets runs the extractor on pages written in the shape of
// the outlets the shared feeds link to: the story must come out, the
// navigation, banners, ads, related links, comments and footers not.
func TestExtractOutlets(t *testing.T) {
	tests := []struct {
		file, contentType string
		want, notWant     []string
	}{
		{"therecord.html", "text/html; charset=utf-8",
			[]string{"the notorious APT29 group, also known as Cozy Bear", "Azerbaijani lawmakers", "Kremlin has repeatedly denied"},
			[]string{"We use cookies", "Cybercrime", "Related articles", "Midnight Blizzard", "Lazarus", "All rights reserved", "Advertisement", "Work email"}},
		{"guardian.html", "text/html",
			[]string{"Russia launched dozens of drones at Kyiv", "Peace talks in Istanbul"},
			[]string{"Guardian sections", "Zelenskyy proposes", "Privacy policy", "Fund independent journalism"}},
		{"kyivindependent.html", "text/html", // charset only in <meta>, windows-1251
			[]string{"cyber forces within Ukraine's armed forces", "Sandworm", "повідомили у Києві"},
			[]string{"Become a member", "This website uses cookies", "Russia hits energy grid"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Extract(body, tt.contentType, "https://example.com/story")
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(a.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, a.Text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(a.Text, w) {
					t.Errorf("text keeps boilerplate %q:\n%s", w, a.Text)
				}
			}
		})
	}
}

// TestExtractLittleText: paywalls and JavaScript shells give no story, so
// the teaser must stand.
func TestExtractLittleText(t *testing.T) {
	for _, f := range []string{"paywall.html", "jsonly.html"} {
		body, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if a, err := Extract(body, "text/html", "https://example.com/"); err != ErrTooLittleText {
			t.Errorf("%s: got %q, %v; want ErrTooLittleText", f, a.Text, err)
		}
	}
}

// TestExtractHostile: a huge DOM and deep nesting are refused quickly,
// whatever readability would make of them.
func TestExtractHostile(t *testing.T) {
	tests := map[string]string{
		"deep":  strings.Repeat("<div>", MaxDepth+10) + "text",
		"wide":  "<body>" + strings.Repeat("<p>x</p>", MaxElements+1),
		"deep1": strings.Repeat("<b><i>", 100000),
	}
	for name, page := range tests {
		if _, err := Extract([]byte(page), "text/html", "https://example.com/"); !errors.Is(err, ErrTooComplex) {
			t.Errorf("%s: err = %v, want ErrTooComplex", name, err)
		}
	}
}

func BenchmarkExtract(b *testing.B) {
	body, err := os.ReadFile("testdata/therecord.html")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extract(body, "text/html", "https://therecord.media/x"); err != nil {
			b.Fatal(err)
		}
	}
}
