package opml

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// brief is what a test compares of an Outline.
type brief struct {
	URL, Title string
	Tags       []string
	Line       int
}

func briefs(os []Outline) []brief {
	out := make([]brief, len(os))
	for i, o := range os {
		out[i] = brief{o.URL, o.Title, o.Tags, o.Line}
	}
	return out
}

// TestExporters reads a small export in the shape of each reader's own.
func TestExporters(t *testing.T) {
	tests := []struct {
		file string
		want []brief
	}{
		{"miniflux.opml", []brief{
			{"https://krebsonsecurity.com/feed/", "Krebs on Security", nil, 9}, // "All" is Miniflux's catch-all
			{"https://kyivindependent.com/news-archive/rss/", "The Kyiv Independent", []string{"Ukraine"}, 12},
			{"https://meduza.io/rss/all", "Meduza & friends", []string{"Ukraine"}, 13},
		}},
		{"freshrss.opml", []brief{
			{"https://www.bleepingcomputer.com/feed/", "BleepingComputer", nil, 9},
			{"https://unit42.paloaltonetworks.com/feed/", "Unit 42", []string{"Threat intel"}, 12},
			{"https://www.cisa.gov/cybersecurity-advisories/all.xml", "CISA Advisories", []string{"Threat intel"}, 13},
		}},
		{"feedly.opml", []brief{
			{"https://feeds.feedburner.com/TheHackersNews", "The Hacker News", []string{"Security"}, 9},
			{"https://therecord.media/feed/", "The Record by Recorded Future", []string{"Security"}, 10},
			{"https://www.theguardian.com/world/rss", "World news | The Guardian", []string{"News"}, 13},
			{"https://therecord.media/feed/", "The Record by Recorded Future", []string{"News"}, 14}, // one feed in two folders
		}},
		{"inoreader.opml", []brief{
			{"https://www.ncsc.gov.uk/api/1/services/v1/all-rss-feed.xml", "NCSC UK", []string{"Government"}, 8},
			{"https://www.schneier.com/feed/atom/", "Schneier on Security", []string{"Cyber", "Sub folders are rare"}, 12},
			{"https://isc.sans.edu/rssfeed_full.xml", "SANS ISC", []string{"Cyber", "Daily", "Handlers"}, 15},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Parse(bytes.NewReader(mustRead(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if g := briefs(got); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("got  %+v\nwant %+v", g, tt.want)
			}
		})
	}
}

// TestRoundTrip writes what each export gave and reads it back: the same
// feeds, titles and tags, every feed outline with type="rss" and inside a
// folder when it has a tag (how Feedly and Inoreader import categories).
func TestRoundTrip(t *testing.T) {
	for _, file := range []string{"miniflux.opml", "freshrss.opml", "feedly.opml", "inoreader.opml"} {
		t.Run(file, func(t *testing.T) {
			first, err := Parse(bytes.NewReader(mustRead(t, file)))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := Write(&buf, "Newshound", time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC), first); err != nil {
				t.Fatal(err)
			}
			again, err := Parse(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%v in:\n%s", err, buf.String())
			}
			strip := func(os []Outline) []brief {
				b := briefs(os)
				for i := range b {
					b[i].Line = 0
				}
				return b
			}
			// Write groups feeds by first tag; compare as sets of feeds.
			index := func(bs []brief) map[string]brief {
				m := map[string]brief{}
				for _, b := range bs {
					m[b.URL+"\x00"+strings.Join(b.Tags, ",")] = b
				}
				return m
			}
			if g, w := index(strip(again)), index(strip(first)); !reflect.DeepEqual(g, w) {
				t.Errorf("round trip changed the feeds:\n got %+v\nwant %+v\n%s", g, w, buf.String())
			}
			if n, want := strings.Count(buf.String(), `type="rss"`), len(first); n != want {
				t.Errorf("%d outlines with type=\"rss\", want %d", n, want)
			}
		})
	}
}

func TestWriteShape(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, "Newshound", time.Time{}, []Outline{
		{URL: "https://a.example/rss", Title: "A <&> \"B\"", Tags: []string{"news", "cyber"}},
		{URL: "https://b.example/rss"},
		{URL: "https://c.example/rss", Title: "C", Tags: []string{"news"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>Newshound</title>
  </head>
  <body>
    <outline text="news" title="news">
      <outline text="A &lt;&amp;&gt; &#34;B&#34;" title="A &lt;&amp;&gt; &#34;B&#34;" type="rss" xmlUrl="https://a.example/rss" category="/news,/cyber"></outline>
      <outline text="C" title="C" type="rss" xmlUrl="https://c.example/rss" category="/news"></outline>
    </outline>
    <outline text="https://b.example/rss" title="https://b.example/rss" type="rss" xmlUrl="https://b.example/rss"></outline>
  </body>
</opml>
`
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestHostile feeds Parse what a malicious or broken download looks like:
// each must fail with a line (where there is one), fast, and without
// growing memory.
func TestHostile(t *testing.T) {
	laughs := `<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<opml version="2.0"><body>
<outline text="&lol9;" xmlUrl="https://a.example/rss"/>
</body></opml>`
	var many strings.Builder
	many.WriteString("<opml version=\"2.0\"><body>\n")
	for i := range 100_000 {
		fmt.Fprintf(&many, "<outline text=\"f%d\" type=\"rss\" xmlUrl=\"https://f%d.example/rss\"/>\n", i, i)
	}
	many.WriteString("</body></opml>\n")
	deep := "<opml><body>" + strings.Repeat("<outline text=\"x\">", 100) + strings.Repeat("</outline>", 100) + "</body></opml>"
	huge := "<opml><body><outline text=\"" + strings.Repeat("x", MaxSize) + "\"/></body></opml>"

	tests := []struct {
		name     string
		doc      string
		line     int    // 0: no line expected
		msg      string // part of the message
		tooLarge bool
	}{
		{"unclosed", "<opml version=\"2.0\">\n<body>\n<outline text=\"a\" xmlUrl=\"https://a.example/\">\n", 4, "unexpected EOF", false},
		{"mismatched", "<opml>\n<body>\n</opml>\n", 3, "", false},
		{"billion laughs", laughs, 10, "entity", false},
		{"100k outlines", many.String(), MaxOutlines + 2, "more than 10000 outlines", true},
		{"deep", deep, 1, "nested deeper", true},
		{"huge", huge, 0, "bytes", true},
		{"RSS, not OPML", "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel/></rss>", 2, "not an OPML document", false},
		{"HTML page", "<!DOCTYPE html>\n<html><body>login</body></html>", 0, "", false},
		{"empty", "", 0, "no <opml> element", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Parse(strings.NewReader(tt.doc))
			runtime.ReadMemStats(&after)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if tt.line != 0 && se.Line != tt.line {
				t.Errorf("line %d, want %d (%v)", se.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%q lacks %q", err, tt.msg)
			}
			if errors.Is(err, ErrTooLarge) != tt.tooLarge {
				t.Errorf("errors.Is(ErrTooLarge) = %v, want %v", !tt.tooLarge, tt.tooLarge)
			}
			// An expanded billion laughs is 3 GB; the largest input here is 8 MiB.
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 256<<20 {
				t.Errorf("allocated %d MiB", grown>>20)
			}
		})
	}
}

// TestDeclaredEntityNotExpanded: even a small declared entity is not
// expanded (encoding/xml ignores the DOCTYPE), so nothing a DOCTYPE
// declares reaches a title or a URL.
func TestDeclaredEntityNotExpanded(t *testing.T) {
	doc := "<!DOCTYPE opml [<!ENTITY host \"evil.example\">]>\n<opml><body>\n<outline xmlUrl=\"https://&host;/rss\"/>\n</body></opml>"
	_, err := Parse(strings.NewReader(doc))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 3 {
		t.Fatalf("err = %v, want a syntax error on line 3", err)
	}
}

func TestCharsetAndLeniency(t *testing.T) {
	// Latin-1 export, lower-case attribute names, an HTML entity in a title,
	// outlines outside <body> (ignored) and a link outline without xmlUrl.
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<opml version=\"1.1\"><head><outline xmlUrl=\"https://head.example/\"/></head><body>\n" +
		"<outline text=\"Caf\xe9&nbsp;news\" xmlurl=\" https://cafe.example/rss \"/>\n" +
		"<outline text=\"a link\" type=\"link\" url=\"https://x.example/\"/>\n</body></opml>"
	got, err := Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{{"https://cafe.example/rss", "Café news", nil, 3}}
	if g := briefs(got); !reflect.DeepEqual(g, want) {
		t.Errorf("got %+v, want %+v", g, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"miniflux.opml", "freshrss.opml", "feedly.opml", "inoreader.opml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		os, err := Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, "x", time.Time{}, os); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(&buf)
		if err != nil {
			t.Fatalf("own output does not parse: %v", err)
		}
		if len(again) != len(os) {
			t.Fatalf("%d outlines became %d", len(os), len(again))
		}
	})
}

// BenchmarkParseMax reads a document at MaxOutlines, the largest accepted.
func BenchmarkParseMax(b *testing.B) {
	var doc strings.Builder
	doc.WriteString("<opml version=\"2.0\"><body>\n<outline text=\"Folder\">\n")
	for i := range MaxOutlines - 1 {
		fmt.Fprintf(&doc, "<outline text=\"Feed %d\" type=\"rss\" xmlUrl=\"https://f%d.example/rss\" htmlUrl=\"https://f%d.example/\"/>\n", i, i, i)
	}
	doc.WriteString("</outline></body></opml>\n")
	src := doc.String()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(strings.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}
