package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/newshound/newshound/internal/corpus"
)

const corpusFeedURL = "https://feeds.example.org/path/feed.xml"

// corpusExpect is what a corpus file must give. err, when set, is the
// sentinel the error must wrap; otherwise items is the exact item count.
type corpusExpect struct {
	err     error
	items   int
	partial bool
	check   func(t *testing.T, f *Feed)
}

func hasScript(s string, tab *unicode.RangeTable) bool {
	for _, r := range s {
		if unicode.Is(tab, r) {
			return true
		}
	}
	return false
}

func titles(f *Feed) []string {
	out := make([]string, len(f.Items))
	for i, it := range f.Items {
		out[i] = it.Title
	}
	return out
}

func wantAllCyrillic(t *testing.T, f *Feed) {
	t.Helper()
	for _, it := range f.Items {
		if !hasScript(it.Title, unicode.Cyrillic) {
			t.Errorf("title %q has no Cyrillic letters (charset not decoded?)", it.Title)
		}
	}
}

var corpusWant = map[string]corpusExpect{
	"meduza_ru-all.xml": {items: 30, check: func(t *testing.T, f *Feed) {
		wantAllCyrillic(t, f)
		if got := f.Items[0].Title; got != "Президент Киргизии ушел в отставку из-за массовых протестов. Главное" {
			t.Errorf("first title = %q", got)
		}
	}},
	"oren-ru_news-cp1251.xml": {items: 10, check: func(t *testing.T, f *Feed) {
		wantAllCyrillic(t, f)
		if f.Title != "Новости Оренбурга и области / Раздел Новости" {
			t.Errorf("feed title = %q", f.Title)
		}
		if f.Items[0].Title != "В Бузулуке главные стройплощадки – детсад и Ледовый дворец" {
			t.Errorf("first title = %q", f.Items[0].Title)
		}
		if f.TTL.Minutes() != 30 {
			t.Errorf("TTL = %v, want 30m", f.TTL)
		}
	}},
	"oren-ru_news-cp1251.xml.gz": {items: 10, check: func(t *testing.T, f *Feed) {
		wantAllCyrillic(t, f)
		if f.Items[0].Title != "В Бузулуке главные стройплощадки – детсад и Ледовый дворец" {
			t.Errorf("first title = %q", f.Items[0].Title)
		}
	}},
	"feedparser_koi8r-nodecl.xml": {items: 1, check: func(t *testing.T, f *Feed) {
		if got := f.Items[0].Title; got != "Как пережить новогоднюю ночь" {
			t.Errorf("KOI8-R without declaration: title = %q", got)
		}
		if !strings.HasPrefix(f.Items[0].Key, "sha256:") {
			t.Errorf("item without GUID or link: key %q, want a title hash", f.Items[0].Key)
		}
	}},
	"miniflux_koi8r-declared.xml": {items: 2, check: func(t *testing.T, f *Feed) {
		if got := titles(f); got[0] != "Первая новость" || got[1] != "Вторая новость" {
			t.Errorf("titles = %q", got)
		}
		if !strings.Contains(f.Items[1].Summary, "& < >") {
			t.Errorf("entities in summary not decoded once: %q", f.Items[1].Summary)
		}
	}},
	"uol_noticias-latin1-nodecl.xml": {items: 15, check: func(t *testing.T, f *Feed) {
		if got := f.Items[0].Title; got != "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno" {
			t.Errorf("undeclared Latin-1: first title = %q", got)
		}
		if !strings.Contains(f.Items[0].Summary+f.Items[1].Summary+f.Items[2].Summary, "ã") &&
			!strings.Contains(f.Items[0].Summary+f.Items[1].Summary+f.Items[2].Summary, "ç") {
			t.Errorf("no accents decoded in summaries")
		}
	}},
	"jn_ultimas-iso8859-1.xml": {items: 40, check: func(t *testing.T, f *Feed) {
		if f.Title != "Jornal de Notícias - Últimas Notícias" {
			t.Errorf("feed title = %q", f.Title)
		}
		if got := f.Items[0].Title; got != "Mãe de utente é a nova presidente da Raríssimas" {
			t.Errorf("first title = %q", got)
		}
	}},
	"heise_news-rss10-rdf.xml": {items: 60, check: func(t *testing.T, f *Feed) {
		for _, it := range f.Items {
			if it.GUID != "" || it.Key != it.Link || !strings.HasPrefix(it.Link, "https://") || strings.Contains(it.Link, "wt_mc=") {
				t.Errorf("RDF item without GUID: key %q link %q", it.Key, it.Link)
			}
		}
		if f.Items[0].Title != "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen" {
			t.Errorf("first title = %q", f.Items[0].Title)
		}
	}},
	"marketwatch_html-not-feed.xml":   {err: ErrNotAFeed},
	"reuters_mostread-truncated.xml":  {err: ErrMalformed},
	"feedparser_incomplete-cdata.xml": {err: ErrMalformed},
	"feedjira_invalid-date-epoch.xml": {items: 2, partial: true, check: func(t *testing.T, f *Feed) {
		if f.Items[1].Title != "Item 1 with all valid dates" || f.Items[1].Published.Year() != 2017 {
			t.Errorf("item 1 = %q %v", f.Items[1].Title, f.Items[1].Published)
		}
	}},
	"example_unescaped-amp-saxerror.xml": {items: 3, check: func(t *testing.T, f *Feed) {
		if got := titles(f); got[2] != "Item After Error" {
			t.Errorf("items after the bare & lost: %q", got)
		}
		if f.Items[1].Link != "http://example.com/bad?foo=1&bar=2" {
			t.Errorf("link with bare & = %q", f.Items[1].Link)
		}
		for _, it := range f.Items {
			if !it.Published.IsZero() {
				t.Errorf("undated item %q got date %v (must stay zero, never now)", it.Title, it.Published)
			}
		}
	}},
	"braingle_guid-dupes.xml": {items: 1, check: func(t *testing.T, f *Feed) {
		if f.Items[0].Key != "http://www.braingle.com/50366.html" {
			t.Errorf("key with duplicated <guid> = %q", f.Items[0].Key)
		}
	}},
	"pcmag_illegally-nested.xml": {items: 10},
	"neverwinter_relative-urls.xml": {items: 2, check: func(t *testing.T, f *Feed) {
		want := "https://feeds.example.org/en/games/neverwinter/news/detail/10743874-neverwinter-%26-jingle-jam-humble-bundle%21"
		if f.Items[0].Link != want {
			t.Errorf("relative link = %q, want %q", f.Items[0].Link, want)
		}
		if f.Items[0].Published.Year() != 2017 {
			t.Errorf("2-digit year date = %v", f.Items[0].Published)
		}
	}},
	"huffpost-canada_missing-guid.xml": {items: 2, check: func(t *testing.T, f *Feed) {
		var noGUID int
		for _, it := range f.Items {
			if it.GUID == "" {
				noGUID++
				if it.Key != it.Link || it.Link == "" {
					t.Errorf("item without GUID: key %q, link %q", it.Key, it.Link)
				}
			}
		}
		if noGUID != 1 {
			t.Errorf("%d items without GUID, want 1", noGUID)
		}
	}},
	"guardian_world-uk.xml":     {items: 55},
	"tpm_allnews-atom.xml":      {items: 20},
	"nyt_us-news.xml":           {items: 20},
	"bbc-urdu_pakistan-rtl.xml": {items: 26, check: func(t *testing.T, f *Feed) { wantScript(t, f, unicode.Arabic) }},
	"kyivindependent_news-archive.xml": {items: 15, check: func(t *testing.T, f *Feed) {
		if f.TTL.Minutes() != 60 {
			t.Errorf("TTL = %v, want 60m", f.TTL)
		}
		if len(f.Items[0].Categories) == 0 {
			t.Errorf("categories lost")
		}
	}},
	"therecord_feed.xml":        {items: 5},
	"ncsc-uk_all.xml":           {items: 5},
	"bleepingcomputer_feed.xml": {items: 4},
	"unit42_feed.xml":           {items: 3},
	"cert-eu_threat-intel.xml": {items: 3, check: func(t *testing.T, f *Feed) {
		if strings.ContainsAny(f.Items[0].Link, " \n") || !strings.HasPrefix(f.Items[0].Link, "https://cert.europa.eu/") {
			t.Errorf("whitespace-wrapped link = %q", f.Items[0].Link)
		}
	}},
	"krebs_feed.xml": {items: 3, check: func(t *testing.T, f *Feed) {
		if len(f.Items[0].Content) < 1000 || strings.Contains(f.Items[0].Content, "<p>") {
			t.Errorf("content:encoded not turned into plain text (%d bytes)", len(f.Items[0].Content))
		}
	}},
	"thehackernews_feed.xml": {items: 3},
	"cisa_all-advisories-2digit-year.xml": {items: 3, check: func(t *testing.T, f *Feed) {
		if y := f.Items[0].Published.Year(); y != 2026 {
			t.Errorf("2-digit year parsed as %d", y)
		}
	}},
	"nshipster_large-gzipped.xml.gz": {items: 25},
	"inessential_jsonfeed-1.0.json":  {items: 20},
	"influxdata_jsonfeed-1.1.json": {items: 3, check: func(t *testing.T, f *Feed) {
		if f.Title != "Blog – InfluxData" {
			t.Errorf("entity in JSON feed title not decoded: %q", f.Title)
		}
	}},
	"feedparser_high-bit-date-iso8859-7.xml": {items: 0},
}

