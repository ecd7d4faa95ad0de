package config

// The YAML splicer: edits that change only the lines of the entry concerned,
// keeping the rest of the file — comments, order, formatting — byte for byte.

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

type kv struct{ key, value string }

// doc is a config file as bytes plus its node tree, for text edits placed
// by node positions.
type doc struct {
	data  []byte
	lines []string // without their "\n"
	node  *yaml.Node
	root  *yaml.Node // the top-level mapping, nil for an empty file
	crlf  bool       // the file's lines end in "\r\n"
}

func parseDoc(data []byte) (*doc, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, refusef("the config is not valid YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	d := &doc{data: data, lines: strings.Split(string(data), "\n"), node: &n, crlf: bytes.Contains(data, []byte("\r\n"))}
	if len(n.Content) > 0 {
		r := n.Content[0]
		if isNull(r) {
			return d, nil
		}
		if r.Kind != yaml.MappingNode {
			return nil, refusef("the config must be a mapping of keys to values")
		}
		d.root = r
	}
	return d, nil
}

// top returns the key and value nodes of a top-level key.
func (d *doc) top(key string) (k, v *yaml.Node) {
	if d.root == nil {
		return nil, nil
	}
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		if d.root.Content[i].Value == key {
			k, v = d.root.Content[i], d.root.Content[i+1]
			if v.Kind != yaml.SequenceNode {
				return k, nil
			}
			return k, v
		}
	}
	return nil, nil
}

// field returns the value of key in a mapping node.
func field(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// seqEnd returns the last line (1-based) of the block sequence seq, the
// value of the top-level key k: the line before the next top-level key,
// minus trailing blank lines and comment lines indented no deeper than the
// sequence's "-" (a commented-out item or the next section's heading).
// Comments indented deeper belong to the last item and stay with it.
func (d *doc) seqEnd(k, seq *yaml.Node) int {
	next := len(d.lines) + 1
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		if d.root.Content[i] == k && i+2 < len(d.root.Content) {
			next = d.root.Content[i+2].Line
		}
	}
	end := next - 1
	for end > k.Line {
		line := d.lines[end-1]
		t := strings.TrimSpace(line)
		if t != "" && !(strings.HasPrefix(t, "#") && indentOf(line) <= seq.Column-1) {
			break
		}
		end--
	}
	return end
}

func indentOf(line string) int {
	return len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
}

// offset returns the byte offset of the start of line (1-based); one past
// the last line is the end of the data.
func (d *doc) offset(line int) int {
	off := 0
	for i := 0; i < line-1 && i < len(d.lines); i++ {
		off += len(d.lines[i]) + 1
	}
	if off > len(d.data) {
		off = len(d.data)
	}
	return off
}

// splice replaces lines [from, to] (1-based, inclusive; to = from-1 to
// insert) with text.
func (d *doc) splice(from, to int, text string) []byte {
	start, end := d.offset(from), d.offset(to+1)
	var b bytes.Buffer
	b.Write(d.data[:start])
	if start > 0 && d.data[start-1] != '\n' {
		b.WriteString(d.nl("\n"))
	}
	b.WriteString(d.nl(text))
	b.Write(d.data[end:])
	return b.Bytes()
}

// appendText adds text at the end of the file, after a blank line when
// blank and the file is not empty.
func (d *doc) appendText(text string, blank bool) []byte {
	var b bytes.Buffer
	b.Write(d.data)
	if len(d.data) > 0 && !bytes.HasSuffix(d.data, []byte("\n")) {
		b.WriteString(d.nl("\n"))
	}
	if blank && len(bytes.TrimSpace(d.data)) > 0 {
		b.WriteString(d.nl("\n"))
	}
	b.WriteString(d.nl(text))
	return b.Bytes()
}

// nl converts the line ends of text to the file's own (CRLF files stay CRLF).
func (d *doc) nl(text string) string {
	if d.crlf {
		return strings.ReplaceAll(text, "\n", "\r\n")
	}
	return text
}

func renderItem(dash, key string, fields []kv) string {
	var b strings.Builder
	for i, f := range fields {
		if i == 0 {
			b.WriteString(dash + "- ")
		} else {
			b.WriteString(key)
		}
		b.WriteString(f.key + ": " + f.value + "\n")
	}
	return b.String()
}

// appendItem adds one mapping per element of items at the end of the
// top-level list named key, in the indentation and spacing of the existing
// items.
func (d *doc) appendItem(key string, items ...[]kv) ([]byte, error) {
	render := func(dash, key string, sep string) string {
		var b strings.Builder
		for _, fields := range items {
			b.WriteString(sep)
			b.WriteString(renderItem(dash, key, fields))
		}
		return b.String()
	}
	if d.root == nil || d.root.Style&yaml.FlowStyle != 0 {
		if d.root != nil {
			return d.reencodeAppend(key, items)
		}
		return d.appendText(key+":\n"+render("  ", "    ", ""), false), nil
	}
	var k, v *yaml.Node
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		if d.root.Content[i].Value == key {
			k, v = d.root.Content[i], d.root.Content[i+1]
		}
	}
	keyIndent := strings.Repeat(" ", d.root.Column-1)
	switch {
	case k == nil: // no such list: add it at the end
		return d.appendText(keyIndent+key+":\n"+render(keyIndent+"  ", keyIndent+"    ", ""), true), nil
	case v.Line == k.Line && (isNull(v) || (v.Kind == yaml.SequenceNode && len(v.Content) == 0)):
		// "key:", "key: ~" or "key: []", maybe with a comment: drop the
		// empty value and put the items below.
		line := []rune(d.lines[k.Line-1])
		at := v.Column - 1
		n := 0
		switch {
		case v.Kind == yaml.SequenceNode:
			for j := at; j < len(line); j++ {
				if line[j] == ']' {
					n = j - at + 1
					break
				}
			}
		default:
			n = len([]rune(v.Value))
		}
		if at < 0 || at+n > len(line) {
			return d.reencodeAppend(key, items)
		}
		head := string(line)
		if n > 0 {
			rest := strings.TrimLeft(string(line[at+n:]), " \t")
			head = strings.TrimRight(string(line[:at]), " \t")
			if rest != "" {
				head += " " + rest
			}
		}
		return d.splice(k.Line, k.Line, head+"\n"+render(keyIndent+"  ", keyIndent+"    ", "")), nil
	case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0:
		end := d.seqEnd(k, v)
		dash := strings.Repeat(" ", v.Column-1)
		itemKey := dash + "  "
		if first := v.Content[0]; first.Kind == yaml.MappingNode && first.Style&yaml.FlowStyle == 0 {
			itemKey = strings.Repeat(" ", first.Column-1)
		}
		// Keep the list's rhythm: a blank line between items if they have one.
		sep := ""
		if len(v.Content) > 1 {
			if start := d.itemStart(v, len(v.Content)-1); start > 1 && strings.TrimSpace(d.lines[d.headStart(v, start)-2]) == "" {
				sep = "\n"
			}
		}
		return d.splice(end+1, end, render(dash, itemKey, sep)), nil
	}
	return d.reencodeAppend(key, items)
}

