//go:build ignore

// gen_actors writes actors.txt, the built-in threat-actor table, from the
// hand-curated actordata/curated.txt, every active MITRE ATT&CK intrusion
// set and the synonyms of the MISP galaxy threat-actor clusters that can be
// tied to one group. The downloaded files stay outside the repository:
//
//	git --git-dir=$(fetch github:mitre/cti) show HEAD:enterprise-attack/intrusion-set/...  > /tmp/is/
//	git --git-dir=$(fetch github:MISP/misp-galaxy) show HEAD:clusters/threat-actor.json > /tmp/threat-actor.json
//	go run gen_actors.go -attack /tmp/is -misp /tmp/threat-actor.json
//
// -attack is a directory of STIX bundles (one intrusion set each, as in
// mitre/cti) or one bundle. Merging never folds two groups together: a name
// that another group already owns (ATT&CK keeps APT38 apart from Lazarus
// Group) is left with its first owner, and a MISP cluster joins a group only
// through its ATT&CK id or a name no other group owns.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

type group struct {
	name    string
	items   []string // aliases as written, with ~ and ! markers
	parent  string
	sources []string
	gid     string
}

var (
	groups []*group
	owner  = map[string]int{} // normalised name -> group index
	canon  = map[string]int{} // normalised canonical name -> group index
	gids   = map[string]int{} // ATT&CK id -> group index
	// dropped are names curated.txt says are not a group's ("-UPS"): no
	// source may add them to any group.
	dropped = map[string]bool{}
)

// key is a rough normal form: letters and digits, lower case, split where
// letters meet digits (like the matcher's NormalizeName).
func key(s string) string {
	var b strings.Builder
	prev := 0
	for _, r := range strings.ToLower(s) {
		c := 0
		switch {
		case unicode.IsLetter(r):
			c = 1
		case unicode.IsDigit(r):
			c = 2
		}
		if c == 0 || c != prev {
			if b.Len() > 0 && c != 0 {
				b.WriteByte(' ')
			}
		}
		if c != 0 {
			b.WriteRune(r)
		}
		prev = c
	}
	return strings.TrimSpace(b.String())
}

func bare(item string) string { return strings.TrimLeft(item, "~!") }

// add records item for group gi unless another group owns its name.
func add(gi int, item string) bool {
	k := key(bare(item))
	if k == "" || dropped[k] {
		return false
	}
	if strings.HasPrefix(item, "-") {
		dropped[key(item[1:])] = true
		return true
	}
	if strings.HasPrefix(item, "!") {
		groups[gi].items = append(groups[gi].items, item)
		return true
	}
	if o, ok := owner[k]; ok {
		return o == gi // already known (a ~alias keeps its key from a bare copy)
	}
	owner[k] = gi
	groups[gi].items = append(groups[gi].items, item)
	return true
}

func newGroup(name string, src string) int {
	gi := len(groups)
	groups = append(groups, &group{name: name, sources: []string{src}})
	k := key(name)
	canon[k] = gi
	owner[k] = gi
	return gi
}

func readCurated(path string) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		segs := strings.Split(line, " ; ")
		head := segs[0]
		name, rest, _ := strings.Cut(head, ": ")
		name = strings.TrimSuffix(strings.TrimSpace(name), ":")
		if _, dup := canon[key(name)]; dup {
			log.Fatalf("curated: %s twice", name)
		}
		gi := newGroup(name, "")
		groups[gi].sources = nil
		for _, a := range strings.Split(rest, "|") {
			if a = strings.TrimSpace(a); a != "" && !add(gi, a) {
				log.Printf("curated: %s: alias %q already names %s", name, a, groups[owner[key(bare(a))]].name)
			}
		}
		for _, s := range segs[1:] {
			k, v, _ := strings.Cut(s, ": ")
			switch strings.TrimSpace(k) {
			case "part of":
				groups[gi].parent = strings.TrimSpace(v)
			case "source":
				groups[gi].sources = append(groups[gi].sources, strings.TrimSpace(v))
			default:
				log.Fatalf("curated: %s: unknown field %q", name, k)
			}
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
}

type stix struct {
	Type       string   `json:"type"`
	Name       string   `json:"name"`
	Aliases    []string `json:"aliases"`
	Revoked    bool     `json:"revoked"`
	Deprecated bool     `json:"x_mitre_deprecated"`
	Refs       []struct {
		Source string `json:"source_name"`
		ID     string `json:"external_id"`
	} `json:"external_references"`
}

