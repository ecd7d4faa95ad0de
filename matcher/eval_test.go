package matcher

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// TestEvalAnnoCTR measures actor: on real threat-report sentences: the
// AnnoCTR corpus (Lange et al., LREC-COLING 2024, CC BY-SA 4.0), whose
// group mentions are linked to ATT&CK ids. Nothing of it is committed; get
// it and point NEWSHOUND_ANNOCTR at its AnnoCTR/all/linking_mitre_only
// files (see BENCHMARKS.md):
//
//	NEWSHOUND_ANNOCTR=/tmp/annoctr/docs go test -run EvalAnnoCTR -v ./matcher
//
// One watch actor:G per group of the built-in table runs over every
// sentence; where each watch occurs is taken from the matcher itself, so a
// hit is judged where it lies, not by the sentence it is in.
//
// Raw metric. Recall: of the group mentions linked to an ATT&CK group
// that are names (capital or digit first, not "the group"), the share on
// which actor:G for that group occurs. Precision: of the occurrences of
// every watch, the share lying on a mention linked to the watch's group.
// An occurrence on a group mention without an ATT&CK link, or on a
// malware or tool mention (CozyDuke, Winnti: a hit by design, see the
// package doc), cannot be checked and is left out; any other occurrence,
// on a mention of another group or on text the corpus did not annotate,
// counts against.
//
// Defined metric, on "unambiguous group names": the same, after the rules
// below, each of which the test counts and prints. They remove mentions
// that are not names of an intrusion set, and corpus labels that current
// ATT&CK contradicts, and leave out occurrences the corpus cannot judge;
// they do not remove anything because the matcher gets it wrong.
// Alerts: the share of (document, group) pairs of the defined set on which
// actor:G fires given the whole document, as the daemon sees a story.
//
//   - agency: the mention is an intelligence or military service ("GRU",
//     "FSB"), which runs several ATT&CK groups (the GRU: APT28, Sandworm,
//     Unit 29155), so no one group is its name; see annoAgencies.
//   - relinked: the corpus links the name to a group that current ATT&CK
//     keeps apart from the group the name belongs to (annoRelinked: TA456
//     and Tortoiseshell are aliases of ATT&CK's G1012 CURIUM, which the
//     corpus' ATT&CK snapshot predates, so it chose G0003 Cleaver; ATT&CK
//     keeps Carbanak G0008 apart from FIN7). The mention is removed and
//     occurrences on it are left out.
//   - link target: markdown link and image targets, "](...)", are blanked
//     (same length) before matching, and mentions inside them (a name in a
//     URL or a link title) are removed: the daemon matches the text of an
//     item, never its hrefs or title attributes.
//   - nested: an occurrence inside a longer mention of another type (a
//     TECHNIQUE span covering a whole table cell, "Leviathan uses rar.exe
//     to compress and encrypt files.") is left out: the corpus'
//     annotation is flat and cannot label the group name inside.
//   - compound: an occurrence of one group on a mention that names two
//     ("Winnti Group (APT41)", linked to APT41 only) is left out when the
//     linked group also occurs on it.
//   - everyday: the mention is one everyday word (commonWordList: "Cobalt",
//     "Barium", "Leviathan", "Patchwork"), which actor: takes only as the
//     table writes it or next to a group word; the test reports how many
//     of these it still found.
//   - omitted: annoOmitted lists, by document and name as written, the
//     occurrences on text the corpus left unannotated that are the group
//     (reference-list titles, captions); they count as right. Everything
//     else on unannotated text still counts against.
func TestEvalAnnoCTR(t *testing.T) {
	dir := os.Getenv("NEWSHOUND_ANNOCTR")
	if dir == "" {
		t.Skip("NEWSHOUND_ANNOCTR not set")
	}
	sents := loadAnnoCTR(t, dir)
	reg := NewRegistry()
	var ws []Watch
	for _, e := range reg.entities {
		ws = append(ws, Watch{Name: e.name, Query: `actor:"` + strings.ReplaceAll(e.name, `"`, "") + `"`})
	}
	c, err := Compile(ws, reg, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw := scoreAnnoCTR(t, c, reg, sents, false)
	def := scoreAnnoCTR(t, c, reg, sents, true)
	for _, m := range def.misses {
		t.Logf("miss: %.300s", m)
	}
	for _, f := range def.falses {
		t.Logf("false: %.300s", f)
	}
	t.Logf("%d sentences; %d named mentions of %d ATT&CK groups (%d ids unknown to the table)", len(sents), raw.names, len(raw.groups), raw.unknown)
	t.Logf("raw:     recall %.3f (%d/%d); precision %.3f (%d/%d; left out: %d on unlinked group mentions, %d on malware or tools)",
		ratio(raw.found, raw.names), raw.found, raw.names, ratio(raw.tp, raw.tp+raw.fp), raw.tp, raw.tp+raw.fp, raw.unlinked, raw.malware)
	t.Logf("defined: recall %.3f (%d/%d); precision %.3f (%d/%d; left out: %d on unlinked group mentions, %d on malware or tools)",
		ratio(def.found, def.names), def.found, def.names, ratio(def.tp, def.tp+def.fp), def.tp, def.tp+def.fp, def.unlinked, def.malware)
	t.Logf("alerts: of %d (document, group) pairs with a name of the defined set, actor:G fires on the whole document for %d (%.3f)",
		def.docPairs, def.docFound, ratio(def.docFound, def.docPairs))
	t.Logf("rules: everyday removes %d mentions (%d of them found); agency removes %d mentions; relinked removes %d mentions and leaves out %d occurrences; link target removes %d mentions (in a URL or link title) and %d occurrences; nested leaves out %d; compound %d; omitted turns %d from false to right",
		def.everyday, def.everydayFound, def.agency, def.relinked, def.relinkedHits, def.targetMentions, def.linkTarget, def.nested, def.compound, def.omitted)
}

func ratio(a, b int) float64 { return float64(a) / float64(max(b, 1)) }

type annoMention struct {
	s, e int
	gid  string // "" when the mention has no ATT&CK group link
	typ  string // GROUP, MALWARE, TOOL, TECHNIQUE...
}

type annoSentence struct {
	doc, text string
	mentions  []annoMention
}

// loadAnnoCTR reads the per-document files of AnnoCTR's linking_mitre_only
// (one JSON object per mention, with its sentence around it) into
// sentences.
func loadAnnoCTR(t *testing.T, dir string) []*annoSentence {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json*"))
	if len(files) == 0 {
		t.Fatalf("no AnnoCTR files in %s", dir)
	}
	gidRE := regexp.MustCompile(`/groups/(G\d{4})`)
	byKey := map[string]*annoSentence{}
	var out []*annoSentence
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		for dec.More() {
			var r struct {
				Mention string `json:"mention"`
				Left    string `json:"_context_left"`
				Right   string `json:"_context_right"`
				Type    string `json:"entity_type"`
				Link    string `json:"label_link"`
				Doc     string `json:"document"`
			}
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			text := r.Left + r.Mention + r.Right
			s := byKey[r.Doc+"\x00"+text]
			if s == nil {
				s = &annoSentence{doc: r.Doc, text: text}
				byKey[r.Doc+"\x00"+text] = s
				out = append(out, s)
			}
			if r.Type != "" {
				m := annoMention{s: len(r.Left), e: len(r.Left) + len(r.Mention), typ: r.Type}
				if g := gidRE.FindStringSubmatch(r.Link); g != nil {
					m.gid = g[1]
				}
				s.mentions = append(s.mentions, m)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].doc != out[j].doc {
			return out[i].doc < out[j].doc
		}
		return out[i].text < out[j].text
	})
	return out
}

