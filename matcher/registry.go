package matcher

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	aliases []string        // as written, canonical name first
	seen    map[string]bool // dedup of aliases: folded key, or cased form for case-sensitive ones
}

// NewRegistry returns a registry holding the built-in threat-actor table.
func NewRegistry() *Registry {
	r := &Registry{byKey: map[string]int{}, canon: map[string]bool{}, common: commonWordSet()}
	for _, line := range strings.Split(builtinActors, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		// The canonical name may itself contain ':' only if followed by no space.
		i := strings.Index(line, ": ")
		if i < 0 {
			r.AddGroup(line, nil)
			continue
		}
		r.AddGroup(line[:i], strings.Split(line[i+2:], "|"))
	}
	return r
}

// AddGroup adds an entity named name with the given aliases (the name is an
// alias too). If name is already known, as a canonical name or an alias, the
// aliases are added to that entity instead.
func (r *Registry) AddGroup(name string, aliases []string) {
	name = strings.TrimSpace(name)
	key := NormalizeName(name)
	if key == "" {
		return
	}
	idx, ok := r.byKey[key]
	if !ok {
		idx = len(r.entities)
		r.entities = append(r.entities, &entity{name: name, seen: map[string]bool{}})
		r.byKey[key] = idx
		r.canon[key] = true
	}
	e := r.entities[idx]
	r.addAlias(idx, e, name)
	for _, a := range aliases {
		r.addAlias(idx, e, a)
	}
}

// addAlias records alias a for entity e (index idx).
func (r *Registry) addAlias(idx int, e *entity, a string) {
	a = strings.TrimSpace(a)
	key := NormalizeName(a)
	if key == "" {
		return
	}
	dedup := key
	if r.caseSensitive(a) {
		_, cased := normWords(a)
		dedup = "\x00" + strings.Join(cased, " ")
	}
	if e.seen[dedup] {
		return
	}
	e.seen[dedup] = true
	e.aliases = append(e.aliases, a)
	if _, taken := r.byKey[key]; !taken {
		r.byKey[key] = idx
	}
}

// caseSensitive reports whether alias a must match only in its own case: a
// single word that is an everyday word ("Lead", "Tick") or a short all-caps
// acronym ("SEA"), or several words that are all everyday words ("Cozy
// Bear", "The Dukes").
func (r *Registry) caseSensitive(a string) bool {
	folded, cased := normWords(a)
	if len(folded) == 0 {
		return false
	}
	if len(folded) == 1 {
		if r.common[folded[0]] {
			return true
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
	return e.name, append([]string(nil), e.aliases...), true
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
			r.AddGroup(v.Value, v.Meta.Synonyms)
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
	r.AddGroup(o.Name, o.Aliases)
	return true
}

// BuildRegistry returns the built-in table extended with alias files (MISP
// galaxy or ATT&CK STIX; relative paths are taken from baseDir) and then
// with the config's entities, in name order. Entities come last so that a
// user's group can extend an imported one.
func BuildRegistry(entities map[string][]string, aliasFiles []string, baseDir string) (*Registry, error) {
	r := NewRegistry()
	for _, f := range aliasFiles {
		if !filepath.IsAbs(f) && baseDir != "" {
			f = filepath.Join(baseDir, f)
		}
		if err := r.ImportFile(f); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(entities))
	for n := range entities {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r.AddGroup(n, entities[n])
	}
	return r, nil
}
