package feeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

func rssDoc(decl, title string) string {
	return decl + `<rss version="2.0"><channel><title>` + title + `</title>` +
		`<item><title>` + title + `</title><guid>1</guid></item></channel></rss>`
}

func mustEncode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestParseCharsets(t *testing.T) {
	const ru = "Россия и Азербайджан"
	const pt = "Notícias de São Paulo"
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string
	}{
		{"utf-8 plain", []byte(rssDoc(`<?xml version="1.0" encoding="utf-8"?>`, ru)), "", ru},
		{"utf-8 BOM", append([]byte("\xEF\xBB\xBF"), rssDoc(`<?xml version="1.0"?>`, ru)...), "", ru},
		{"utf-16le BOM", mustEncode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), rssDoc(`<?xml version="1.0" encoding="UTF-16"?>`, ru)), "", ru},
		{"utf-16be BOM", mustEncode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), rssDoc(`<?xml version="1.0" encoding="UTF-16"?>`, ru)), "", ru},
		{"utf-16le no BOM", mustEncode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), rssDoc(`<?xml version="1.0" encoding="UTF-16"?>`, ru)), "", ru},
		{"windows-1251 declared", mustEncode(t, charmap.Windows1251, rssDoc(`<?xml version="1.0" encoding="windows-1251"?>`, ru)), "", ru},
		{"windows-1251 from HTTP only", mustEncode(t, charmap.Windows1251, rssDoc("", ru)), "application/rss+xml; charset=windows-1251", ru},
		{"windows-1251 HTTP quoted label", mustEncode(t, charmap.Windows1251, rssDoc("", ru)), `text/xml; charset="cp1251"`, ru},
		{"windows-1251 undeclared guessed", mustEncode(t, charmap.Windows1251, rssDoc("", ru)), "", ru},
		{"koi8-r declared", mustEncode(t, charmap.KOI8R, rssDoc(`<?xml version="1.0" encoding="KOI8-R"?>`, ru)), "", ru},
		{"koi8-r undeclared guessed", mustEncode(t, charmap.KOI8R, rssDoc("", ru)), "", ru},
		{"HTTP says utf-8, decl says windows-1251", mustEncode(t, charmap.Windows1251, rssDoc(`<?xml version="1.0" encoding="windows-1251"?>`, ru)), "text/xml; charset=utf-8", ru},
		{"iso-8859-1 declared, converted once", mustEncode(t, charmap.ISO8859_1, rssDoc(`<?xml version="1.0" encoding="ISO-8859-1"?>`, pt)), "", pt},
		{"iso-8859-1 in HTTP and decl, converted once", mustEncode(t, charmap.ISO8859_1, rssDoc(`<?xml version="1.0" encoding="ISO-8859-1"?>`, pt)), "text/xml; charset=ISO-8859-1", pt},
		{"latin-1 undeclared", mustEncode(t, charmap.ISO8859_1, rssDoc("", pt)), "", pt},
		{"latin-1 decl says utf-8", mustEncode(t, charmap.ISO8859_1, rssDoc(`<?xml version="1.0" encoding="UTF-8"?>`, pt)), "", pt},
		{"utf-8 body labelled iso-8859-1 by HTTP", []byte(rssDoc("", pt)), "text/xml; charset=iso-8859-1", pt},
		{"utf-8 body labelled iso-8859-1 by decl", []byte(rssDoc(`<?xml version="1.0" encoding="ISO-8859-1"?>`, pt)), "", pt},
		{"windows-1252 smart quotes undeclared", mustEncode(t, charmap.Windows1252, rssDoc("", "“Quoted” – dash")), "", "“Quoted” – dash"},
		{"iso-8859-2 declared", mustEncode(t, charmap.ISO8859_2, rssDoc(`<?xml version="1.0" encoding="ISO-8859-2"?>`, "Łódź i Kraków")), "", "Łódź i Kraków"},
		{"iso-8859-7 declared", mustEncode(t, charmap.ISO8859_7, rssDoc(`<?xml version="1.0" encoding="ISO-8859-7"?>`, "Αθήνα")), "", "Αθήνα"},
		{"iso-2022-jp declared (7-bit)", mustEncode(t, japanese.ISO2022JP, rssDoc(`<?xml version="1.0" encoding="ISO-2022-JP"?>`, "東京のニュース")), "", "東京のニュース"},
		{"shift_jis declared", mustEncode(t, japanese.ShiftJIS, rssDoc(`<?xml version="1.0" encoding="Shift_JIS"?>`, "東京のニュース")), "", "東京のニュース"},
		{"unknown label falls back to guess", mustEncode(t, charmap.Windows1252, rssDoc(`<?xml version="1.0" encoding="x-bogus"?>`, pt)), "", pt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.body, tc.contentType, "https://example.org/feed")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Title != tc.want || len(f.Items) != 1 || f.Items[0].Title != tc.want {
				t.Fatalf("title %q, want %q", f.Title, tc.want)
			}
		})
	}
}