// annoAgencies are intelligence and military services: each runs several
// intrusion sets, so none is the name of one.
var annoAgencies = map[string]bool{"gru": true, "fsb": true, "svr": true, "kgb": true, "gchq": true, "nsa": true,
	"cia": true, "mss": true, "pla": true, "rgb": true, "mois": true, "irgc": true, "sbu": true}

// annoRelinked are names the corpus links to one ATT&CK group (corpus)
// that current ATT&CK, or the vendor that coined the name, gives to
// another (attack).
var annoRelinked = []struct{ name, corpus, attack, why string }{
	{"TA456", "G0003", "G1012", "ATT&CK G1012 CURIUM lists TA456 (Proofpoint's name); ATT&CK's Cleaver is Operation Cleaver / TG-2889"},
	{"Tortoiseshell", "G0003", "G1012", "ATT&CK G1012 CURIUM lists Tortoise Shell (Symantec's name)"},
	{"Imperial Kitten", "G0003", "G1012", "CrowdStrike's name for CURIUM / Crimson Sandstorm (Microsoft's actor naming table)"},
	{"Carbanak", "G0046", "G0008", "ATT&CK keeps Carbanak (G0008) apart from FIN7 (G0046)"},
	{"Konni Group", "G0094", "", "ATT&CK's Kimsuky lists no Konni; Microsoft tracks Konni as Opal Sleet (OSMIUM), apart from Kimsuky's Emerald Sleet"},
	{"BARIUM", "G0044", "G0096", "ATT&CK lists BARIUM under APT41 (G0096), not Winnti Group (G0044); Microsoft's BARIUM is Brass Typhoon, APT41"},
}

