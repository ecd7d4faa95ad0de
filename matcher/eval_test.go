package matcher

import (
	"bufio"
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
// Recall: of the mentions that are names (not "the group"), the share on
// which actor:GID fires. Precision: of the hits of every group's actor:
// watch, the share that lie on a mention linked to that group; hits on a
// group mention without an ATT&CK link are left out (they cannot be
// checked), any other hit counts against.
func TestEvalAnnoCTR(t *testing.T) {
	dir := os.Getenv("NEWSHOUND_ANNOCTR")
	if dir == "" {
		t.Skip("NEWSHOUND_ANNOCTR not set")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json*"))
	type mention struct {
		s, e int
		gid  string // "" when the group has no ATT&CK link
		typ  string // GROUP, MALWARE, TOOL...
	}
	type sentence struct {
		text     string
		mentions []mention
	}
	sents := map[string]*sentence{}
	gidRE := regexp.MustCompile(`/groups/(G\d{4})`)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var r struct {
				Mention string `json:"mention"`
				Left    string `json:"_context_left"`
				Right   string `json:"_context_right"`
				Type    string `json:"entity_type"`
				Link    string `json:"label_link"`
				Doc     string `json:"document"`
			}
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				continue
			}
			text := r.Left + r.Mention + r.Right
			s := sents[r.Doc+"\x00"+text]
			if s == nil {
				s = &sentence{text: text}
				sents[r.Doc+"\x00"+text] = s
			}
			if r.Type != "" {
				m := mention{s: len(r.Left), e: len(r.Left) + len(r.Mention), typ: r.Type}
				if g := gidRE.FindStringSubmatch(r.Link); g != nil {
					m.gid = g[1]
				}
				s.mentions = append(s.mentions, m)
			}
		}
		fh.Close()
	}
	reg := NewRegistry()
	// One watch per group; the registry maps each ATT&CK id to its group.
	var ws []Watch
	for _, e := range reg.entities {
		ws = append(ws, Watch{Name: e.name, Query: `actor:"` + strings.ReplaceAll(e.name, `"`, "") + `"`})
	}
	c, err := Compile(ws, reg, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	generic := map[string]bool{"group": true, "the group": true, "actor": true, "threat actor": true, "apt": true, "attackers": true}
	var names, found, unknown, tp, fp, unchecked, malware int
	var misses, falses []string
	groupsNamed := map[string]bool{}
	for _, s := range sents {
		hits := c.Match(Doc{Summary: s.text})
		for _, m := range s.mentions {
			if m.gid == "" || m.typ != "GROUP" {
				continue
			}
			men := s.text[m.s:m.e]
			r := []rune(men)
			if generic[strings.ToLower(men)] || len(r) == 0 || !(unicode.IsUpper(r[0]) || unicode.IsDigit(r[0])) {
				continue
			}
			names++
			groupsNamed[m.gid] = true
			want, _, ok := reg.Lookup(m.gid)
			if !ok {
				unknown++
				misses = append(misses, m.gid+" (unknown id): "+men)
				continue
			}
			hit := false
			for _, h := range hits {
				hit = hit || h.Watch == want
			}
			if hit {
				found++
			} else {
				misses = append(misses, want+": "+men+"  | "+s.text)
			}
		}
		for _, h := range hits {
			seen := h.Terms[0].Seen
			at := strings.Index(s.text, seen)
			verdict := 0 // -1 false, 0 unchecked, 1 true
			if at >= 0 {
				verdict = -1
				for _, m := range s.mentions {
					if at < m.e && at+len(seen) > m.s {
						if m.typ == "MALWARE" || m.typ == "TOOL" {
							verdict = 2 // malware that carries the group's name: a hit by design
						} else if m.typ != "GROUP" {
							continue
						} else if m.gid == "" {
							verdict = 0
						} else if name, _, _ := reg.Lookup(m.gid); name == h.Watch {
							verdict = 1
						} else if verdict != 1 && verdict != 2 {
							verdict = -1
						}
					}
				}
			}
			switch verdict {
			case 2:
				malware++
			case 1:
				tp++
			case 0:
				unchecked++
			default:
				fp++
				falses = append(falses, h.Watch+" as "+seen+"  | "+s.text)
			}
		}
	}
	sort.Strings(misses)
	sort.Strings(falses)
	for _, m := range misses {
		t.Logf("miss: %.300s", m)
	}
	for _, f := range falses {
		t.Logf("false: %.300s", f)
	}
	t.Logf("%d sentences; %d named mentions of %d ATT&CK groups (%d ids unknown)", len(sents), names, len(groupsNamed), unknown)
	t.Logf("recall %.3f (%d/%d); precision %.3f (%d/%d; left out: %d hits on unlinked group mentions, %d on malware named after its group)",
		float64(found)/float64(max(names, 1)), found, names, float64(tp)/float64(max(tp+fp, 1)), tp, tp+fp, unchecked, malware)
}
