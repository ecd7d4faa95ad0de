package matcher

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Registry holds the entities that actor:NAME resolves to: the built-in
// threat-actor table, groups from the config's entities:, and imported
// MISP galaxy or ATT&CK STIX files. Names are compared in their normal form,
// so "APT 29", "APT-29" and "apt29" are one name.
//
// A Registry is filled before compiling and then only read; it is not safe
// for concurrent modification.
type Registry struct {
	entities []*entity
	// byKey maps a normalised name or alias to the entity it names. A
	// canonical name wins over an alias of another entity; otherwise the
	// first entity to claim a key keeps it.
	byKey map[string]int
	canon map[string]bool // keys that are canonical names
	// common is the set of folded everyday words (see commonWordList).
	common map[string]bool
}

// entity is one group with its aliases.
type entity struct {
	name    string
	aliases []alias         // canonical name first
	seen    map[string]bool // dedup of aliases: folded key, or cased form for case-sensitive ones
	// negs are collocations that are not the group ("Cobalt Strike",
	// "Dukes of Hazzard"): an alias occurrence overlapping one is ignored.
	negs [][]string // folded words
	// parent is the entity this one is part of (-1: none); actor:NAME+
	// takes an entity and everything part of it.
	parent int
	source string // where the names come from (built-in table only)
}

// alias is one name of an entity.
type alias struct {
	text          string // as written
	caseSensitive bool   // matches only in its own case (or, for several words, all capitals)
	// contextOnly aliases match only next to a word that marks a group
	// ("Cobalt group", "Hive ransomware"), never alone.
	contextOnly bool
}

// Sources of groups, which decide how strictly their aliases match.
const (
	fromTable   = iota // imported files: everyday words match only as written
	fromUser           // the config's entities: the user's words, only short acronyms keep their case
	fromBuiltin        // the built-in table: like fromTable, but already merged, so each line is its own group
)

// NewRegistry returns a registry holding the built-in threat-actor table.
func NewRegistry() *Registry {
	r := &Registry{byKey: map[string]int{}, canon: map[string]bool{}, common: commonWordSet()}
	parents := map[int]string{}
	for _, line := range strings.Split(builtinActors, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		segs := strings.Split(line, " ; ")
		// The canonical name may itself contain ':' only if followed by no space.
		name, rest, _ := strings.Cut(segs[0], ": ")
		name = strings.TrimSuffix(name, ":")
		var aliases, ctx []string
		var negs [][]string
		for _, a := range strings.Split(rest, "|") {
			switch a = strings.TrimSpace(a); {
			case a == "":
			case strings.HasPrefix(a, "!"):
				if f, _ := normWords(a[1:]); len(f) > 0 {
					negs = append(negs, f)
				}
			case strings.HasPrefix(a, "~"):
				ctx = append(ctx, a[1:])
			default:
				aliases = append(aliases, a)
			}
		}
		idx := r.addGroup(name, aliases, fromBuiltin)
		if idx < 0 {
			continue
		}
		e := r.entities[idx]
		e.negs = append(e.negs, negs...)
		for _, a := range ctx {
			r.addContextAlias(idx, e, a)
		}
		for _, seg := range segs[1:] {
			k, v, _ := strings.Cut(seg, ": ")
			switch k {
			case "part of":
				parents[idx] = v
			case "source":
				e.source = v
			}
		}
	}
	for idx, p := range parents {
		if pi, ok := r.byKey[NormalizeName(p)]; ok && pi != idx {
			r.entities[idx].parent = pi
		}
	}
	return r
}

// addContextAlias records a that matches only next to a group word. The
// bare word then must not match: an alias of the same key added before is
// dropped.
func (r *Registry) addContextAlias(idx int, e *entity, a string) {
	key := NormalizeName(a)
	if key == "" {
		return
	}
	kept := e.aliases[:0]
	for _, x := range e.aliases {
		if NormalizeName(x.text) != key || x.contextOnly {
			kept = append(kept, x)
		}
	}
	e.aliases = kept
	e.aliases = append(e.aliases, alias{text: a, caseSensitive: true, contextOnly: true})
	if _, taken := r.byKey[key]; !taken {
		r.byKey[key] = idx
	}
}

// AddGroup adds an entity named name with the given aliases (the name is an
// alias too), as the config's entities: do. If name is already the
// canonical name of an entity, the aliases are added to it instead; a name
// that was only an alias of another group starts a group of its own (and
// actor:NAME then means the new group).
//
// Of these aliases only short all-capital acronyms ("SEA", "CARR") match in
// their own case only; the built-in table and imported files also hold
// everyday words to that rule.
func (r *Registry) AddGroup(name string, aliases []string) {
	r.addGroup(name, aliases, fromUser)
}

