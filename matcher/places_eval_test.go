package matcher

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/internal/corpus"
)

// placeLabels are our hand labels of the item titles of the shared Russian
// feeds: for each title (by feed file and the first 8 bytes of the
// SHA-256 of the title as feeds.Parse returns it; the titles themselves
// are the publishers' and stay out of the repository) the place: queries
// that must fire on it. A country's capital counts as the country
// (place:Russia fires on Москва, as the package doc says). Labelled are
// countries, capitals and the cities of places.txt's class (a million
// people or more); regions and smaller towns (Томск, Оренбург, Бузулук)
// are not places of place: and must fire nothing. Demonym adjectives of
// the state ("российских", "украинских") name the country; "русскоязычный"
// (Russian-language) does not, nor do organisations carrying a country's
// stem (Роскосмос). The comment is our own gloss of the title.
var placeLabels = map[string][]string{
	// meduza_ru-all.xml (Russian, UTF-8)
	"meduza_ru-all.xml 4f0ce9ddcc0d8cc7": {"Kyrgyzstan"},              // Kyrgyzstan's president resigns after protests: the main points
	"meduza_ru-all.xml b4a2ac179c0448da": {},                          // Sobyanin changes the rules on remote-work staff data
	"meduza_ru-all.xml dd8c00c1078d039e": {"Russia"},                  // Peskov: the EU made relations with Russia depend on an opposition figure (instrumental case)
	"meduza_ru-all.xml f2fff314c79f7f5a": {},                          // Robert Pattinson is everywhere
	"meduza_ru-all.xml 496de8f6114ac326": {"Libya"},                   // EU sanctions Prigozhin over Wagner in Libya (prepositional)
	"meduza_ru-all.xml c3e6bf58815af592": {},                          // cosmonauts find an air leak on the ISS with a tea bag
	"meduza_ru-all.xml 712808cf098b39ea": {},                          // Lufthansa Technik union and Lukashenko's plane, Ceausescu
	"meduza_ru-all.xml 8790d07ff0177f80": {"Russia"},                  // EU sanctions six Russian officials over Navalny (adjective, genitive plural)
	"meduza_ru-all.xml cdbca00a8520168f": {"Moscow", "Russia"},        // Moscow night clubs to admit by QR code (genitive)
	"meduza_ru-all.xml 7d3db0cf11efd3de": {"Russia"},                  // record overdue loans in Russia
	"meduza_ru-all.xml 026cf42b0adc1146": {},                          // a theatre-goer detained at the Taganka theatre
	"meduza_ru-all.xml 1d5fd8db6a8fee88": {"Kyrgyzstan"},              // Kyrgyzstan's president resigns
	"meduza_ru-all.xml 0d4be25d142d563c": {"Russia"},                  // record daily COVID-19 deaths in Russia
	"meduza_ru-all.xml da4a0ff0cadd241d": {},                          // a trailer of the cartoon "Soul" (mentions the Earth)
	"meduza_ru-all.xml 83a0bf53e6653d53": {"Moscow", "Russia"},        // Moscow authorities and mobile road cameras (genitive)
	"meduza_ru-all.xml 9327edb01b24453f": {},                          // Roscosmos returns Rogozin's Twitter account
	"meduza_ru-all.xml 47123edad6a93ed5": {"US", "Estonia", "Russia"}, // Dovgan founder held in the US, deported to Estonia, wanted in Russia
	"meduza_ru-all.xml 9abdc50a3be9f078": {"Paris", "France"},         // curfew in Paris and eight other cities of France
	"meduza_ru-all.xml 92cc0f28c865edfa": {},                          // the play "Gorbachev" cancelled
	"meduza_ru-all.xml 61821393e49d6d30": {},                          // a new music video premiered on Meduza
	"meduza_ru-all.xml 02e2ad9aac97e498": {},                          // Netflix launches a Russian-language version
	"meduza_ru-all.xml 8a9158e4dad00857": {"Russia"},                  // remdesivir approved in Russia
	"meduza_ru-all.xml ef6adf313d945f20": {},                          // Facebook Messenger's new logo
	"meduza_ru-all.xml d78a0c27b4de6cd5": {},                          // Putin's bill on the State Council (Kremlin adjective: not a place)
	"meduza_ru-all.xml 0aec8e0d661ea069": {},                          // NYT on Navalny's poisoning at Tomsk airport (Tomsk: not a place: city)
	"meduza_ru-all.xml eb8c9b0be6cadbfb": {},                          // Karen Shainyan's film on a surrogacy case
	"meduza_ru-all.xml 6dc820a73fe7a86f": {},                          // The Bell on Tinkov's talks with MTS
	"meduza_ru-all.xml 3771064b5bd4ecda": {},                          // rapper Andy Cartwright's wife charged
	"meduza_ru-all.xml 95d68ef160e21739": {"Russia", "Ukraine"},       // Putin allows imports into Russia from three Ukrainian plants (accusative; adjective)
	"meduza_ru-all.xml 3b7eeac11119a255": {},                          // a chicken nugget sent to space
	// oren-ru_news-cp1251.xml (Russian regional news, windows-1251)
	"oren-ru_news-cp1251.xml 950b005ee73d9423": {}, // building sites in Buzuluk
	"oren-ru_news-cp1251.xml cede4724bb6a5e93": {}, // guards beat a man in Orenburg
	"oren-ru_news-cp1251.xml 9b9087b1e0c15832": {}, // two Orenburg residents carried heroin
	"oren-ru_news-cp1251.xml 179b824fb94ae317": {}, // a prevention campaign in the Orenburg region
	"oren-ru_news-cp1251.xml 2fe66ff6652dfb0e": {}, // an arts festival for young talents
	"oren-ru_news-cp1251.xml 05badf18bc599bd8": {}, // a railway station evacuated in Orsk
	"oren-ru_news-cp1251.xml 1c5733e6835b97b9": {}, // a book of Chernomyrdin's sayings
	"oren-ru_news-cp1251.xml b512dbba963853cb": {}, // free legal aid
	"oren-ru_news-cp1251.xml b3e5ab69a68aab3e": {}, // housing subsidies
	"oren-ru_news-cp1251.xml e729c1e3e96459c5": {}, // a street named after a hero
	// KOI8-R feeds
	"feedparser_koi8r-nodecl.xml f75e97e819664635": {}, // how to get through New Year's night
	"miniflux_koi8r-declared.xml c98ffa3237b77079": {}, // "first news"
	"miniflux_koi8r-declared.xml 797e7b8007b2413b": {}, // "second news"
}