// annoOmitted are occurrences on text the corpus left unannotated that
// are the group (checked by hand in each document): document, the name
// as written, and why it is the group.
//
// kind "true" counts the occurrence as right; "malware" leaves it out like
// an occurrence on a malware mention (ransomware named after its crew).
var annoOmitted = []struct{ doc, seen, kind, why string }{
	{"lab52_2020-04-14_china-from-culture-to-conflict", "PLA unit 61398", "true", "the DoJ indictment of APT1's members: Mandiant's APT1 is PLA Unit 61398"},
	{"proofpoint_2021-06-29_cobalt-strike-favorite-tool-apt", "menuPass", "true", "reference list: a report title on menuPass (APT10)"},
	{"proofpoint_2021-06-29_cobalt-strike-favorite-tool-apt", "NOBELIUM", "true", "reference list: Microsoft's report title on NOBELIUM"},
	{"proofpoint_2021-06-29_cobalt-strike-favorite-tool-apt", "Leviathan", "true", "reference list: Proofpoint's report title on Leviathan (APT40)"},
	{"quoteintelligence_2020-04-20_winnti-group-insights-from-the", "Wekby", "true", "\"APT32 and Wekby APT groups\": Wekby is ATT&CK's APT18 alias"},
	{"quoteintelligence_2020-09-22_apt28-zebrocy-malware-campaign-nato", "Sednit", "true", "footnote: ESET's report title \"Sednit update\""},
	{"quoteintelligence_2021-01-27_supply-chain-attacks-cybersecurity-regulations", "UNC2452", "true", "\"dubbed UNC2452 by FireEye\": the SolarWinds attackers"},
	{"quoteintelligence_2021-06-30_daily-operations-of-a-nigerian", "actor “Cobalt” group", "true", "\"threat actor Cobalt group\", unannotated in that sentence"},
	{"proofpoint_2021-07-13_operation-spoofedscholars-conversation-ta453", "TA453", "true", "\"TA453sent an initial email\": the subject, a space missing in the source"},
	{"intel471_2020-11-16_ransomware-as-a-service-2020", "Avaddon", "true", "a table of RaaS crews; REvil and DarkSide beside it are annotated as groups"},
	{"intel471_2021-05-14_darkside-ransomware-shut-down-revil", "Avaddon", "true", "the Avaddon operators, named beside REvil and DarkSide (annotated as groups)"},
	{"intel471_2021-09-09_groove-gang-ransomware-babuk-revil", "BlackMatter", "true", "the BlackMatter crew; its other ten mentions there are annotated as a group"},
	{"proofpoint_2021-05-26_bazaflix-bazaloader-fakes-movie-streaming", "Conti [ransomware", "malware", "\"Ryuk and Conti ransomware\": the malware"},
	{"zscaler_2021-04-14_look-hydrojiin-campaign", "Lockbit ransomware", "malware", "a table of ransomware samples"},
	{"zscaler_2021-07-04_coverage-advisory-kaseya-vsa-supply", "Sodinokibi", "malware", "\"REvil/Sodinokibi ransomware\": the malware"},
}

