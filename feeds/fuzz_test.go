package feeds

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// sharedCorpusFiles lists the shared corpus files without skipping when the
// folder is absent (fuzz seeds are optional).
func sharedCorpusFiles() []string {
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "feeds", "*"))
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".md") {
			out = append(out, f)
		}
	}
	return out
}

// FuzzParse feeds arbitrary bytes and content types through Parse and the
// normalisers: nothing may panic, and whatever parses must hold the Item
// invariants. Run: go test -run ^$ -fuzz FuzzParse -fuzztime 60s ./feeds/
func FuzzParse(f *testing.F) {
	seeds := []string{
		smallFeed,
		"",
		"<rss><channel><item><title>a &amp; b</title><link>/x?utm_source=1#f</link></item></channel></rss>",
		`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://b/"><entry><id>1</id><title type="html">&lt;b&gt;x</title><link href="y"/></entry></feed>`,
		`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1","title":"t","url":"/u"}]}`,
		"<?xml version=\"1.0\" encoding=\"koi8-r\"?><rss><channel><item><title>\xf2\xcf\xd3\xd3\xc9\xd1</title></item></channel></rss>",
		"<rss><channel><item><title>\xe9t\xe9</title></item><item><title>cut",
		"<!DOCTYPE html><html></html>",
		"\xef\xbb\xbf<rss/>",
		"\xff\xfe<\x00r\x00s\x00s\x00/\x00>\x00",
		"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\"><item><title>r</title><link>http://x/</link></item></rdf:RDF>",
	}
	for _, s := range seeds {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(smallFeed), "text/xml; charset=windows-1251")
	f.Add([]byte(smallFeed), "text/html; charset=\"bogus")
	for _, path := range sharedCorpusFiles() {
		if b, err := os.ReadFile(path); err == nil && len(b) < 64<<10 {
			f.Add(b, "")
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		feed, err := Parse(body, contentType, "https://fuzz.example/dir/feed.xml")
		if err != nil {
			if !strings.Contains(err.Error(), "https://fuzz.example/dir/feed.xml") {
				t.Fatalf("error does not name the URL: %v", err)
			}
			return
		}
		keys := map[string]bool{}
		for _, it := range feed.Items {
			if it.Key == "" || keys[it.Key] {
				t.Fatalf("empty or duplicate key %q", it.Key)
			}
			keys[it.Key] = true
			for _, s := range []string{it.Title, it.Summary, it.Content, feed.Title} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in %q", s)
				}
				if s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
					t.Fatalf("uncollapsed white space in %q", s)
				}
			}
			if it.Link != "" {
				if c := CanonicalLink(it.Link, ""); c != it.Link {
					t.Fatalf("link %q not canonical (%q)", it.Link, c)
				}
				if it.LinkKey() == "" {
					t.Fatalf("link %q has no LinkKey", it.Link)
				}
			}
			if k := it.TitleKey(); k != "" && (strings.ToLower(k) != k || strings.Contains(k, "  ")) {
				t.Fatalf("TitleKey %q not normalised", k)
			}
		}
	})
}

// FuzzCanonicalLink checks that canonical links are stable: canonicalising
// twice changes nothing, and no tracking parameter survives.
func FuzzCanonicalLink(f *testing.F) {
	for _, s := range []string{"https://a.example/x?utm_source=1&b=2#f", "/rel?fbclid=1", "HTTP://A.EXAMPLE:80", "//x/y", "javascript:x", "http://[::1]:80/"} {
		f.Add(s, "https://base.example/feed/")
	}
	f.Fuzz(func(t *testing.T, link, base string) {
		c := CanonicalLink(link, base)
		if c == "" {
			return
		}
		if c2 := CanonicalLink(c, ""); c2 != c {
			t.Fatalf("CanonicalLink not idempotent: %q -> %q -> %q", link, c, c2)
		}
		u, err := url.Parse(c)
		if err != nil {
			t.Fatalf("canonical link %q does not parse: %v", c, err)
		}
		if u.Fragment != "" || strings.Contains(c, "#") {
			t.Fatalf("fragment survived: %q", c)
		}
		for k := range u.Query() {
			if isTrackingParam(k) {
				t.Fatalf("tracking parameter %q survived: %q", k, c)
			}
		}
	})
}

// FuzzPlainTextFast checks the fast HTML-to-text path against the
// tokenizer: whenever the fast path accepts an input, both must agree.
func FuzzPlainTextFast(f *testing.F) {
	for _, s := range []string{
		"<p>Hello <b>world</b></p>", "a<script>x</script>b", "<style type='text/css'>p{}</style>x",
		"<a href=\"x>y\" title='q'>link</a>", "<img src=x/>cap", "<br/>x<br />y", "<!-- c -->t", "<!--->t",
		"x < y &amp; z", "<P CLASS=a>Up</P>", "<svg><text>t</text></svg>after", "<script>a</SCRIPT >b",
		"<div\tclass=\"a\"\n>x</div>", "a &copy2024 &notit; &#x41;", "<object/>x", "<svg a=b/>x</svg>y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := plainTextFast(s)
		if !ok {
			return
		}
		if want := plainTextTokenizer(s); fast != want {
			t.Fatalf("plainTextFast(%q) = %q, tokenizer gives %q", s, fast, want)
		}
	})
}

// TestPlainTextFastMatchesTokenizerOnCorpus runs both paths over every
// title, description and content of the shared corpus (real-world HTML).
func TestPlainTextFastMatchesTokenizerOnCorpus(t *testing.T) {
	files := sharedCorpusFiles()
	if len(files) == 0 {
		t.Skip("shared corpus absent")
	}
	accepted, total := 0, 0
	for _, path := range files {
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if isGzip(body) {
			if body, err = gunzipLimit(body, DefaultMaxBodySize); err != nil {
				t.Fatal(err)
			}
		}
		doc, _, err := toUTF8(body, "")
		if err != nil {
			continue
		}
		gf, _, err := parseLenient(doc)
		if err != nil {
			continue
		}
		for _, it := range gf.Items {
			for _, s := range []string{it.Title, it.Description, it.Content} {
				if !strings.Contains(s, "<") {
					continue
				}
				total++
				fast, ok := plainTextFast(s)
				if !ok {
					continue
				}
				accepted++
				if want := plainTextTokenizer(s); fast != want {
					t.Errorf("%s: fast path differs:\n got %.200q\nwant %.200q", filepath.Base(path), fast, want)
				}
			}
		}
	}
	t.Logf("fast path took %d of %d HTML fields", accepted, total)
	if total > 0 && accepted*2 < total {
		t.Errorf("fast path accepted only %d of %d real HTML fields", accepted, total)
	}
}

// FuzzDecodeBase64Text: the Atom 0.3 base64 rewrite never panics, leaves
// documents without a mode="base64" attribute byte for byte as they were.
func FuzzDecodeBase64Text(f *testing.F) {
	f.Add([]byte(`<title type="text/html" mode="base64">PGI+eDwvYj4=</title>`))
	f.Add([]byte(`<title mode='base64'/>x</title><a mode="base64">`))
	f.Add([]byte(`mode="base64"><<</`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		out := decodeBase64Text(doc)
		if indexModeBase64(doc) < 0 && !bytes.Equal(out, doc) {
			t.Fatalf("changed a document without mode=base64: %q -> %q", doc, out)
		}
	})
}