func TestFixDecl(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<?xml version="1.0" encoding="windows-1251"?><rss/>`, `<?xml version="1.0" encoding="UTF-8"?><rss/>`},
		{`<?xml version='1.0' encoding = 'koi8-r' ?><rss/>`, `<?xml version='1.0' encoding = 'UTF-8' ?><rss/>`},
		{`<?xml version="1.0"?><rss/>`, `<?xml version="1.0"?><rss/>`},
		{`<rss/>`, `<rss/>`},
		{"<!-- c -->\n<?xml version=\"1.0\" encoding=\"latin1\"?><rss/>", "<!-- c -->\n<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss/>"},
		{`<?xml version="1.0" encoding="unterminated?><rss/>`, `<?xml version="1.0" encoding="unterminated?><rss/>`},
	}
	for _, tc := range tests {
		if got := string(fixDecl([]byte(tc.in))); got != tc.want {
			t.Errorf("fixDecl(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFixMojibake(t *testing.T) {
	tests := []struct{ in, want string }{
		{"A Kennedyâ€™s Crusade", "A Kennedy’s Crusade"},
		{"CafÃ© au lait", "Café au lait"},
		{"SÃO PAULO", "SÃO PAULO"},
		{"Âge d'or", "Âge d'or"},
		{"plain ascii", "plain ascii"},
		{"Россия", "Россия"},
		{"Café", "Café"},
	}
	for _, orig := range []string{"Россия и Азербайджан", "Café — “quoted” ’s", "Ελλάδα"} {
		var moji []rune
		for _, c := range []byte(orig) {
			switch {
			case c >= 0x80 && c < 0xA0:
				moji = append(moji, cp1252High[c-0x80])
			default:
				moji = append(moji, rune(c))
			}
		}
		tests = append(tests, struct{ in, want string }{string(moji), orig})
	}
	for _, tc := range tests {
		if got := fixMojibake(tc.in); got != tc.want {
			t.Errorf("fixMojibake(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseItemKeys(t *testing.T) {
	doc := `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>With guid</title><guid isPermaLink="false">  abc-123  </guid><link>https://ex.example/a</link></item>
<item><title>Link only</title><link>https://ex.example/b?utm_source=rss#frag</link></item>
<item><title>Neither, dated</title><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item>
<item><title>Neither, undated</title></item>
<item><title>Duplicate guid, second copy</title><guid isPermaLink="false">abc-123</guid></item>
<item><title>Duplicate link, second copy</title><link>https://ex.example/b</link></item>
<item><description>no title at all</description></item>
<item><description>another untitled one</description></item>
<item><title>Permalink guid</title><guid>https://ex.example/c?fbclid=1</guid></item>
</channel></rss>`
	f, err := Parse([]byte(doc), "", "https://ex.example/feed")
	if err != nil {
		t.Fatal(err)
	}
	wantTitles := []string{"With guid", "Link only", "Neither, dated", "Neither, undated", "", "", "Permalink guid"}
	if got := titles(f); strings.Join(got, "|") != strings.Join(wantTitles, "|") {
		t.Fatalf("titles %q, want %q (duplicates keep the first)", got, wantTitles)
	}
	it := f.Items
	if it[0].Key != "abc-123" || it[0].GUID != "abc-123" {
		t.Errorf("GUID key %q", it[0].Key)
	}
	if it[1].Key != "https://ex.example/b" || it[1].Link != "https://ex.example/b" {
		t.Errorf("link key %q link %q", it[1].Key, it[1].Link)
	}
	if !strings.HasPrefix(it[2].Key, "sha256:") || it[2].Key == it[3].Key {
		t.Errorf("hash keys %q %q", it[2].Key, it[3].Key)
	}
	if it[4].Key == it[5].Key {
		t.Errorf("untitled items share key %q", it[4].Key)
	}
	if it[6].Link != "https://ex.example/c" {
		t.Errorf("permalink GUID as link: %q", it[6].Link)
	}
	if !it[3].Published.IsZero() {
		t.Errorf("undated item got %v; must stay zero", it[3].Published)
	}
	if want := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC); !it[2].Published.Equal(want) {
		t.Errorf("published %v, want %v", it[2].Published, want)
	}
	// Keys are stable across parses (the hash does not depend on the clock).
	g, _ := Parse([]byte(doc), "", "https://ex.example/feed")
	for i := range f.Items {
		if f.Items[i].Key != g.Items[i].Key {
			t.Errorf("item %d key changed between parses: %q vs %q", i, f.Items[i].Key, g.Items[i].Key)
		}
	}
}

func TestParseFields(t *testing.T) {
	atom := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example/blog/">
 <title type="html">Atom &amp;lt;b&amp;gt;feed&amp;lt;/b&amp;gt;</title>
 <link href="https://base.example/"/>
 <entry>
  <id>urn:x:1</id>
  <title type="html">&lt;b&gt;Bold&lt;/b&gt; move by APT29</title>
  <link rel="alternate" href="posts/1?utm_campaign=x"/>
  <updated>2024-05-06T07:08:09+02:00</updated>
  <author><name> Jane  Doe </name></author>
  <author><email>anon@example.com</email></author>
  <category term="Security"/><category term="Security"/><category term=" Russia "/>
  <summary type="html">&lt;p&gt;Summary &lt;script&gt;evil()&lt;/script&gt;text&lt;/p&gt;</summary>
  <content type="html">&lt;div&gt;Body &amp;amp; more&lt;/div&gt;</content>
 </entry>
</feed>`
	f, err := Parse([]byte(atom), "application/atom+xml", "https://feeds.example/atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	it := f.Items[0]
	checks := []struct{ name, got, want string }{
		{"title", it.Title, "Bold move by APT29"},
		{"link (xml:base, tracking removed)", it.Link, "https://base.example/blog/posts/1"},
		{"summary", it.Summary, "Summary text"},
		{"content", it.Content, "Body & more"},
		{"categories", strings.Join(it.Categories, "|"), "Security|Russia"},
		{"authors", strings.Join(it.Authors, "|"), "Jane Doe|anon@example.com"},
		{"key", it.Key, "urn:x:1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if want := time.Date(2024, 5, 6, 5, 8, 9, 0, time.UTC); !it.Published.Equal(want) || it.Published.Location() != time.UTC {
		t.Errorf("published (from updated) = %v, want %v in UTC", it.Published, want)
	}
}

func TestParseTTL(t *testing.T) {
	for _, tc := range []struct {
		ttl  string
		want time.Duration
	}{{"60", time.Hour}, {" 15 ", 15 * time.Minute}, {"1000000", 24 * time.Hour}, {"abc", 0}, {"-5", 0}, {"", 0}} {
		doc := `<rss version="2.0"><channel><title>t</title><ttl>` + tc.ttl + `</ttl><item><title>x</title></item></channel></rss>`
		f, err := Parse([]byte(doc), "", "")
		if err != nil {
			t.Fatal(err)
		}
		if f.TTL != tc.want {
			t.Errorf("ttl %q: TTL %v, want %v", tc.ttl, f.TTL, tc.want)
		}
	}
}

func TestParseBrokenDocuments(t *testing.T) {
	full := `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>
<item><title>one</title><guid>1</guid></item>
<item><title>two</title><guid>2</guid><dc:creator>x</dc:creator></item>
<item><title>three</title><guid>3</guid></item>
</channel></rss>`
	cut := strings.Index(full, "<item><title>three") + len("<item><title>thr")
	atom := `<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>1</id><title>one</title></entry><entry><id>2</id><title>tw`
	tests := []struct {
		name    string
		doc     string
		items   []string
		partial bool
		err     error
	}{
		{"whole", full, []string{"one", "two", "three"}, false, nil},
		{"cut inside third item", full[:cut], []string{"one", "two"}, true, nil},
		{"cut after channel title", full[:strings.Index(full, "<item>")], nil, false, ErrMalformed},
		{"cut inside declaration", full[:10], nil, false, ErrNotAFeed},
		{"mismatched tag mid-feed is tolerated", strings.Replace(full, "<title>three</title>", "<title>three</titel>", 1), []string{"one", "two", "three"}, false, nil},
		{"unterminated attribute mid-feed", strings.Replace(full, "<guid>3</guid>", `<guid a="1>3</guid>`, 1), []string{"one", "two"}, true, nil},
		{"bare ampersands and unknown entities", strings.Replace(full, "<title>two</title>", "<title>Q&A: R&D &nbsp; &copy;</title>", 1), []string{"one", "Q&A: R&D © ", "three"}, false, nil},
		{"atom cut mid-entry", atom, []string{"one"}, true, nil},
		{"empty", "", nil, false, ErrNotAFeed},
		{"whitespace", " \n\t ", nil, false, ErrNotAFeed},
		{"binary", "\x00\x01\x02\xff\xfe\x00garbage", nil, false, ErrNotAFeed},
		{"other XML", `<?xml version="1.0"?><sitemap><url>x</url></sitemap>`, nil, false, ErrNotAFeed},
		{"html doctype", "<!DOCTYPE html>\n<html><body>hi</body></html>", nil, false, ErrNotAFeed},
		{"html doctype, no html element", "<!DOCTYPE html>\n<title>Moved</title><p>see elsewhere", nil, false, ErrNotAFeed},
		{"XHTML doctype before rss", "<?xml version=\"1.0\" encoding=\"utf-8\"?><!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://site.invalid/\">\n<!-- c -->\n" +
			`<rss version="2.0"><channel><title>found</title><item><title>one</title><guid>1</guid></item></channel></rss>`, []string{"one"}, false, nil},
		{"doctype with internal subset and '>' in it", `<!DOCTYPE rss [<!ENTITY gt2 ">">]><rss version="2.0"><channel><title>t</title><item><title>two</title><guid>2</guid></item></channel></rss>`, []string{"two"}, false, nil},
		{"html after comment and BOM", "\uFEFF<!-- x -->\n<HTML lang=en><body>hi</body></HTML>", nil, false, ErrNotAFeed},
		{"bare head", "<head><title>Moved</title></head>", nil, false, ErrNotAFeed},
		{"JSON API error", `{"error":"rate limited","retry":60}`, nil, false, ErrNotAFeed},
		{"JSON array", `[1,2,3]`, nil, false, ErrNotAFeed},
		{"broken JSON", `{"version":"https://jsonfeed.org/version/1","items":[{"id":"1"`, nil, false, ErrMalformed},
		{"JSON feed without version", `{"title":"t","items":[{"id":"1","title":"only item"}]}`, []string{"only item"}, false, nil},
		{"JSON API with an items array", `{"items":[{"id":7,"name":"widget"}],"total":1}`, nil, false, ErrNotAFeed},
		{"JSON API, items not objects", `{"title":"t","items":["a","b"]}`, nil, false, ErrNotAFeed},
		{"JSON API, titled, items without ids", `{"title":"Search","items":[{"title":"hit"}]}`, nil, false, ErrNotAFeed},
		{"JSON feed, bare version number", `{"version":"1.1","items":[{"id":"1","title":"v"}]}`, []string{"v"}, false, nil},
		{"JSON feed, content_text without version", `{"items":[{"id":"1","title":"c","content_text":"body"}]}`, []string{"c"}, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.doc), "", "https://ex.example/feed")
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), "https://ex.example/feed") {
					t.Fatalf("err = %v, want %v naming the URL", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := titles(f)
			if strings.Join(got, "|") != strings.Join(tc.items, "|") {
				// The "bare ampersands" title keeps gofeed's decoding of
				// unknown entities; compare loosely on the neighbours.
				if !(tc.name == "bare ampersands and unknown entities" && len(got) == 3 && strings.HasPrefix(got[1], "Q&A: R&D")) {
					t.Errorf("titles %q, want %q", got, tc.items)
				}
			}
			if f.Partial != tc.partial {
				t.Errorf("Partial = %v, want %v", f.Partial, tc.partial)
			}
		})
	}
}

