package stories

import "strings"

// The small word tables of the decision. Each one mends a way in which
// two reports of one event, or of two events, look alike to the weighted
// overlap alone; BENCHMARKS.md ("Story clustering", second precision pass)
// has the pairs they were chosen on.

// numberWords maps folded number words to their figures, so that "three
// killed" and "3 killed" share a figure and "three killed" and "five
// killed" carry two different ones (the figures guard of score). "One" is
// left out: it is more often "one of" than a count.
var numberWords = func() map[string]string {
	m := map[string]string{}
	for fig, words := range map[string]string{
		"2":  "two два две двое двух дві двоє",
		"3":  "three три трое трех троє",
		"4":  "four четыре четверо чотири",
		"5":  "five пять пятеро пяти пятеро",
		"6":  "six шесть шестеро шести шість",
		"7":  "seven семь семеро сім",
		"8":  "eight восемь вісім",
		"9":  "nine девять",
		"10": "ten десять",
		"11": "eleven",
		"12": "twelve",
		"15": "fifteen",
		"20": "twenty",
	} {
		for _, w := range strings.Fields(words) {
			m[fold(w)] = fig
		}
	}
	return m
}()

// roleWords are the nouns headlines put beside an actor to say what it is
// ("hackers", "group", "researchers", "officials"). One report has them
// and another not as often as not, so their absence from the other report
// is no sign of another event: extract marks them flagMinor.
var roleWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`hacker hackers group groups gang gangs attacker attackers actor actors crew operators
		researcher researchers official officials authorities expert experts company firm giant maker
		хакеры хакер хакерская группировка группировки хакери угруповання`) {
		m[fold(w)] = true
	}
	return m
}()

// serialWords are the words a headline uses for one more event of a series
// ("second strike on the port", "another tanker hit", "снова атаковали"):
// the same words as the first event's reports, and another event. The
// serial guard of score needs the other report to say so too.
var serialWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`second third fourth fifth another again renewed repeated fresh
		второй вторая второе вторую третий третья третье снова вновь повторно повторный повторная очередной очередная очередное очередную
		другий друга друге третій знову вдруге повторний повторна черговий чергова чергове`) {
		m[fold(w)] = true
	}
	return m
}()

// synonyms maps a folded word to the word (before stemming) that stands
// for the set of words headlines use interchangeably for one act, and
// transliterations of one place to its current spelling: a rewording's
// verb is the commonest word two reports of one event do not share
// ("closes" / "shut", "kills 12" / "12 dead").
var synonyms = func() map[string]string {
	m := map[string]string{}
	for to, from := range map[string]string{
		"close":        "shut shuts shutting closure",
		"kill":         "dead die dies died death deaths",
		"earthquake":   "quake quakes earthquakes tremor",
		"explosion":    "blast blasts explosions explode explodes exploded",
		"attack":       "strike strikes struck raid raids hit hits slam slams slammed batter batters battered pound pounds pounded pummel pummels pummeled lash lashes lashed landfall",
		"arrest":       "detain detains detained detention arrests arrested seize seizes seized",
		"dismiss":      "sack sacks sacked oust ousts ousted dismisses dismissed",
		"flaw":         "vulnerability vulnerabilities bug bugs flaws",
		"steal":        "stole stolen steals theft thefts heist heists",
		"erupt":        "eruption eruptions erupts erupted",
		"ambassador":   "envoy envoys ambassadors",
		"computer":     "pc pcs computers laptop laptops",
		"meet":         "hosts hosted met",
		"погиб":        "погибли погибла погибло погибших убиты убит убита убили загинули загинув загинула загиблих",
		"kyiv":         "kiev",
		"kharkiv":      "kharkov",
		"odesa":        "odessa",
		"lviv":         "lvov",
		"dnipro":       "dnepr dnipropetrovsk",
		"mykolaiv":     "nikolaev nikolayev",
		"zaporizhzhia": "zaporozhye zaporizhia",
		"chernihiv":    "chernigov",
		"київ":         "киев",
		// Third pass (recall): more verbs of one act, as outlets swap them.
		"charge":  "charges charged indict indicts indicted",
		"ban":     "bans banned bar bars barred",
		"cut":     "reduce reduces reduced",
		"shake":   "shakes shook shaken rattle rattles rattled jolt jolts jolted",
		"volcano": "volcanic volcanoes",
		"outage":  "outages blackout blackouts",
	} {
		for _, w := range strings.Fields(from) {
			m[fold(w)] = to
		}
	}
	return m
}()

