package feeds

import (
	"strings"
	"testing"
)

func TestCanonicalLink(t *testing.T) {
	tests := []struct {
		name, link, base, want string
	}{
		{"empty", "", "https://a.example/feed", ""},
		{"spaces only", "  \n ", "https://a.example/feed", ""},
		{"absolute unchanged", "https://example.com/a/b?id=3", "", "https://example.com/a/b?id=3"},
		{"trimmed", "\n  https://example.com/x  \n", "", "https://example.com/x"},
		{"host lower-cased", "https://WWW.Example.COM/Path/Case", "", "https://www.example.com/Path/Case"},
		{"scheme lower-cased", "HTTPS://example.com/x", "", "https://example.com/x"},
		{"fragment removed", "https://example.com/x#comments", "", "https://example.com/x"},
		{"utm removed", "https://example.com/x?utm_source=rss&utm_medium=feed&UTM_Campaign=c", "", "https://example.com/x"},
		{"utm removed keeps others in order", "https://example.com/x?b=2&utm_source=rss&a=1", "", "https://example.com/x?b=2&a=1"},
		{"fbclid gclid", "https://example.com/x?fbclid=AbC&id=7&gclid=zz", "", "https://example.com/x?id=7"},
		{"mailchimp", "https://example.com/x?mc_cid=1&mc_eid=2", "", "https://example.com/x"},
		{"twitter ref_src", "https://example.com/x?ref_src=twsrc%5Etfw", "", "https://example.com/x"},
		{"escaped tracking key", "https://example.com/x?utm%5Fsource=a&p=1", "", "https://example.com/x?p=1"},
		{"only tracking drops ?", "https://example.com/x?utm_source=a", "", "https://example.com/x"},
		{"default port http", "http://example.com:80/x", "", "http://example.com/x"},
		{"default port https", "https://example.com:443/x", "", "https://example.com/x"},
		{"other port kept", "https://example.com:8443/x", "", "https://example.com:8443/x"},
		{"empty path becomes slash", "https://example.com", "", "https://example.com/"},
		{"user info dropped", "https://user:pw@example.com/x", "", "https://example.com/x"},
		{"relative path against feed", "story/1", "https://news.example/feeds/rss.xml", "https://news.example/feeds/story/1"},
		{"root-relative against feed", "/story/1?utm_source=x", "https://news.example/feeds/rss.xml", "https://news.example/story/1"},
		{"protocol-relative", "//cdn.example/x", "https://news.example/feed", "https://cdn.example/x"},
		{"relative without base", "/story/1", "", ""},
		{"relative with relative base", "/story/1", "/feed", ""},
		{"javascript scheme refused", "javascript:alert(1)", "https://a.example/", ""},
		{"mailto refused", "mailto:a@example.com", "", ""},
		{"not a URL", "http://[::1", "", ""},
		{"IPv6 host", "http://[2001:DB8::1]:8080/x", "", "http://[2001:db8::1]:8080/x"},
		{"trailing dot host", "https://example.com./x", "", "https://example.com/x"},
		{"unicode path kept", "https://ru.example/новости/1", "", "https://ru.example/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanonicalLink(tc.link, tc.base); got != tc.want {
				t.Errorf("CanonicalLink(%q, %q) = %q, want %q", tc.link, tc.base, got, tc.want)
			}
		})
	}
}

func TestLinkKey(t *testing.T) {
	same := [][]string{
		{"https://www.example.com/a/story/", "http://example.com/a/story", "https://example.com/a/story?utm_source=x#top"},
		{"https://example.com/s?a=1&b=2", "https://example.com/s?b=2&a=1&fbclid=9"},
	}
	for _, group := range same {
		want := Item{Link: group[0]}.LinkKey()
		if want == "" {
			t.Fatalf("LinkKey(%q) is empty", group[0])
		}
		for _, l := range group[1:] {
			if got := (Item{Link: l}).LinkKey(); got != want {
				t.Errorf("LinkKey(%q) = %q, want %q (same as %q)", l, got, want, group[0])
			}
		}
	}
	different := [][2]string{
		{"https://example.com/a", "https://example.com/b"},
		{"https://example.com/s?id=1", "https://example.com/s?id=2"},
		{"https://a.example.com/x", "https://b.example.com/x"},
	}
	for _, d := range different {
		if a, b := (Item{Link: d[0]}).LinkKey(), (Item{Link: d[1]}).LinkKey(); a == b {
			t.Errorf("LinkKey(%q) == LinkKey(%q) == %q", d[0], d[1], a)
		}
	}
	if k := (Item{}).LinkKey(); k != "" {
		t.Errorf("LinkKey of an item without link = %q, want empty", k)
	}
}