func TestParseGzip(t *testing.T) {
	f, err := Parse(gz(t, []byte(smallFeed)), "application/x-gzip", "https://ex.example/feed")
	if err != nil || len(f.Items) != 2 {
		t.Fatalf("gzipped feed: %v", err)
	}
	bomb := gz(t, bytes.Repeat([]byte{' '}, DefaultMaxBodySize+1))
	if _, err := Parse(bomb, "", "https://ex.example/feed"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("gzip bomb: %v, want ErrTooLarge", err)
	}
	if _, err := Parse([]byte("\x1f\x8b\x08garbage"), "", "https://ex.example/feed"); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("broken gzip: %v", err)
	}
}

func TestParseJSONFeed(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://j.example/",
"items":[{"id":"7","url":"/p/7?gclid=x","title":"Hello &amp; bye","content_html":"<p>Hi <b>there</b></p>","date_published":"2024-01-02T03:04:05Z","tags":["a","b"],"authors":[{"name":"Ann"}]}]}`
	f, err := Parse([]byte(doc), "application/feed+json", "https://j.example/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	it := f.Items[0]
	if it.Key != "7" || it.Link != "https://j.example/p/7" || it.Title != "Hello & bye" || it.Content != "Hi there" ||
		strings.Join(it.Categories, ",") != "a,b" || strings.Join(it.Authors, ",") != "Ann" || it.Published.Year() != 2024 {
		t.Errorf("JSON item = %+v", it)
	}
}

func TestBackoff(t *testing.T) {
	zero := func() float64 { return 0 }
	one := func() float64 { return 0.999999 }
	if d := Backoff(0, one); d != 0 {
		t.Errorf("Backoff(0) = %v", d)
	}
	prev := time.Duration(0)
	for n := 1; n <= 100; n++ {
		lo, hi := Backoff(n, zero), Backoff(n, one)
		if lo > hi || lo < prev/2 {
			t.Fatalf("Backoff(%d) range [%v, %v] after %v", n, lo, hi, prev)
		}
		if hi > BackoffCap || lo < BackoffBase/2 {
			t.Fatalf("Backoff(%d) range [%v, %v] outside [base/2, cap]", n, lo, hi)
		}
		prev = lo
	}
	if Backoff(1, zero) != 30*time.Second || Backoff(3, one) < 3*time.Minute {
		t.Errorf("Backoff(1)=%v Backoff(3)=%v", Backoff(1, zero), Backoff(3, one))
	}
	if Backoff(1000, zero) != BackoffCap/2 || Backoff(1000, one) < BackoffCap*99/100 {
		t.Errorf("cap: %v %v", Backoff(1000, zero), Backoff(1000, one))
	}
	// Bad random sources are clamped, not trusted.
	if d := Backoff(2, func() float64 { return 7 }); d != 2*time.Minute {
		t.Errorf("rnd=7: %v", d)
	}
}

func TestJitter(t *testing.T) {
	for _, r := range []float64{0, 0.25, 0.5, 0.75, 0.9999} {
		d := Jitter(10*time.Minute, func() float64 { return r })
		if d < 9*time.Minute || d > 11*time.Minute {
			t.Errorf("Jitter(10m, %v) = %v", r, d)
		}
	}
	if Jitter(10*time.Minute, func() float64 { return 0 }) == Jitter(10*time.Minute, func() float64 { return 0.9 }) {
		t.Error("Jitter ignores rnd")
	}
	if Jitter(0, func() float64 { return 0.5 }) != 0 {
		t.Error("Jitter(0) != 0")
	}
}

// legacyTitleKey is the key items without GUID, link or text have always
// had; stores hold it, so it must not change.
func legacyTitleKey(title string, published time.Time) string {
	h := sha256.New()
	io.WriteString(h, title)
	h.Write([]byte{0})
	if !published.IsZero() {
		io.WriteString(h, published.UTC().Format(time.RFC3339))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// TestParseKeysWithoutIdentifiers: items with neither GUID nor link are told
// apart by their text, keep their keys across polls, and keep the keys they
// had before when they have no text (feedparser's node_precedence and a
// feed of "Update" items are the shapes that lost stories).
func TestParseKeysWithoutIdentifiers(t *testing.T) {
	entry := func(title, summary string) string {
		s := "<entry><title>" + title + "</title>"
		if summary != "" {
			s += "<summary>" + summary + "</summary>"
		}
		return s + "</entry>"
	}
	atom := func(entries ...string) string {
		return `<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>` + strings.Join(entries, "") + `</feed>`
	}
	// Two entries identical in every field we keep, differing only in
	// child order (the shape of node_precedence/atom10_title.xml).
	twins := atom(`<entry><title>Same</title><image><title>Not this</title></image></entry>`,
		`<entry><image><title>Not this</title></image><title>Same</title></entry>`)
	tests := []struct {
		name   string
		doc    string
		titles []string
	}{
		{"same title, different summaries", atom(entry("Update", "Bridge closed"), entry("Update", "Bridge reopened")), []string{"Update", "Update"}},
		{"same title, one without summary", atom(entry("Update", ""), entry("Update", "Bridge reopened")), []string{"Update", "Update"}},
		{"identical twins", twins, []string{"Same", "Same"}},
		{"same guid still one story", `<rss version="2.0"><channel><item><title>A</title><guid>g</guid></item><item><title>B</title><guid>g</guid></item></channel></rss>`, []string{"A"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.doc), "", "https://ex.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			if got := titles(f); strings.Join(got, "|") != strings.Join(tc.titles, "|") {
				t.Fatalf("titles %q, want %q", got, tc.titles)
			}
			checkItems(t, f) // distinct, non-empty keys
			again, err := Parse([]byte(tc.doc), "", "https://ex.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			for i := range f.Items {
				if f.Items[i].Key != again.Items[i].Key {
					t.Errorf("item %d key not stable across polls: %q then %q", i, f.Items[i].Key, again.Items[i].Key)
				}
			}
		})
	}

	// A new story on top leaves the keys of the others as they were.
	before, err := Parse([]byte(atom(entry("Update", "Bridge closed"), entry("Update", "Bridge reopened"))), "", "")
	if err != nil {
		t.Fatal(err)
	}
	after, err := Parse([]byte(atom(entry("Update", "Tolls waived"), entry("Update", "Bridge closed"), entry("Update", "Bridge reopened"))), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Items) != 3 || after.Items[1].Key != before.Items[0].Key || after.Items[2].Key != before.Items[1].Key {
		t.Errorf("keys moved when a story was added: before %q, after %q", keysOf(before), keysOf(after))
	}

	// Backwards compatibility: a title-only item keeps its old key.
	f, err := Parse([]byte(atom(entry("Statement", ""))), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := legacyTitleKey("Statement", time.Time{}); f.Items[0].Key != want {
		t.Errorf("title-only key = %q, want the legacy %q", f.Items[0].Key, want)
	}
}

func keysOf(f *Feed) []string {
	out := make([]string, len(f.Items))
	for i, it := range f.Items {
		out[i] = it.Key
	}
	return out
}

// TestParseAtom03Base64: Atom 0.3 text constructs with mode="base64" come
// out decoded whatever their type (feedparser's *_base64*.xml: a typed
// title came out as base64), and text that is not base64 is left alone.
func TestParseAtom03Base64(t *testing.T) {
	b64 := func(s string) string { return "\n  " + base64.StdEncoding.EncodeToString([]byte(s)) + "\n" }
	tests := []struct {
		name, attrs, content, want string
	}{
		{"typed html", `type="text/html" mode="base64"`, b64(`<div><a href="/relative/uri">click here</a></div>`), "click here"},
		{"untyped", `mode="base64"`, b64(`<p>History of the &lt;blink&gt; tag</p>`), "History of the <blink> tag"},
		{"single quotes", `mode='base64' type='text/html'`, b64("Example <b>Atom</b>"), "Example Atom"},
		{"CDATA end inside", `type="text/html" mode="base64"`, b64("a ]]> b"), "a ]]> b"},
		{"not base64 at all", `type="text/plain" mode="base64"`, "plain words!", "plain words!"},
		{"escaped mode untouched", `type="text/html" mode="escaped"`, "&lt;b&gt;bold&lt;/b&gt; base64", "bold base64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>F</title><entry><id>1</id>` +
				`<title ` + tc.attrs + `>` + tc.content + `</title></entry></feed>`
			f, err := Parse([]byte(doc), "", "https://ex.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != 1 || f.Items[0].Title != tc.want {
				t.Errorf("titles %q, want %q", titles(f), tc.want)
			}
		})
	}
}
