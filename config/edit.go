package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/newshound/newshound/model"
)

// ErrRefused is matched (with errors.Is) by every edit error caused by
// what was asked or by the file's content, as opposed to I/O failures: a
// duplicate name, an unknown entry, an edit that would make the config
// invalid. The CLI maps it to exit code 1.
var ErrRefused = errors.New("edit refused")

type refusedError struct{ err error }

func (e refusedError) Error() string   { return e.err.Error() }
func (e refusedError) Unwrap() []error { return []error{ErrRefused, e.err} }

func refusef(format string, args ...any) error {
	return refusedError{fmt.Errorf(format, args...)}
}

// EditFile applies edit to the config file at path and writes the result
// atomically (a temporary file in the same directory, fsynced, renamed over
// the original, keeping its mode; a symlink is followed and its target
// replaced). Before writing, the result must parse cleanly (Load rules)
// and pass check, when check is non-nil (the CLI validates queries there).
// A config that is already invalid is not edited. Nothing is written when
// any step fails, and the file is left as it was when it changed on disk
// while the edit was prepared.
func EditFile(path string, edit func([]byte) ([]byte, error), check func(*Config) error) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if _, err := loadBytes(path, data); err != nil {
		return refusedError{fmt.Errorf("%s has problems already; fix them first:\n%w", path, err)}
	}
	out, err := edit(data)
	if err != nil {
		return err
	}
	cfg, err := loadBytes(path, out)
	if err != nil {
		return refusedError{fmt.Errorf("refusing the edit: the result would be invalid:\n%w", err)}
	}
	if check != nil {
		if err := check(cfg); err != nil {
			return refusedError{err}
		}
	}
	return writeFileAtomic(real, out, data)
}

// writeFileAtomic replaces path with data unless its content is no longer
// expect (someone else edited it meanwhile).
func writeFileAtomic(path string, data, expect []byte) (err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("config: writing %s: %w", tmp.Name(), err)
	}
	if err = tmp.Chmod(fi.Mode().Perm()); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if !bytes.Equal(cur, expect) {
		err = refusef("%s changed while it was being edited; nothing written, try again", path)
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // make the rename durable; not every filesystem supports it
		d.Close()
	}
	return nil
}

// AddWatch returns data with w appended to the watches: list (created at
// the end of the file when missing). Only Name, Query, Tags and Color are
// written. Everything else in the file, comments and blank lines
// included, is kept byte for byte.
func AddWatch(data []byte, w Watch) ([]byte, error) {
	if !watchNameRE.MatchString(w.Name) {
		return nil, refusef("watch name %q may only contain letters, digits, '-', '_' and '.'", w.Name)
	}
	if strings.TrimSpace(w.Query) == "" {
		return nil, refusef("watch %q needs a query", w.Name)
	}
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	if _, seq := d.top("watches"); seq != nil {
		for _, it := range seq.Content {
			if v := field(it, "name"); v != nil && strings.EqualFold(v.Value, w.Name) {
				return nil, refusef("watch %q already exists (line %d)", v.Value, v.Line)
			}
		}
	}
	fields := []kv{{"name", plainOrQuoted(w.Name)}, {"query", singleQuoted(w.Query)}}
	if len(w.Tags) > 0 {
		fields = append(fields, kv{"tags", flowList(w.Tags)})
	}
	if w.Color != 0 {
		fields = append(fields, kv{"color", fmt.Sprintf("\"#%06x\"", w.Color)})
	}
	for _, f := range fields {
		if f.value == "" {
			return nil, refusef("watch %s cannot be written on one line", f.key)
		}
	}
	return d.appendItem("watches", fields)
}

// AddRoute returns data with a route of watches to dests appended to the
// routes: list; the rest of the file is kept byte for byte. The
// destinations' kinds are the caller's to check (notify.Kinds).
func AddRoute(data []byte, watches []string, dests []model.Destination) ([]byte, error) {
	if len(watches) == 0 || len(dests) == 0 {
		return nil, refusef("a route needs watches and destinations")
	}
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	to := make([]string, len(dests))
	for i, dest := range dests {
		to[i] = string(dest)
	}
	fields := []kv{{"watches", flowList(watches)}, {"to", flowList(to)}}
	for _, f := range fields {
		if f.value == "" {
			return nil, refusef("route %s cannot be written on one line", f.key)
		}
	}
	return d.appendItem("routes", fields)
}