// demonymForms maps a folded demonym to its country (demonyms).
var demonymForms = func() map[string]string {
	m := map[string]string{}
	for country, forms := range demonyms {
		for _, w := range strings.Fields(forms) {
			m[fold(w)] = country
		}
	}
	return m
}()

// demonyms maps a country to the adjectives and nouns of its people, so
// that "Finnish police" and "Finland" meet: one outlet names the state,
// another its police or army by the adjective. The token keeps a mark of
// the demonym (flagDemonym), because the two forms also tell who acts on
// whom: "Russia expels Moldovan diplomats" / "Moldova expels Russian
// diplomat" are two events (the role guard of score). A demonym that is
// also another word ("Turkish", "Georgian": the state or the US one) is
// left out.
var demonyms = map[string]string{
	"finland":     "finnish finns",
	"norway":      "norwegian norwegians",
	"sweden":      "swedish swedes",
	"denmark":     "danish danes",
	"iceland":     "icelandic",
	"poland":      "polish poles",
	"netherlands": "dutch",
	"belgium":     "belgian",
	"lithuania":   "lithuanian lithuanians",
	"latvia":      "latvian latvians",
	"estonia":     "estonian estonians",
	"romania":     "romanian romanians",
	"czechia":     "czech",
	"slovakia":    "slovak slovakian",
	"hungary":     "hungarian",
	"moldova":     "moldovan",
	"bulgaria":    "bulgarian",
	"serbia":      "serbian",
	"croatia":     "croatian",
	"greece":      "greek",
	"ukraine":     "ukrainian ukrainians",
	"russia":      "russian russians",
	"belarus":     "belarusian",
	"germany":     "german germans",
	"france":      "french",
	"italy":       "italian",
	"spain":       "spanish",
	"austria":     "austrian",
	"switzerland": "swiss",
	"ireland":     "irish",
	"britain":     "british uk",
	"china":       "chinese",
	"japan":       "japanese",
	"korea":       "korean",
	"vietnam":     "vietnamese",
	"taiwan":      "taiwanese",
	"india":       "indian",
	"pakistan":    "pakistani",
	"iran":        "iranian",
	"israel":      "israeli israelis",
	"syria":       "syrian",
	"egypt":       "egyptian",
	"canada":      "canadian",
	"mexico":      "mexican",
	"brazil":      "brazilian",
	"australia":   "australian",
}

// bridgeNames are the names of one bridge under two spellings: "Kerch
// bridge", "Crimean bridge" and "Crimea bridge" are one place.
var bridgeNames = map[string]string{
	"kerch bridge":    "crimeabridge",
	"crimean bridge":  "crimeabridge",
	"crimea bridge":   "crimeabridge",
	"керченский мост": "crimeabridge",
	"крымский мост":   "crimeabridge",
	"кримський міст":  "crimeabridge",
}

// negationWords deny or negate what the rest of a headline says ("Kremlin
// says Putin will not meet Zelensky", "Amazon denies plan"). The negation
// guard of score needs the other report to negate too.
var negationWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`not no never won't wont don't doesn't didn't isn't aren't wasn't can't cannot deny denies denied
		не нет никогда отрицает опроверг опровергает ні ніколи заперечує спростував`) {
		m[fold(w)] = true
	}
	return m
}()

// Marks are tokens that say something of a report rather than of its
// event: whether its title (flagTitle) or lead calls the event one more of
// a series, or negates. score reads them apart: they are no evidence of
// sameness and weigh nothing.
var (
	serialToken   = hashToken("\x00serial")
	negationToken = hashToken("\x00negation")
)

// markOf returns the index of the mark t is (0 serial, 1 negation), or -1.
func markOf(t uint32) int {
	switch t {
	case serialToken:
		return 0
	case negationToken:
		return 1
	}
	return -1
}