func wantScript(t *testing.T, f *Feed, tab *unicode.RangeTable) {
	t.Helper()
	for _, it := range f.Items {
		if !hasScript(it.Title, tab) {
			t.Errorf("title %q lacks the expected script", it.Title)
		}
	}
}

// TestCorpus parses every file of the shared corpus: each gives its expected
// items or a clear error, and every item is well formed.
func TestCorpus(t *testing.T) {
	dir := corpus.Dir(t, "feeds")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, path := range files {
		name := filepath.Base(path)
		if strings.HasSuffix(name, ".md") {
			continue
		}
		seen++
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(body, "", corpusFeedURL)
			want, known := corpusWant[name]
			if !known {
				t.Errorf("corpus file %s has no expectation in corpusWant; add one", name)
			}
			if want.err != nil {
				if !errors.Is(err, want.err) {
					t.Fatalf("Parse error = %v, want one wrapping %v", err, want.err)
				}
				if !strings.Contains(err.Error(), corpusFeedURL) {
					t.Errorf("error %q does not name the feed URL", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(f.Items) != want.items {
				t.Errorf("%d items, want %d", len(f.Items), want.items)
			}
			if f.Partial != want.partial {
				t.Errorf("Partial = %v, want %v", f.Partial, want.partial)
			}
			checkItems(t, f)
			if want.check != nil && len(f.Items) >= want.items {
				want.check(t, f)
			}
		})
	}
	if seen < 30 {
		t.Errorf("only %d corpus files found", seen)
	}
}

// checkItems asserts the invariants every parsed item must hold.
func checkItems(t *testing.T, f *Feed) {
	t.Helper()
	keys := map[string]bool{}
	for i, it := range f.Items {
		if it.Key == "" {
			t.Errorf("item %d (%q) has an empty key", i, it.Title)
		}
		if keys[it.Key] {
			t.Errorf("item %d: duplicate key %q", i, it.Key)
		}
		keys[it.Key] = true
		for field, s := range map[string]string{"title": it.Title, "summary": it.Summary, "content": it.Content} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
				t.Errorf("item %d %s is not clean UTF-8: %q", i, field, s)
			}
			if strings.Contains(s, "</") || strings.Contains(s, "<p>") || strings.Contains(s, "<br") {
				t.Errorf("item %d %s still has markup: %.80q", i, field, s)
			}
			if s != strings.TrimSpace(s) || strings.Contains(s, "  ") || strings.ContainsAny(s, "\n\t") {
				t.Errorf("item %d %s has uncollapsed white space: %.80q", i, field, s)
			}
		}
		if it.Link != "" && CanonicalLink(it.Link, "") != it.Link {
			t.Errorf("item %d link %q is not canonical", i, it.Link)
		}
		if !it.Published.IsZero() && (it.Published.Year() < 1990 || it.Published.Year() > 2100) {
			t.Errorf("item %d published %v is implausible", i, it.Published)
		}
		if it.Title == "" && it.Summary == "" && it.Content == "" {
			t.Errorf("item %d has no text at all", i)
		}
	}
}
