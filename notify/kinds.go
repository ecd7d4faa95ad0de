package notify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/newshound/newshound/model"
)

// Kind is one kind of destination: its name, its syntax and the check of
// its target. Each platform package declares the kinds it serves; the
// wiring puts them in one Kinds registry, and nothing else learns their syntax.
type Kind struct {
	// Name is what comes before the colon ("telegram").
	Name string
	// Usage shows the syntax with an example, for error messages
	// ("telegram:CHAT_ID or telegram:CHAT_ID/TOPIC_ID, like telegram:-1001234567890").
	Usage string
	// Bare marks a kind written without a target ("console").
	Bare bool
	// Check validates a target of this kind; nil accepts any non-empty target.
	// Its error need not repeat the destination (Parse adds it, redacted).
	Check func(target string) error
}

// ConsoleKind is the console destination: alerts printed to standard output.
var ConsoleKind = Kind{Name: "console", Usage: "console", Bare: true}

// Kinds is a registry of destination kinds.
type Kinds struct {
	byName map[string]Kind
}

// NewKinds returns a registry of the given kinds. Two kinds with one name
// are a programming error and panic.
func NewKinds(kinds ...Kind) *Kinds {
	k := &Kinds{byName: make(map[string]Kind, len(kinds))}
	for _, kind := range kinds {
		if _, dup := k.byName[kind.Name]; dup || kind.Name == "" {
			panic(fmt.Sprintf("notify: destination kind %q registered twice or unnamed", kind.Name))
		}
		k.byName[kind.Name] = kind
	}
	return k
}

// Lookup returns the kind called name.
func (k *Kinds) Lookup(name string) (Kind, bool) {
	kind, ok := k.byName[name]
	return kind, ok
}

// Names returns the registered kind names, sorted.
func (k *Kinds) Names() []string {
	out := make([]string, 0, len(k.byName))
	for n := range k.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Parse parses s as a destination of a registered kind and checks its
// target. Errors name the destination redacted and say what is expected.
func (k *Kinds) Parse(s string) (model.Destination, error) {
	d, err := model.ParseDestination(s)
	if err != nil {
		return "", err
	}
	return d, k.Check(d)
}

// Check validates d against its kind.
func (k *Kinds) Check(d model.Destination) error {
	kind, ok := k.byName[d.Kind()]
	if !ok {
		return fmt.Errorf("unknown destination %q (use %s)", d, k.usage())
	}
	hasTarget := strings.Contains(string(d), ":")
	switch {
	case kind.Bare && hasTarget:
		return fmt.Errorf("destination %q: %s takes no target", d, kind.Name)
	case !kind.Bare && !hasTarget:
		return fmt.Errorf("destination %q: use %s", d, kind.Usage)
	case kind.Check != nil && hasTarget:
		if err := kind.Check(d.Target()); err != nil {
			return fmt.Errorf("destination %q: %w; use %s", d, err, kind.Usage)
		}
	}
	return nil
}

func (k *Kinds) usage() string {
	var parts []string
	for _, n := range k.Names() {
		parts = append(parts, k.byName[n].Usage)
	}
	return strings.Join(parts, ", ")
}