func TestTitleKey(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{"Russia hacks Azerbaijan's ministry", "RUSSIA HACKS AZERBAIJAN’S MINISTRY!", true},
		{"  Cozy   Bear strikes again — report ", "Cozy Bear strikes again: report", true},
		{"Café prices soar across Europe", "Cafe prices soar across europe", true},
		{"Ｆｕｌｌ　ｗｉｄｔｈ headline here", "Full width headline here", true},
		{"Путин встретился с Алиевым в Баку", "ПУТИН ВСТРЕТИЛСЯ С АЛИЕВЫМ В БАКУ", true},
		{"Σεισμός στην Αθήνα σήμερα το πρωί", "ΣΕΙΣΜΟΣ ΣΤΗΝ ΑΘΗΝΑ ΣΗΜΕΡΑ ΤΟ ΠΡΩΙ", true},
		{"Russia hacks Azerbaijan ministry", "Russia hacks Armenia ministry", false},
		{"APT29 targets embassies in Europe", "APT28 targets embassies in Europe", false},
	}
	for _, tc := range tests {
		ka, kb := titleKey(tc.a), titleKey(tc.b)
		if ka == "" || kb == "" {
			t.Errorf("titleKey(%q)=%q titleKey(%q)=%q: want both non-empty", tc.a, ka, tc.b, kb)
			continue
		}
		if (ka == kb) != tc.equal {
			t.Errorf("titleKey(%q)=%q vs titleKey(%q)=%q: equal=%v, want %v", tc.a, ka, tc.b, kb, ka == kb, tc.equal)
		}
	}
	for _, short := range []string{"", "   ", "!!!", "Live updates", "Statement"} {
		if k := (Item{Title: short}).TitleKey(); k != "" {
			t.Errorf("TitleKey(%q) = %q, want empty (too short to identify a story)", short, k)
		}
	}
	if got := titleKey("Hello,   World: a long-ish Title"); got != "hello world a long ish title" {
		t.Errorf("titleKey normal form = %q", got)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain  text\n\twith   space ", "plain text with space"},
		{"<p>Hello <b>world</b></p><p>again</p>", "Hello world again"},
		{"AT&amp;T &lt;3 &quot;quotes&quot; &#8217; &#x41;", "AT&T <3 \"quotes\" ’ A"},
		{"before<script>alert('x')</script>after", "beforeafter"},
		{"a<style>p{color:red}</style>b", "ab"},
		{"line<br>break<br/>again", "line break again"},
		{"<ul><li>one</li><li>two</li></ul>", "one two"},
		{"R&D and M&A", "R&D and M&A"},
		{"x < y and y > z", "x < y and y > z"},
		{"<img src=x onerror=alert(1)>caption", "caption"},
		{"unclosed <b>bold", "unclosed bold"},
		{"<![CDATA[not really]]>text", "text"},
		{"zero\u200bwidth", "zero width"},
		{"<scr<script>ipt>alert(1)</script>", "ipt>alert(1)"},
		// feedparser's sanitize/*_object.xml: an unclosed <object> must not
		// swallow what follows; a closed one shows its fallback text.
		{`safe<object classid="clsid:C932BA85-4374-101B-A56C-00AA003668DC"> description`, "safe description"},
		{`<object data="v.swf"><param name="q" value="high">Watch the video</object> below`, "Watch the video below"},
	}
	for _, tc := range tests {
		if got := PlainText(tc.in); got != tc.want {
			t.Errorf("PlainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPlainTextNeverContainsTags(t *testing.T) {
	in := strings.Repeat("<div><script>var a = '<b>';</script><p>text &amp; more</p></div>", 50)
	got := PlainText(in)
	if strings.Contains(got, "<") || strings.Contains(got, "script") || strings.Contains(got, "var a") {
		t.Fatalf("PlainText left markup or script: %q", got[:80])
	}
	if !strings.HasPrefix(got, "text & more text & more") {
		t.Fatalf("PlainText = %q...", got[:40])
	}
}