// TestEvalPlacesRussian measures place: on the item titles of the shared
// Russian feeds (UTF-8, windows-1251, KOI8-R) against placeLabels: every
// place of places.txt runs as a watch over every title. The shared corpus
// has no Ukrainian-language feed; Ukrainian forms are covered by
// TestPlaces and TestWordForms.
func TestEvalPlacesRussian(t *testing.T) {
	dir := corpus.Dir(t, "feeds")
	placesOnce.Do(func() { places = loadPlaces() })
	var ws []Watch
	for _, p := range places.places {
		if q, _, ok := LookupPlace(p.name); ok && q == p.name {
			ws = append(ws, Watch{Name: p.name, Query: `place:"` + p.name + `"`})
		}
	}
	c, err := Compile(ws, NewRegistry(), CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var tp, fp, fn, items int
	seen := map[string]bool{}
	for _, f := range []string{"meduza_ru-all.xml", "oren-ru_news-cp1251.xml", "feedparser_koi8r-nodecl.xml", "miniflux_koi8r-declared.xml"} {
		body, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Skipf("%s: %v", f, err)
		}
		feed, err := feeds.Parse(body, "", "")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, it := range feed.Items {
			sum := sha256.Sum256([]byte(it.Title))
			key := f + " " + hex.EncodeToString(sum[:8])
			want, ok := placeLabels[key]
			if !ok {
				t.Errorf("unlabelled item %s: %q", key, it.Title)
				continue
			}
			seen[key] = true
			items++
			wantSet := map[string]bool{}
			for _, w := range want {
				name, _, ok := LookupPlace(w)
				if !ok {
					t.Fatalf("label %q is no place", w)
				}
				wantSet[name] = true
			}
			got := map[string]bool{}
			for _, h := range c.Match(Doc{Title: it.Title}) {
				got[h.Watch] = true
			}
			var extra, missing []string
			for g := range got {
				if wantSet[g] {
					tp++
				} else {
					fp++
					extra = append(extra, g)
				}
			}
			for w := range wantSet {
				if !got[w] {
					fn++
					missing = append(missing, w)
				}
			}
			if len(extra)+len(missing) > 0 {
				sort.Strings(extra)
				sort.Strings(missing)
				t.Logf("%s: %q: false %v, missed %v", key, it.Title, extra, missing)
			}
		}
	}
	for k := range placeLabels {
		if !seen[k] {
			t.Errorf("label %s matches no item", k)
		}
	}
	prec, rec := ratio(tp, tp+fp), ratio(tp, tp+fn)
	t.Logf("%d titles: precision %.3f (%d/%d), recall %.3f (%d/%d)", items, prec, tp, tp+fp, rec, tp, tp+fn)
	if fp+fn > 0 {
		t.Errorf("place: is wrong on %d labelled places (%d false, %d missed)", fp+fn, fp, fn)
	}
}
