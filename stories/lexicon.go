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
		"explosion":    "blast blasts explosions",
		"attack":       "strike strikes struck raid raids",
		"arrest":       "detain detains detained detention arrests arrested",
		"dismiss":      "sack sacks sacked oust ousts ousted dismisses dismissed",
		"flaw":         "vulnerability vulnerabilities bug bugs flaws",
		"kyiv":         "kiev",
		"kharkiv":      "kharkov",
		"odesa":        "odessa",
		"lviv":         "lvov",
		"dnipro":       "dnepr dnipropetrovsk",
		"mykolaiv":     "nikolaev nikolayev",
		"zaporizhzhia": "zaporozhye zaporizhia",
		"chernihiv":    "chernigov",
		"київ":         "киев",
	} {
		for _, w := range strings.Fields(from) {
			m[fold(w)] = to
		}
	}
	return m
}()

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

// serialToken is the token that marks a report whose title (flagTitle) or
// lead calls its event one more of a series. score reads it apart: it is
// no evidence of sameness and weighs nothing.
var serialToken = hashToken("\x00serial")
