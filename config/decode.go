package config

// The positioned YAML decoder: walks yaml.Node trees, reporting every
// problem at its line and column, with ${VAR} expansion of scalars. It
// knows nothing of Newshound's keys (see schema.go).

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

type decoder struct {
	file    string
	lookup  LookupFunc
	lines   [][]byte
	errs    ErrorList
	warns   ErrorList
	dropped []string // names of watches refused for their query
}

func (d *decoder) warnf(p Pos, format string, args ...any) {
	d.warns = append(d.warns, &Error{File: d.file, Pos: p, Msg: "warning: " + fmt.Sprintf(format, args...)})
}

// warnSubSecond returns a duration setter that also warns about a value
// under a second: allowed, but it hammers the feeds (or the scheduler).
func (d *decoder) warnSubSecond(dst *time.Duration, what string, allowZero bool) func(*yaml.Node) {
	set := d.setDuration(dst, what, allowZero)
	return func(n *yaml.Node) {
		set(n)
		if *dst > 0 && *dst < time.Second {
			d.warnf(posOf(n), "%s %s is under a second; did you mean %ss?", what, *dst, strings.TrimSuffix(dst.String(), "ms"))
		}
	}
}

func (d *decoder) errorf(p Pos, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return deref(n.Content[0])
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// mapping walks a mapping node, reporting unknown and duplicate keys and
// calling the handler of each known key with its (dereferenced) value.
// A null value means "not set": the handler is not called.
func (d *decoder) mapping(n *yaml.Node, section string, handlers map[string]func(*yaml.Node)) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(posOf(n), "%s must be a mapping of keys to values, got %s", section, kindName(n))
		return
	}
	for _, p := range d.pairs(n, section, 0) {
		k, v := p[0], p[1]
		h, ok := handlers[k.Value]
		if !ok {
			known := make([]string, 0, len(handlers))
			for name := range handlers {
				known = append(known, name)
			}
			sort.Strings(known)
			d.errorf(posOf(k), "unknown key %q in %s (known keys: %s)", k.Value, section, strings.Join(known, ", "))
			continue
		}
		if isNull(v) {
			continue
		}
		h(v)
	}
}

// pairs returns the key/value pairs of a mapping, reporting non-scalar and
// duplicate keys, with YAML merge keys ("<<: *defaults") resolved: keys
// written in the mapping win over merged ones, earlier merges over later.
func (d *decoder) pairs(n *yaml.Node, section string, depth int) [][2]*yaml.Node {
	var own, merged [][2]*yaml.Node
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(posOf(k), "keys in %s must be plain words, got %s", section, kindName(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			srcs := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				srcs = v.Content
			}
			for _, m := range srcs {
				m = deref(m)
				if m.Kind != yaml.MappingNode || depth > 10 {
					d.errorf(posOf(m), "<< in %s must merge a mapping (like <<: *defaults)", section)
					continue
				}
				merged = append(merged, d.pairs(m, section, depth+1)...)
			}
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(posOf(k), "duplicate key %q in %s (first at line %d)", k.Value, section, first.Line)
			continue
		}
		seen[k.Value] = posOf(k)
		own = append(own, [2]*yaml.Node{k, v})
	}
	for _, p := range merged {
		if _, taken := seen[p[0].Value]; !taken {
			seen[p[0].Value] = posOf(p[0])
			own = append(own, p)
		}
	}
	return own
}

// scalar returns the ${VAR}-expanded text of a scalar node.
func (d *decoder) scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(posOf(n), "%s must be a single value, got %s", what, kindName(n))
		return "", false
	}
	v, err := expand(n.Value, d.lookup)
	if err != nil {
		d.errorf(posOf(n), "%s: %v", what, err)
		return "", false
	}
	return v, true
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	return d.scalar(n, what)
}

func (d *decoder) setString(dst *string, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if v, ok := d.str(n, what); ok {
			*dst = v
		}
	}
}

func (d *decoder) integer(n *yaml.Node, what string, min int64) (int64, bool) {
	v, ok := d.scalar(n, what)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64)
	if err != nil {
		d.errorf(posOf(n), "%s must be a whole number, got %q", what, v)
		return 0, false
	}
	if i < min {
		if min == 0 {
			d.errorf(posOf(n), "%s must not be negative, got %d", what, i)
		} else {
			d.errorf(posOf(n), "%s must be at least %d, got %d", what, min, i)
		}
		return 0, false
	}
	return i, true
}

func (d *decoder) setInt(dst *int, what string, min int64) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if i, ok := d.integer(n, what, min); ok {
			*dst = int(i)
		}
	}
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	v, ok := d.scalar(n, what)
	if !ok {
		return false, false
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	d.errorf(posOf(n), "%s must be true or false, got %q", what, v)
	return false, false
}

func (d *decoder) setBool(dst *bool, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if b, ok := d.boolean(n, what); ok {
			*dst = b
		}
	}
}

// duration parses a Go duration ("90s", "5m", "1h30m"); zero is allowed
// only when allowZero.
func (d *decoder) duration(n *yaml.Node, what string, allowZero bool) (time.Duration, bool) {
	v, ok := d.scalar(n, what)
	if !ok {
		return 0, false
	}
	t, err := time.ParseDuration(v)
	if err != nil {
		d.errorf(posOf(n), "%s: bad duration %q (use a number with a unit: 90s, 5m, 1h30m)", what, v)
		return 0, false
	}
	if t < 0 {
		d.errorf(posOf(n), "%s must not be negative, got %s", what, v)
		return 0, false
	}
	if t == 0 && !allowZero {
		d.errorf(posOf(n), "%s must be longer than zero", what)
		return 0, false
	}
	return t, true
}

func (d *decoder) setDuration(dst *time.Duration, what string, allowZero bool) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if t, ok := d.duration(n, what, allowZero); ok {
			*dst = t
		}
	}
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

// size parses a byte count: a whole number, or one with a unit (512KiB, 10MiB, 1MB).
func (d *decoder) size(n *yaml.Node, what string) (int64, bool) {
	v, ok := d.scalar(n, what)
	if !ok {
		return 0, false
	}
	num, mult := strings.TrimSpace(v), int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(num, "_", ""), 10, 64)
	if err != nil {
		d.errorf(posOf(n), "%s must be a size in bytes like 10MiB or 1048576, got %q", what, v)
		return 0, false
	}
	if i <= 0 {
		d.errorf(posOf(n), "%s must be positive, got %q", what, v)
		return 0, false
	}
	if i > (1<<62)/mult {
		d.errorf(posOf(n), "%s is too large: %q", what, v)
		return 0, false
	}
	return i * mult, true
}

// list calls each for every element of a sequence node.
func (d *decoder) list(n *yaml.Node, what string, each func(*yaml.Node)) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(posOf(n), "%s must be a list, got %s", what, kindName(n))
		return
	}
	for _, e := range n.Content {
		each(deref(e))
	}
}

// strings decodes a list of non-empty strings.
func (d *decoder) strs(n *yaml.Node, what string, valid func(*yaml.Node, string) bool) ([]string, []Pos) {
	var out []string
	var ps []Pos
	d.list(n, what, func(e *yaml.Node) {
		v, ok := d.str(e, "each of "+what)
		if !ok {
			return
		}
		if strings.TrimSpace(v) == "" {
			d.errorf(posOf(e), "empty entry in %s", what)
			return
		}
		if valid != nil && !valid(e, v) {
			return
		}
		out = append(out, v)
		ps = append(ps, posOf(e))
	})
	return out, ps
}
