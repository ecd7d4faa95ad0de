package stories

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

func TestSameStory(t *testing.T) {
	tests := []struct {
		name string
		a, b Item
		same bool
	}{
		{
			name: "reworded report of one event",
			a:    Item{Title: "Russian missile strike on Kyiv kills at least 12", Summary: "At least 12 people were killed when Russian missiles hit residential buildings in the Ukrainian capital overnight, officials said."},
			b:    Item{Title: "At least 12 dead after Russia fires missiles at Kyiv", Summary: "Russian missiles struck apartment blocks in Kyiv overnight, killing at least 12 people, the city's mayor said."},
			same: true, // the leads carry the words the titles do not share
		},
		{
			name: "syndicated copy with a tag",
			a:    Item{Title: "Microsoft says Midnight Blizzard accessed senior staff email accounts"},
			b:    Item{Title: "UPDATE 1-Microsoft says Midnight Blizzard accessed senior staff email accounts"},
			same: true,
		},
		{
			name: "same event, lead agrees",
			a:    Item{Title: "Critical Citrix NetScaler flaw CVE-2023-4966 under mass exploitation", Summary: "Attackers are exploiting CVE-2023-4966, dubbed Citrix Bleed, to hijack sessions on NetScaler appliances."},
			b:    Item{Title: "Citrix NetScaler flaw CVE-2023-4966 exploited en masse", Summary: "Security firms report widespread exploitation of CVE-2023-4966, known as Citrix Bleed, in NetScaler appliances."},
			same: true,
		},
		{
			name: "same actor, same day, another event",
			a:    Item{Title: "APT29 phishes European embassies with fake wine-tasting invitations", Summary: "Russia-linked hackers sent diplomats invitations to a wine tasting that installed a backdoor, researchers said."},
			b:    Item{Title: "APT29 breached a cloud provider to reach government tenants", Summary: "Researchers say APT29 compromised a cloud hosting provider and used its access to move into government customers' environments."},
			same: false,
		},
		{
			name: "APT 29 and APT29 are one name, yet the events differ",
			a:    Item{Title: "APT 29 phishes embassies"},
			b:    Item{Title: "APT29 breach of a cloud provider"},
			same: false,
		},
		{
			name: "one place substituted",
			a:    Item{Title: "Ukraine strikes Russian oil refinery in Ryazan with drones"},
			b:    Item{Title: "Ukraine strikes Russian oil refinery in Volgograd with drones"},
			same: false,
		},
		{
			name: "other figures",
			a:    Item{Title: "EU agrees 14th package of sanctions on Russia"},
			b:    Item{Title: "EU agrees 15th package of sanctions on Russia"},
			same: false,
		},
		{
			name: "opposite directions",
			a:    Item{Title: "Банк России повысил ключевую ставку до 16%"},
			b:    Item{Title: "Банк России сохранил ключевую ставку на уровне 16%"},
			same: false,
		},
		{
			name: "Russian, inflected forms",
			a:    Item{Title: "Ракетный удар по Одессе: погибли пять человек", Summary: "В результате ракетного удара по Одессе погибли пять человек, еще десятки ранены."},
			b:    Item{Title: "В Одессе после ракетного удара погибли пять человек", Summary: "Пять человек погибли при ракетном ударе по Одессе, сообщили власти."},
			same: true,
		},
		{
			name: "English and Russian never merge",
			a:    Item{Title: "Kyivstar outage caused by cyberattack"},
			b:    Item{Title: "Киевстар: сбой связи вызван кибератакой"},
			same: false,
		},
		{
			name: "published further apart than the window",
			a:    Item{Title: "Sbarro files for Chapter 11 bankruptcy again", Published: t0},
			b:    Item{Title: "Sbarro files for Chapter 11 bankruptcy again", Published: t0.Add(49 * time.Hour), Seen: t0.Add(time.Hour)},
			same: false,
		},
		{
			name: "no words at all",
			a:    Item{Title: "!!!"},
			b:    Item{Title: "!!!"},
			same: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := NewIndex(Options{})
			ra := ix.Add(tt.a)
			rb := ix.Add(tt.b)
			if rb.Same != tt.same {
				t.Errorf("same = %v (score %.3f), want %v", rb.Same, rb.Score, tt.same)
			}
			if rb.Same && rb.Story != ra.Story {
				t.Errorf("joined story %d, want %d", rb.Story, ra.Story)
			}
			if !rb.Same && rb.Story == ra.Story {
				t.Errorf("new story reuses id %d", ra.Story)
			}
		})
	}
}