// RemoveWatch returns data without the watch named name, with the
// comment lines directly above it. A watch still named by a route is not
// removed: the route must be changed first.
func RemoveWatch(data []byte, name string) ([]byte, error) {
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	_, seq := d.top("watches")
	idx := -1
	if seq != nil {
		for i, it := range seq.Content {
			if v := field(it, "name"); v != nil && v.Value == name {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		return nil, refusef("no watch named %q", name)
	}
	if _, routes := d.top("routes"); routes != nil {
		var at []string
		for _, r := range routes.Content {
			if ws := field(r, "watches"); ws != nil {
				for _, e := range ws.Content {
					if e.Value == name {
						at = append(at, fmt.Sprintf("line %d", e.Line))
					}
				}
			}
		}
		if len(at) > 0 {
			return nil, refusef("watch %q is still used by routes (%s); remove it from routes: first", name, strings.Join(at, ", "))
		}
	}
	return d.removeItem("watches", seq, idx)
}

// AddFeed returns data with f appended to the feeds: list. Only URL, Name,
// Tags and Interval are written; the rest of the file is kept byte for
// byte.
func AddFeed(data []byte, f Feed) ([]byte, error) {
	return AddFeeds(data, []Feed{f})
}

// AddFeeds is AddFeed for several feeds at once, in order: one edit, so
// that an import either adds every feed or none. A feed already in the
// file, or listed twice in fs, refuses the whole edit.
func AddFeeds(data []byte, fs []Feed) ([]byte, error) {
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	existing := map[string]int{}
	if _, seq := d.top("feeds"); seq != nil {
		for _, it := range seq.Content {
			if v := field(it, "url"); v != nil {
				existing[model.FeedKey(v.Value)] = v.Line
			}
		}
	}
	items := make([][]kv, 0, len(fs))
	added := map[string]bool{}
	for _, f := range fs {
		fields, err := feedFields(f)
		if err != nil {
			return nil, err
		}
		key := model.FeedKey(f.URL)
		if line, dup := existing[key]; dup {
			return nil, refusef("feed %s is already in the config (line %d)", f.URL, line)
		}
		if added[key] {
			return nil, refusef("feed %s is listed twice", f.URL)
		}
		added[key] = true
		items = append(items, fields)
	}
	if len(items) == 0 {
		return data, nil
	}
	return d.appendItem("feeds", items...)
}

// feedFields renders the config keys of one new feed entry.
func feedFields(f Feed) ([]kv, error) {
	if err := feedURL(f.URL); err != nil {
		return nil, refusef("feed %v", err)
	}
	if f.Interval < 0 {
		return nil, refusef("feed interval must not be negative")
	}
	fields := []kv{{"url", plainOrQuoted(f.URL)}}
	if f.Name != "" {
		fields = append(fields, kv{"name", plainOrQuoted(f.Name)})
	}
	if len(f.Tags) > 0 {
		fields = append(fields, kv{"tags", flowList(f.Tags)})
	}
	if f.Interval > 0 {
		fields = append(fields, kv{"interval", shortDuration(f.Interval)})
	}
	for _, kv := range fields {
		if kv.value == "" {
			return nil, refusef("feed %s %s cannot be written on one line", f.URL, kv.key)
		}
	}
	return fields, nil
}

// CheckFeedURL reports why v cannot be a feed address (it must be http or
// https with a host), or nil; importers use it to reject an entry before
// any edit starts.
func CheckFeedURL(v string) error { return feedURL(v) }

// RemoveFeed returns data without the feed whose url is rawURL (scheme and
// host compared case-insensitively), with the comment lines directly above it.
func RemoveFeed(data []byte, rawURL string) ([]byte, error) {
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	_, seq := d.top("feeds")
	key := model.FeedKey(strings.TrimSpace(rawURL))
	if seq != nil {
		for i, it := range seq.Content {
			if v := field(it, "url"); v != nil && model.FeedKey(v.Value) == key {
				return d.removeItem("feeds", seq, i)
			}
		}
	}
	return nil, refusef("no feed with url %s in the config", rawURL)
}

// shortDuration renders 2m rather than 2m0s.
func shortDuration(t time.Duration) string {
	s := t.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

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