// relinkedName reports whether seen is one of annoRelinked's names.
func relinkedName(seen string) bool {
	for _, r := range annoRelinked {
		if strings.EqualFold(r.name, seen) {
			return true
		}
	}
	return false
}

type annoScore struct {
	names, found, unknown, tp, fp, unlinked, malware int
	agency, relinked, relinkedHits, nested, compound int
	omitted, linkTarget, everyday, everydayFound     int
	docPairs, docFound, targetMentions               int
	groups                                           map[string]bool
	misses, falses                                   []string
}

// mdTarget is a markdown link or image target with an optional title:
// "](url)", "](url "title")".
var mdTarget = regexp.MustCompile(`\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"]*")?\)`)

// scoreAnnoCTR scores c on sents, raw or with the rules of the defined
// metric (see TestEvalAnnoCTR).
func scoreAnnoCTR(t *testing.T, c *Compiled, reg *Registry, sents []*annoSentence, defined bool) annoScore {
	sc := annoScore{groups: map[string]bool{}}
	generic := map[string]bool{"group": true, "the group": true, "actor": true, "threat actor": true, "apt": true, "attackers": true}
	relinked := func(men, gid string) bool {
		for _, r := range annoRelinked {
			if strings.EqualFold(r.name, men) && r.corpus == gid {
				return true
			}
		}
		return false
	}
	omitted := map[string]string{}
	for _, o := range annoOmitted {
		omitted[o.doc+"\x00"+o.seen] = o.kind
	}
	docGroups := map[string]bool{}   // document + group with a named mention
	docText := map[string][]string{} // document -> its sentences, as matched
	for _, s := range sents {
		text := s.text
		var targets [][]int
		if defined {
			targets = mdTarget.FindAllStringIndex(text, -1)
			text = mdTarget.ReplaceAllStringFunc(text, func(m string) string { return "](" + strings.Repeat(" ", len(m)-3) + ")" })
		}
		inTarget := func(m annoMention) bool {
			for _, r := range targets {
				if m.s >= r[0] && m.e <= r[1] {
					return true
				}
			}
			return false
		}
		docText[s.doc] = append(docText[s.doc], text)
		occ := actorOccurrences(t, c, text)
		if defined && text != s.text {
			sc.linkTarget += len(actorOccurrences(t, c, s.text)) - len(occ)
		}
		removed := make([]bool, len(s.mentions))
		for i, m := range s.mentions {
			if m.gid == "" || m.typ != "GROUP" {
				continue
			}
			men := s.text[m.s:m.e]
			r := []rune(men)
			if generic[strings.ToLower(men)] || len(r) == 0 || !(unicode.IsUpper(r[0]) || unicode.IsDigit(r[0])) {
				continue
			}
			if defined && inTarget(m) {
				sc.targetMentions++
				removed[i] = true
				continue
			}
			if defined && annoAgencies[strings.ToLower(men)] {
				sc.agency++
				removed[i] = true
				continue
			}
			if defined && relinked(men, m.gid) {
				sc.relinked++
				removed[i] = true
				continue
			}
			if f, _ := normWords(men); defined && len(f) == 1 && reg.common[f[0]] {
				sc.everyday++
				removed[i] = true
				for _, o := range occ {
					if name, _, _ := reg.Lookup(m.gid); o.watch == name && o.s < m.e && o.e > m.s {
						sc.everydayFound++
						break
					}
				}
				continue
			}
			sc.names++
			sc.groups[m.gid] = true
			if g, _, ok := reg.Lookup(m.gid); ok {
				docGroups[s.doc+"\x00"+g] = true
			}
			want, _, ok := reg.Lookup(m.gid)
			if !ok {
				sc.unknown++
				sc.misses = append(sc.misses, m.gid+" (unknown id): "+men)
				continue
			}
			hit := false
			for _, o := range occ {
				hit = hit || o.watch == want && o.s < m.e && o.e > m.s
			}
			if hit {
				sc.found++
			} else {
				sc.misses = append(sc.misses, want+": "+men+"  | "+s.text)
			}
		}
		for _, o := range occ {
			seen := text[o.s:o.e]
			verdict := "false"
			for i, m := range s.mentions {
				if o.s >= m.e || o.e <= m.s {
					continue
				}
				switch {
				case removed[i] && verdict == "false":
					verdict = "removed"
				case m.typ == "MALWARE" || m.typ == "TOOL":
					if verdict == "false" {
						verdict = "malware"
					}
				case m.typ != "GROUP":
					if defined && verdict == "false" && m.e-m.s > o.e-o.s {
						verdict = "nested"
					}
				case m.gid == "":
					if verdict == "false" || verdict == "nested" {
						verdict = "unlinked"
					}
				default:
					if name, _, _ := reg.Lookup(m.gid); name == o.watch {
						verdict = "true"
					} else if defined && verdict == "false" {
						for _, p := range occ {
							if p.watch == name && p.s < m.e && p.e > m.s {
								verdict = "compound"
							}
						}
					}
				}
			}
			if defined && verdict == "false" && relinkedName(seen) {
				verdict = "removed"
			}
			if k, ok := omitted[s.doc+"\x00"+seen]; defined && verdict == "false" && ok {
				verdict = k
				sc.omitted++
			}
			switch verdict {
			case "true":
				sc.tp++
			case "malware":
				sc.malware++
			case "unlinked":
				sc.unlinked++
			case "removed":
				sc.relinkedHits++
			case "nested":
				sc.nested++
			case "compound":
				sc.compound++
			default:
				sc.fp++
				sc.falses = append(sc.falses, o.watch+" as "+seen+"  | "+s.doc+" | "+s.text)
			}
		}
	}
	fired := map[string]bool{}
	for doc, texts := range docText {
		for _, h := range c.Match(Doc{Summary: strings.Join(texts, "\n")}) {
			fired[doc+"\x00"+h.Watch] = true
		}
	}
	for k := range docGroups {
		sc.docPairs++
		if fired[k] {
			sc.docFound++
		} else {
			sc.misses = append(sc.misses, "document: "+strings.ReplaceAll(k, "\x00", " gets no alert for "))
		}
	}
	sort.Strings(sc.misses)
	sort.Strings(sc.falses)
	return sc
}