func readATTACK(path string) []stix {
	var files []string
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		files, _ = filepath.Glob(filepath.Join(path, "*.json"))
	} else {
		files = []string{path}
	}
	var out []stix
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		var b struct {
			Objects []stix `json:"objects"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			log.Fatalf("%s: %v", f, err)
		}
		for _, o := range b.Objects {
			if o.Type == "intrusion-set" && !o.Revoked && !o.Deprecated {
				out = append(out, o)
			}
		}
	}
	return out
}

func gidOf(o stix) string {
	for _, r := range o.Refs {
		if r.Source == "mitre-attack" {
			return r.ID
		}
	}
	return ""
}

// target finds the group an outside record (named name, with aliases)
// belongs to: one whose canonical name it carries, else the unique owner
// of its name.
func target(name string, aliases []string) (int, bool) {
	if gi, ok := canon[key(name)]; ok {
		return gi, true
	}
	for _, a := range aliases {
		if gi, ok := canon[key(a)]; ok {
			return gi, true
		}
	}
	if gi, ok := owner[key(name)]; ok {
		return gi, true
	}
	return 0, false
}

var gidRE = regexp.MustCompile(`^G\d{4}$`)

func main() {
	attack := flag.String("attack", "", "ATT&CK intrusion sets: a directory of STIX bundles or one bundle")
	misp := flag.String("misp", "", "MISP galaxy clusters/threat-actor.json")
	curated := flag.String("curated", "actordata/curated.txt", "hand-curated groups")
	out := flag.String("o", "actors.txt", "output")
	flag.Parse()
	if *attack == "" || *misp == "" {
		log.Fatal("need -attack and -misp")
	}
	readCurated(*curated)

	sets := readATTACK(*attack)
	sort.Slice(sets, func(i, j int) bool { return gidOf(sets[i]) < gidOf(sets[j]) })
	for _, o := range sets {
		gid := gidOf(o)
		gi, ok := target(o.Name, o.Aliases)
		if !ok {
			gi = newGroup(o.Name, "")
		}
		g := groups[gi]
		g.sources = append(g.sources, "ATT&CK "+gid)
		g.gid = gid
		gids[gid] = gi
		add(gi, o.Name)
		for _, a := range o.Aliases {
			add(gi, a)
		}
		add(gi, gid)
	}

	data, err := os.ReadFile(*misp)
	if err != nil {
		log.Fatal(err)
	}
	var galaxy struct {
		Values []struct {
			Value string `json:"value"`
			Meta  struct {
				Synonyms []string `json:"synonyms"`
			} `json:"meta"`
		} `json:"values"`
	}
	if err := json.Unmarshal(data, &galaxy); err != nil {
		log.Fatal(err)
	}
	joined := 0
	for _, v := range galaxy.Values {
		tgt := -1
		for _, s := range v.Meta.Synonyms {
			if gidRE.MatchString(s) {
				if gi, ok := gids[s]; ok {
					if tgt >= 0 && tgt != gi {
						tgt = -2 // several ATT&CK groups: ambiguous
						break
					}
					tgt = gi
				}
			}
		}
		if tgt == -1 {
			if gi, ok := canon[key(v.Value)]; ok {
				tgt = gi
			}
		}
		if tgt < 0 {
			continue
		}
		joined++
		g := groups[tgt]
		if len(g.sources) == 0 || g.sources[len(g.sources)-1] != "MISP" {
			g.sources = append(g.sources, "MISP")
		}
		for _, s := range append([]string{v.Value}, v.Meta.Synonyms...) {
			s = strings.TrimSpace(s)
			if gidRE.MatchString(s) || strings.HasPrefix(s, "Operation ") || len([]rune(s)) < 3 || strings.ContainsAny(s, "\"|;") {
				continue
			}
			add(tgt, s)
		}
	}

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# Generated by gen_actors.go from actordata/curated.txt, MITRE ATT&CK (enterprise")
	fmt.Fprintln(w, "# intrusion sets) and the MISP galaxy threat-actor clusters. Do not edit: edit")
	fmt.Fprintln(w, "# curated.txt and rerun gen_actors.go. Format: see actordata/curated.txt.")
	for _, g := range groups {
		var items []string
		for _, it := range g.items {
			if strings.HasPrefix(it, "-") {
				continue
			}
			if key(bare(it)) != key(g.name) || strings.HasPrefix(it, "~") {
				items = append(items, it)
			}
		}
		fmt.Fprintf(w, "%s: %s", g.name, strings.Join(items, " | "))
		if g.parent != "" {
			if _, ok := canon[key(g.parent)]; !ok {
				log.Fatalf("%s: part of unknown %s", g.name, g.parent)
			}
			fmt.Fprintf(w, " ; part of: %s", g.parent)
		}
		fmt.Fprintf(w, " ; source: %s\n", strings.Join(g.sources, "; "))
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d groups (%d ATT&CK intrusion sets, %d MISP clusters joined)", len(groups), len(sets), joined)
}