func (r *Registry) addGroup(name string, aliases []string, src int) int {
	name = strings.TrimSpace(name)
	key := NormalizeName(name)
	if key == "" {
		return -1
	}
	idx := r.groupFor(key, aliases, src)
	if idx < 0 {
		idx = len(r.entities)
		r.entities = append(r.entities, &entity{name: name, seen: map[string]bool{}, parent: -1})
		r.byKey[key] = idx
		r.canon[key] = true
	}
	e := r.entities[idx]
	r.addAlias(idx, e, name, src)
	for _, a := range aliases {
		r.addAlias(idx, e, a, src)
	}
	return idx
}

// groupFor returns the existing entity a group named key (with aliases)
// belongs to, or -1 for a new one. Any group joins the entity of the same
// canonical name. A group of the built-in table or an imported file also
// joins the entity one of its aliases is the canonical name of (ATT&CK's
// "menuPass" lists "APT10"), or the entity that already knows its name and
// at least one more of its aliases (MISP's "UNC2452" with "NOBELIUM" and
// "Midnight Blizzard" joins APT29). A single shared alias is not enough:
// vendors reuse names.
func (r *Registry) groupFor(key string, aliases []string, src int) int {
	if idx, ok := r.byKey[key]; ok && r.canon[key] {
		return idx
	}
	if src == fromUser || src == fromBuiltin {
		return -1
	}
	keys := make([]string, 0, len(aliases))
	for _, a := range aliases {
		if k := NormalizeName(a); k != "" && k != key {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if idx, ok := r.byKey[k]; ok && r.canon[k] {
			return idx
		}
	}
	if idx, ok := r.byKey[key]; ok {
		for _, k := range keys {
			if other, ok := r.byKey[k]; ok && other == idx {
				return idx
			}
		}
	}
	return -1
}

// addAlias records alias a for entity e (index idx).
func (r *Registry) addAlias(idx int, e *entity, a string, src int) {
	a = strings.TrimSpace(a)
	key := NormalizeName(a)
	if key == "" {
		return
	}
	cs := r.acronym(a)
	if src != fromUser {
		cs = r.caseSensitive(a)
	}
	dedup := key
	if cs {
		_, cased := normWords(a)
		dedup = "\x00" + strings.Join(cased, " ")
	}
	if e.seen[dedup] {
		return
	}
	e.seen[dedup] = true
	e.aliases = append(e.aliases, alias{text: a, caseSensitive: cs})
	if _, taken := r.byKey[key]; !taken {
		r.byKey[key] = idx
	}
}

// acronym reports whether a is one word of two to four capital letters.
func (r *Registry) acronym(a string) bool {
	_, cased := normWords(a)
	if len(cased) != 1 {
		return false
	}
	w := []rune(cased[0])
	if len(w) > 4 || len(w) < 2 {
		return false
	}
	for _, c := range w {
		if !unicode.IsUpper(c) {
			return false
		}
	}
	return true
}

// caseSensitive reports whether alias a of the built-in table or of an
// imported file must match only in its own case: a single word that is an
// everyday word ("Lead", "Tick") or a short all-caps acronym ("SEA"), or
// several words that are all everyday words ("Cozy Bear", "The Dukes").
func (r *Registry) caseSensitive(a string) bool {
	folded, _ := normWords(a)
	if len(folded) == 0 {
		return false
	}
	if len(folded) == 1 {
		return r.common[folded[0]] || r.acronym(a)
	}
	for _, f := range folded {
		if !r.common[f] {
			return false
		}
	}
	return true
}

// Lookup returns the canonical name and aliases of the entity that name
// (canonical or alias) refers to.
func (r *Registry) Lookup(name string) (canonical string, aliases []string, ok bool) {
	idx, ok := r.byKey[NormalizeName(name)]
	if !ok {
		return "", nil, false
	}
	e := r.entities[idx]
	out := make([]string, len(e.aliases))
	for i, a := range e.aliases {
		out[i] = a.text
	}
	return e.name, out, true
}

// Canonical returns the canonical name of the entity that phrase, as
// written in a text, names, or "" when it names none. Unlike Lookup, it
// applies the rules of matching: an alias that is an everyday word ("Cozy
// Bear", "Lead") names the group only in its own case (or, for several
// words, all capitals), and one that names it only beside a group word
// ("Cobalt group") never does alone. The story index uses it to fold the
// aliases of one actor into one name.
func (r *Registry) Canonical(phrase string) string {
	key := NormalizeName(phrase)
	idx, ok := r.byKey[key]
	if !ok {
		return ""
	}
	e := r.entities[idx]
	var cased []string
	for _, a := range e.aliases {
		if a.contextOnly || NormalizeName(a.text) != key {
			continue
		}
		if !a.caseSensitive {
			return e.name
		}
		if cased == nil {
			_, cased = normWords(phrase)
		}
		_, ac := normWords(a.text)
		if slices.Equal(ac, cased) || len(ac) > 1 && allUpper(cased) {
			return e.name
		}
	}
	return ""
}

// allUpper reports whether every letter of the words is a capital.
func allUpper(words []string) bool {
	for _, w := range words {
		for _, c := range w {
			if unicode.IsLetter(c) && !unicode.IsUpper(c) {
				return false
			}
		}
	}
	return true
}

// family returns idx followed by every entity that is part of it,
// directly or through another (breadth first, each once).
func (r *Registry) family(idx int) []int {
	out := []int{idx}
	seen := map[int]bool{idx: true}
	for i := 0; i < len(out); i++ {
		for j, e := range r.entities {
			if e.parent == out[i] && !seen[j] {
				seen[j] = true
				out = append(out, j)
			}
		}
	}
	return out
}

// Family returns the canonical names of the entity name refers to and of
// the groups that are part of it (what actor:NAME+ matches), or ok=false.
func (r *Registry) Family(name string) (names []string, ok bool) {
	idx, ok := r.byKey[NormalizeName(name)]
	if !ok {
		return nil, false
	}
	for _, i := range r.family(idx) {
		names = append(names, r.entities[i].name)
	}
	return names, true
}

// Source returns where the built-in table took the names of the entity
// name refers to ("Mandiant, ...; ATT&CK G0016; MISP"), or "" for groups
// from the config or imported files.
func (r *Registry) Source(name string) string {
	idx, ok := r.byKey[NormalizeName(name)]
	if !ok {
		return ""
	}
	return r.entities[idx].source
}

// Len returns the number of entities.
func (r *Registry) Len() int { return len(r.entities) }

// ImportFile imports the groups of a MISP galaxy threat-actor.json or an
// ATT&CK STIX bundle (intrusion-set objects; revoked and deprecated ones are
// skipped). The format is detected from the content.
func (r *Registry) ImportFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("import aliases: %w", err)
	}
	if _, err := r.ImportData(data); err != nil {
		return fmt.Errorf("import aliases from %s: %w", path, err)
	}
	return nil
}