// TestCanon checks the alias hook: with a Canon that knows the actor's
// names, two reports naming it differently meet; without, they do not.
func TestCanon(t *testing.T) {
	names := map[string]string{"Cozy Bear": "APT29", "APT29": "APT29", "Midnight Blizzard": "APT29"}
	canon := func(s string) string { return names[s] }
	a := Item{Title: "Cozy Bear phishes European embassies with fake wine-tasting invitations"}
	b := Item{Title: "APT29 phishes European embassies with fake wine-tasting invitations"}
	other := Item{Title: "Midnight Blizzard breached a cloud provider to reach government tenants"}
	var scores []float64
	for _, c := range []func(string) string{nil, canon} {
		ix := NewIndex(Options{Canon: c})
		ix.Add(a)
		r := ix.Add(b)
		scores = append(scores, r.Score)
		if c != nil && !r.Same {
			t.Errorf("with Canon: not joined (score %.3f)", r.Score)
		}
		if r := ix.Add(other); r.Same {
			t.Errorf("canon %v: another event of the same actor joined (score %.3f)", c != nil, r.Score)
		}
	}
	if scores[1] <= scores[0] {
		t.Errorf("score with Canon %.3f, without %.3f: the alias did not help", scores[1], scores[0])
	}
	fs := extract("Cozy Bear strikes", "", canon)
	if _, ok := slices.BinarySearch(fs.toks, hashToken("apt29")); !ok {
		t.Errorf("Cozy Bear did not become apt29")
	}
}

func TestNoCrashOnOddText(t *testing.T) {
	odd := []string{
		"", " ", "\x00\xff\xfe", "日本語のニュース見出し", "عاجل: انفجار في بيروت", "ＡＰＴ２９　ｈｉｔｓ", "1,500.25 2-1 $100m 5th",
		"Ё ё Ї ї Є є Ґ ґ", "a'b'c ''' ```", string(make([]byte, 5000)),
	}
	ix := NewIndex(Options{})
	for _, s := range odd {
		ix.Add(Item{Title: s, Summary: s, Content: s})
		ix.Lookup(Item{Title: s})
	}
}

func TestWindowEviction(t *testing.T) {
	ix := NewIndex(Options{Window: 48 * time.Hour})
	a := Item{Title: "Sbarro files for Chapter 11 bankruptcy again", Seen: t0}
	ra := ix.Add(a)
	// Another story keeps the clock moving.
	ix.Add(Item{Title: "Magnitude 6.4 earthquake rattles central Italy", Seen: t0.Add(47 * time.Hour)})
	if r := ix.Lookup(a); !r.Same || r.Story != ra.Story {
		t.Fatalf("within the window: %+v", r)
	}
	rb := ix.Add(Item{Title: "Sbarro files for Chapter 11 bankruptcy again", Seen: t0.Add(49 * time.Hour)})
	if rb.Same {
		t.Errorf("joined a story seen 49h earlier: %+v", rb)
	}
	if got := ix.Len(); got != 2 {
		t.Errorf("Len = %d after eviction, want 2", got)
	}
	ix.Evict(t0.Add(100 * time.Hour))
	if ix.Len() != 0 || ix.Stories() != 0 || len(ix.postings) != 0 {
		t.Errorf("after evicting all: %d entries, %d stories, %d postings", ix.Len(), ix.Stories(), len(ix.postings))
	}
}

func TestMaxReports(t *testing.T) {
	ix := NewIndex(Options{MaxReports: 2})
	var ids []uint64
	var recs int
	for i := 0; i < 5; i++ {
		r := ix.Add(Item{Title: "Microsoft says Midnight Blizzard accessed senior staff email accounts", Seen: t0.Add(time.Duration(i) * time.Minute)})
		ids = append(ids, r.Story)
		if r.Record != nil {
			recs++
		}
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("story ids %v, want all %d", ids, ids[0])
		}
	}
	if recs != 2 || ix.Len() != 2 {
		t.Errorf("%d records, %d entries; want 2 and 2", recs, ix.Len())
	}
}