type actorOcc struct {
	watch string
	s, e  int // byte span in the text
}

// actorOccurrences returns where each watch of c (each one actor: term)
// occurs in text, from the matcher's own occurrence lists, and checks that
// the watches occurring are the ones Match reports.
func actorOccurrences(t *testing.T, c *Compiled, text string) []actorOcc {
	d := Doc{Summary: text}
	st := c.newState()
	st.gen = 1
	c.scan(st, d)
	var out []actorOcc
	fired := map[string]bool{}
	for i := range c.watches {
		w := &c.watches[i]
		for _, sp := range c.spans(st, w.root, nil) {
			ft, lt := st.toks[sp.tok], st.toks[sp.last]
			out = append(out, actorOcc{watch: w.name, s: int(ft.s), e: int(lt.e)})
			fired[w.name] = true
		}
	}
	// Overlapping occurrences of one watch ("actor “Cobalt” group" as
	// "actor Cobalt" and "Cobalt group") are one.
	sort.Slice(out, func(i, j int) bool {
		if out[i].watch != out[j].watch {
			return out[i].watch < out[j].watch
		}
		return out[i].s < out[j].s
	})
	merged := out[:0]
	for _, o := range out {
		if n := len(merged); n > 0 && merged[n-1].watch == o.watch && o.s < merged[n-1].e {
			merged[n-1].e = max(merged[n-1].e, o.e)
			continue
		}
		merged = append(merged, o)
	}
	out = merged
	hits := c.Match(d)
	if len(hits) != len(fired) {
		t.Errorf("occurrences of %d watches but %d hits on %q", len(fired), len(hits), text)
	}
	for _, h := range hits {
		if !fired[h.Watch] {
			t.Errorf("%s fired without an occurrence on %q", h.Watch, text)
		}
	}
	return out
}