// itemStart returns the line of the "-" of item i of a block sequence.
func (d *doc) itemStart(seq *yaml.Node, i int) int {
	it := seq.Content[i]
	line := it.Line
	for l := line; l >= seq.Line && l >= 1; l-- {
		text := d.lines[l-1]
		if indentOf(text) == seq.Column-1 && strings.HasPrefix(strings.TrimSpace(text), "-") {
			return l
		}
	}
	return line
}

// headStart extends an item's first line upward over the comment lines
// directly above it (no blank line between) indented at least as deep as
// the item's "-": those describe the item.
func (d *doc) headStart(seq *yaml.Node, start int) int {
	for start > 1 {
		text := d.lines[start-2]
		t := strings.TrimSpace(text)
		if !strings.HasPrefix(t, "#") || indentOf(text) < seq.Column-1 {
			break
		}
		start--
	}
	return start
}

// removeItem deletes item i of the top-level list named key.
func (d *doc) removeItem(key string, seq *yaml.Node, i int) ([]byte, error) {
	if seq.Style&yaml.FlowStyle != 0 || d.root.Style&yaml.FlowStyle != 0 {
		return d.reencodeRemove(seq, i)
	}
	k, _ := d.top(key)
	from := d.headStart(seq, d.itemStart(seq, i))
	var to int
	if i+1 < len(seq.Content) {
		to = d.headStart(seq, d.itemStart(seq, i+1)) - 1
	} else {
		to = d.seqEnd(k, seq)
		if i > 0 { // drop the separator above the last item too
			for from > 1 && strings.TrimSpace(d.lines[from-2]) == "" {
				from--
			}
		}
	}
	return d.splice(from, to, ""), nil
}

// The rest handles files in flow style, where text edits by line do not
// apply: the tree is changed and encoded again. Comments survive; blank
// lines and some spacing do not.

func (d *doc) reencodeAppend(key string, items [][]kv) ([]byte, error) {
	var nodes []*yaml.Node
	for _, fields := range items {
		item := &yaml.Node{Kind: yaml.MappingNode}
		for _, f := range fields {
			var v yaml.Node
			if err := yaml.Unmarshal([]byte(f.value), &v); err != nil || len(v.Content) == 0 {
				return nil, refusef("cannot encode %s: %v", f.key, err)
			}
			item.Content = append(item.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: f.key}, v.Content[0])
		}
		nodes = append(nodes, item)
	}
	var seq *yaml.Node
	for i := 0; i+1 < len(d.root.Content); i += 2 {
		if d.root.Content[i].Value == key {
			seq = d.root.Content[i+1]
		}
	}
	if seq == nil {
		seq = &yaml.Node{Kind: yaml.SequenceNode}
		d.root.Content = append(d.root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, seq)
	}
	if seq.Kind != yaml.SequenceNode {
		if !isNull(seq) {
			return nil, refusef("%s: is not a list", key)
		}
		*seq = yaml.Node{Kind: yaml.SequenceNode, Line: seq.Line, Column: seq.Column}
	}
	seq.Content = append(seq.Content, nodes...)
	return d.encode()
}

func (d *doc) reencodeRemove(seq *yaml.Node, i int) ([]byte, error) {
	seq.Content = append(seq.Content[:i], seq.Content[i+1:]...)
	return d.encode()
}

func (d *doc) encode() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d.node); err != nil {
		return nil, fmt.Errorf("config: encoding the edited file: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: encoding the edited file: %w", err)
	}
	return b.Bytes(), nil
}

// scalarText renders s as a one-line YAML scalar in the given style, with
// "${" escaped so the loader reads back s itself. It returns "" when s
// cannot be written on one line.
func scalarText(s string, style yaml.Style) string {
	if strings.ContainsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || (unicode.IsControl(r) && r != '\t') }) {
		return ""
	}
	s = strings.ReplaceAll(s, "${", "$${")
	out, err := yaml.Marshal(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: style})
	if err != nil {
		return ""
	}
	text := strings.TrimSuffix(string(out), "\n")
	if strings.Contains(text, "\n") {
		return ""
	}
	return text
}

func plainOrQuoted(s string) string { return scalarText(s, 0) }

func singleQuoted(s string) string { return scalarText(s, yaml.SingleQuotedStyle) }

func flowList(items []string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = plainOrQuoted(it)
		if parts[i] == "" {
			return ""
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