// TestRestore checks that an index rebuilt from the records decides every
// later item exactly as the original does.
func TestRestore(t *testing.T) {
	ps := loadPairs(t)
	orig := NewIndex(Options{})
	var saved []Record
	for i, p := range ps[:len(ps)/2] {
		p.a.Seen = t0.Add(time.Duration(i) * time.Minute)
		if r := orig.Add(p.a); r.Record != nil {
			saved = append(saved, *r.Record)
		}
	}
	if got := orig.Records(); len(got) != len(saved) {
		t.Fatalf("Records() has %d, Add returned %d", len(got), len(saved))
	}
	back := NewIndex(Options{})
	if err := back.Restore(saved); err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		p.b.Seen = t0.Add(time.Duration(len(ps)+i) * time.Minute)
		want, got := orig.Add(p.b), back.Add(p.b)
		if want.Story != got.Story || want.Same != got.Same || want.Score != got.Score {
			t.Fatalf("pair line %d: restored index says %+v, original %+v", p.line, got, want)
		}
	}
	for i, r := range orig.Records() {
		if b := back.Records()[i]; b.Story != r.Story || !b.Seen.Equal(r.Seen) || !bytes.Equal(b.Features, r.Features) {
			t.Fatalf("record %d differs after restore", i)
		}
	}
}