// stixObject is the part of a STIX 2 object the importer reads.
type stixObject struct {
	Type       string   `json:"type"`
	Name       string   `json:"name"`
	Aliases    []string `json:"aliases"`
	Revoked    bool     `json:"revoked"`
	Deprecated bool     `json:"x_mitre_deprecated"`
}

// aliasFile is the union of the shapes ImportData understands.
type aliasFile struct {
	stixObject
	Objects []stixObject `json:"objects"`
	Values  []struct {
		Value string `json:"value"`
		Meta  struct {
			Synonyms []string `json:"synonyms"`
		} `json:"meta"`
	} `json:"values"`
}

// ImportData imports alias data already read into memory (see ImportFile)
// and returns the number of groups taken.
func (r *Registry) ImportData(data []byte) (int, error) {
	var f aliasFile
	if err := json.Unmarshal(data, &f); err != nil {
		return 0, fmt.Errorf("not a MISP galaxy or STIX JSON file: %w", err)
	}
	n := 0
	switch {
	case f.Type == "bundle":
		for _, o := range f.Objects {
			if r.importSTIX(o) {
				n++
			}
		}
	case f.Values != nil:
		for _, v := range f.Values {
			if strings.TrimSpace(v.Value) == "" {
				continue
			}
			r.addGroup(v.Value, v.Meta.Synonyms, fromTable)
			n++
		}
	case f.Type == "intrusion-set" || f.Type == "threat-actor":
		if r.importSTIX(f.stixObject) {
			n++
		}
	default:
		return 0, errors.New("unrecognised alias file: expected a MISP galaxy cluster (\"values\") or a STIX bundle (\"type\": \"bundle\")")
	}
	return n, nil
}

// importSTIX adds one STIX intrusion set, unless it is revoked or deprecated.
func (r *Registry) importSTIX(o stixObject) bool {
	if (o.Type != "intrusion-set" && o.Type != "threat-actor") || o.Revoked || o.Deprecated || strings.TrimSpace(o.Name) == "" {
		return false
	}
	r.addGroup(o.Name, o.Aliases, fromTable)
	return true
}

// AddGroups adds every group of entities (the config's `entities:`), in
// name order so that the result does not depend on map order.
func (r *Registry) AddGroups(entities map[string][]string) {
	names := make([]string, 0, len(entities))
	for n := range entities {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r.AddGroup(n, entities[n])
	}
}

// BuildRegistry returns the built-in table extended with the config's
// entities (in name order) and then with alias files (MISP galaxy or ATT&CK
// STIX; relative paths are taken from baseDir), the order the engine and
// `newshound check` use.
func BuildRegistry(entities map[string][]string, aliasFiles []string, baseDir string) (*Registry, error) {
	r := NewRegistry()
	r.AddGroups(entities)
	for _, f := range aliasFiles {
		if !filepath.IsAbs(f) && baseDir != "" {
			f = filepath.Join(baseDir, f)
		}
		if err := r.ImportFile(f); err != nil {
			return nil, err
		}
	}
	return r, nil
}