func TestRestoreRejectsBadRecords(t *testing.T) {
	good := encodeFeatures(extract("Okta breach hit all customer support users", "", nil))
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{9}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing bytes", append(append([]byte{}, good...), 0)},
		{"count overflow", []byte{featuresVersion, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"unsorted", []byte{featuresVersion, 2, 5, 0, 0, 0, 1, 4, 0, 0, 0, 1}},
	}
	for _, tt := range tests {
		ix := NewIndex(Options{})
		err := ix.Restore([]Record{{Story: 7, Seen: t0, Features: tt.b}})
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	// A bad record among good ones is skipped, the good ones restored.
	ix := NewIndex(Options{})
	err := ix.Restore([]Record{{Story: 5, Seen: t0, Features: append([]byte{9}, good[1:]...)}, {Story: 7, Seen: t0, Features: good}})
	if err == nil || !strings.Contains(err.Error(), "1 of 2 records skipped") {
		t.Errorf("restore of one bad and one good record: %v; want 1 of 2 skipped", err)
	}
	if r := ix.Lookup(Item{Title: "Okta breach hit all customer support users", Seen: t0}); !r.Same || r.Story != 7 {
		t.Errorf("lookup after a partial restore = %+v; want story 7, restored", r)
	}
	if r := ix.Add(Item{Title: "New story entirely about volcanoes", Seen: t0}); r.Story != 8 {
		t.Errorf("new story id %d after restoring story 7, want 8", r.Story)
	}
}

// TestRestoreAcceptsVersion1 checks that records written before the
// second precision pass (features version 1, the same layout) still
// restore, and still find their story: a daemon upgraded inside a window
// must edit the alerts it sent before.
func TestRestoreAcceptsVersion1(t *testing.T) {
	title := "Okta breach hit all customer support users"
	v1 := encodeFeatures(extract(title, "", nil))
	v1[0] = 1
	ix := NewIndex(Options{})
	if err := ix.Restore([]Record{{Story: 7, Seen: t0, Features: v1}}); err != nil {
		t.Fatalf("version 1 record: %v", err)
	}
	if r := ix.Lookup(Item{Title: title, Seen: t0}); !r.Same || r.Story != 7 {
		t.Errorf("report of the restored story: %+v, want story 7", r)
	}
}

// TestDemonymRoles checks that a demonym meets its country ("Finnish
// police" / "Finland"), and that the same two countries with their roles
// swapped do not join ("Russia expels Moldovan diplomats" / "Moldova
// expels Russian diplomats"): without the role guard the demonyms would
// make them one story.
func TestDemonymRoles(t *testing.T) {
	pair := func(a, b string) float64 {
		ix := NewIndex(Options{})
		ix.Add(Item{Title: a, Seen: t0})
		return ix.Lookup(Item{Title: b, Seen: t0}).Score
	}
	same := pair("Finnish customs seize tanker Eagle S over cable damage", "Finland detains tanker Eagle S over cable damage")
	if same < DefaultThreshold {
		t.Errorf("Finnish / Finland rewording scores %.3f, want at least %.2f", same, DefaultThreshold)
	}
	swapped := pair("Russia expels Moldovan diplomats over drone debris", "Moldova expels Russian diplomats over drone debris")
	if swapped >= DefaultThreshold {
		t.Errorf("roles swapped score %.3f, want under %.2f", swapped, DefaultThreshold)
	}
}

func TestExtract(t *testing.T) {
	has := func(fs features, tok string) (uint8, bool) {
		h := hashToken(tok)
		for i, x := range fs.toks {
			if x == h {
				return fs.flags[i], true
			}
		}
		return 0, false
	}
	tests := []struct {
		title, lead string
		tok         string
		flags       uint8 // want exactly these flags; 0 = want the token absent
	}{
		{"APT 29 hits embassies", "", "apt29", flagTitle | flagEntity | flagNumber},
		{"APT-29 hits embassies", "", "apt29", flagTitle | flagEntity | flagNumber},
		{"Shakhtar beat Barcelona 2-1", "", "2-1", flagTitle | flagEntity | flagNumber},
		{"Lazarus linked to $100m theft", "", "100", flagTitle | flagEntity | flagNumber},
		{"Hackers leak 1,500 records", "", "1500", flagTitle | flagEntity | flagNumber},
		{"Hackers target embassies", "", "embassy", flagTitle},
		{"Finnish police seize tanker", "", "finland", flagTitle | flagDemonym},
		{"Police in Finland seize tanker", "", "finland", flagTitle | flagEntity},
		{"Police seize tanker", "Officials said Finnish police boarded it.", "finland", flagEntity},
		{"Hackers targeted an embassy", "", "embassy", flagTitle},
		{"Hackers targeted an embassy", "", "target", flagTitle},
		{"The attack", "Police in Baku said", "baku", flagEntity},
		{"Fed Official Says Weak Data Caused By Weather", "", "weather", flagTitle}, // title case is style, not names
		{"Atack on Россия", "Удар по России и Россию", "росси", flagTitle | flagEntity},
		{"The attack says nothing", "", "says", 0},
	}
	for _, tt := range tests {
		fs := extract(tt.title, tt.lead, nil)
		f, ok := has(fs, tt.tok)
		switch {
		case tt.flags == 0 && ok:
			t.Errorf("%q: has %q", tt.title, tt.tok)
		case tt.flags != 0 && !ok:
			t.Errorf("%q: no %q", tt.title, tt.tok)
		case tt.flags != 0 && f != tt.flags:
			t.Errorf("%q: %q flags %b, want %b", tt.title, tt.tok, f, tt.flags)
		}
	}
	long := ""
	for i := 0; i < 200; i++ {
		long += fmt.Sprintf("word%c ", 'a'+rune(i%26)) + fmt.Sprint("w", i, " ")
	}
	if fs := extract(long, long, nil); len(fs.toks) > maxTokens {
		t.Errorf("%d tokens, cap %d", len(fs.toks), maxTokens)
	}
}

// TestTimeDistance checks the date guard: a reworded report a day and a
// half after the first pays for the distance, a copy does not, and a
// longer window stretches the half-life.
func TestTimeDistance(t *testing.T) {
	first := Item{Title: "Ransomware attack on hospital chain diverts ambulances in Ohio", Summary: "A ransomware attack forced a regional hospital chain to divert ambulances and postpone surgeries.", Published: t0}
	reworded := Item{Title: "Ohio hospital chain diverts ambulances after ransomware hit", Summary: "Surgeries were postponed and ambulances sent elsewhere after ransomware struck a regional hospital group in Ohio."}
	copied := Item{Title: first.Title, Summary: first.Summary}
	score := func(window, after time.Duration, it Item) Result {
		ix := NewIndex(Options{Window: window})
		ix.Add(first)
		it.Published = t0.Add(after)
		return ix.Lookup(it)
	}
	near, far := score(0, time.Hour, reworded), score(0, 36*time.Hour, reworded)
	if !near.Same || near.Score >= copyScore || far.Score >= near.Score/2 {
		t.Errorf("reworded: %.3f an hour later, %.3f 36 hours later; want a join, then less than half", near.Score, far.Score)
	}
	if r := score(0, 36*time.Hour, copied); !r.Same {
		t.Errorf("a copy 36 hours later did not join (score %.3f)", r.Score)
	}
	if r := score(0, 49*time.Hour, copied); r.Same {
		t.Errorf("a copy outside the window joined (score %.3f)", r.Score)
	}
	if long := score(120*time.Hour, 36*time.Hour, reworded); long.Score <= far.Score {
		t.Errorf("a 120h window: %.3f, not more than %.3f with 48h", long.Score, far.Score)
	}
}
