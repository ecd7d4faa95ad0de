package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newshound/newshound/feeds"
)

// defaultTimeout is far above the slowest file of either suite (well under a
// second), so that a hit means a real hang, not a busy machine.
const defaultTimeout = 10 * time.Second

// Counts are the outcomes for one folder.
type Counts struct {
	Files    int // feed documents tried
	Parsed   int // Parse returned a feed
	Items    int // items in those feeds
	Partial  int // feeds flagged Partial
	NotAFeed int // rejected with ErrNotAFeed
	Broken   int // rejected with ErrMalformed or another error
	Crashes  int // Parse panicked
	Hangs    int // Parse did not return within the timeout
	Unsure   int // feeds whose charset was a guess Parse was unsure of
	// TitlesChecked and TitlesRight count the title expectations the
	// suite states (feedparser's Expect lines, gofeed's expected JSON)
	// and how many Parse meets.
	TitlesChecked, TitlesRight int
	// CharsetsChecked and CharsetsRight do the same for feedparser's
	// "encoding == X" expectations.
	CharsetsChecked, CharsetsRight int
}

func (c *Counts) add(o Counts) {
	c.Files += o.Files
	c.Parsed += o.Parsed
	c.Items += o.Items
	c.Partial += o.Partial
	c.NotAFeed += o.NotAFeed
	c.Broken += o.Broken
	c.Crashes += o.Crashes
	c.Hangs += o.Hangs
	c.Unsure += o.Unsure
	c.TitlesChecked += o.TitlesChecked
	c.TitlesRight += o.TitlesRight
	c.CharsetsChecked += o.CharsetsChecked
	c.CharsetsRight += o.CharsetsRight
}

// Report is the outcome of one suite, by folder relative to its root.
type Report struct {
	Root    string
	Folders map[string]*Counts
	// Notes are one line per rejection, crash, hang, unsure charset or
	// unmet expectation.
	Notes []string
}

// Total sums every folder.
func (r *Report) Total() Counts {
	var t Counts
	for _, c := range r.Folders {
		t.add(*c)
	}
	return t
}

// Print writes a table of the folders and the total; verbose adds the notes.
func (r *Report) Print(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "suite %s\n", r.Root)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "folder\tfiles\tparsed\titems\tpartial\tnot-a-feed\tbroken\tcrashes\thangs\tunsure\ttitles ok\tcharsets ok\t")
	names := make([]string, 0, len(r.Folders))
	for n := range r.Folders {
		names = append(names, n)
	}
	sort.Strings(names)
	row := func(name string, c Counts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d/%d\t%d/%d\t\n", name, c.Files, c.Parsed, c.Items, c.Partial,
			c.NotAFeed, c.Broken, c.Crashes, c.Hangs, c.Unsure, c.TitlesRight, c.TitlesChecked, c.CharsetsRight, c.CharsetsChecked)
	}
	for _, n := range names {
		row(n, *r.Folders[n])
	}
	row("TOTAL", r.Total())
	tw.Flush()
	if verbose {
		for _, n := range r.Notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
}

// Walk parses every feed document under root.
func Walk(root string, timeout time.Duration) (*Report, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("suite %s: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("suite %s: not a directory", root)
	}
	rep := &Report{Root: root, Folders: map[string]*Counts{}}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isFeedFile(path) {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		c := rep.Folders[rel]
		if c == nil {
			c = &Counts{}
			rep.Folders[rel] = c
		}
		name, _ := filepath.Rel(root, path)
		return rep.file(c, path, name, timeout)
	})
	if err != nil {
		return nil, fmt.Errorf("suite %s: %w", root, err)
	}
	return rep, nil
}

// isFeedFile tells the feed documents of both suites from their expected
// outputs: gofeed keeps the expectation of X.xml in X.json, and of a JSON
// feed X.json in X_expected.json.
func isFeedFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xml", ".rss", ".atom", ".rdf":
		return true
	case ".json":
		stem := strings.TrimSuffix(path, filepath.Ext(path))
		if strings.HasSuffix(stem, "_expected") {
			return false
		}
		if _, err := os.Stat(stem + ".xml"); err == nil {
			return false
		}
		return true
	}
	return false
}

// outcome is what one Parse call gave.
type outcome struct {
	feed  *feeds.Feed
	err   error
	panic any
}

// parseGuarded runs feeds.Parse, turning a panic into a value and giving up
// after timeout. A hung Parse leaks its goroutine; the program is short-lived.
func parseGuarded(body []byte, ctype string, timeout time.Duration) (outcome, bool) {
	ch := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- outcome{panic: p}
			}
		}()
		f, err := feeds.Parse(body, ctype, "http://example.com/feed.xml")
		ch <- outcome{feed: f, err: err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case o := <-ch:
		return o, true
	case <-t.C:
		return outcome{}, false
	}
}

func (r *Report) file(c *Counts, path, name string, timeout time.Duration) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	c.Files++
	exp := expectations(path, body)
	o, done := parseGuarded(body, exp.contentType, timeout)
	switch {
	case !done:
		c.Hangs++
		r.note("HANG   %s", name)
		return nil
	case o.panic != nil:
		c.Crashes++
		r.note("CRASH  %s: %v", name, o.panic)
		return nil
	case errors.Is(o.err, feeds.ErrNotAFeed):
		c.NotAFeed++
		r.note("REJECT %s: %v", name, o.err)
	case o.err != nil:
		c.Broken++
		r.note("BROKEN %s: %v", name, o.err)
	default:
		c.Parsed++
		c.Items += len(o.feed.Items)
		if o.feed.Partial {
			c.Partial++
		}
		if o.feed.CharsetUnsure {
			c.Unsure++
			r.note("UNSURE %s: charset guessed as %s", name, o.feed.Charset)
		}
	}
	for _, te := range exp.titles {
		c.TitlesChecked++
		got, ok := "", false
		if o.feed != nil {
			got, ok = te.got(o.feed)
		}
		want := feeds.PlainText(te.want)
		if ok && got == want {
			c.TitlesRight++
			continue
		}
		r.note("TITLE  %s: %s = %q, want %q", name, te.field(), got, want)
	}
	if exp.charset != "" && !sevenBit(body) {
		c.CharsetsChecked++
		got := ""
		if o.feed != nil {
			got = o.feed.Charset
		}
		if sameCharset(got, exp.charset) {
			c.CharsetsRight++
		} else {
			r.note("CHARSET %s: %q, want %q", name, got, exp.charset)
		}
	}
	return nil
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// sevenBit reports bytes that every ASCII-compatible decoder reads alike
// (no high byte, no ISO-2022 escape): for them feedparser's "us-ascii" and
// Parse's "utf-8" are the same answer, so the expectation says nothing.
func sevenBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0x1b {
			return false
		}
	}
	return true
}

// sameCharset compares charset names loosely: feedparser names what chardet
// said (GB2312, Big5), Parse names the WHATWG encoding it decoded with
// (gbk, big5), and a WHATWG decoder of a superset decodes the subset right.
func sameCharset(got, want string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
		switch s {
		case "gb2312", "gb18030":
			return "gbk"
		case "tis620", "iso885911":
			return "windows874"
		case "sjis":
			return "shiftjis"
		}
		return s
	}
	return got != "" && norm(got) == norm(want)
}

// titleExpect is one expected title: of the feed (item < 0) or of an item.
type titleExpect struct {
	item int
	want string
}

func (te titleExpect) field() string {
	if te.item < 0 {
		return "feed title"
	}
	return fmt.Sprintf("item %d title", te.item)
}

func (te titleExpect) got(f *feeds.Feed) (string, bool) {
	if te.item < 0 {
		return f.Title, true
	}
	if te.item >= len(f.Items) {
		return "", false
	}
	return f.Items[te.item].Title, true
}

// fileExpect is what a suite says about one file.
type fileExpect struct {
	contentType string // HTTP Content-Type the suite serves the file with
	titles      []titleExpect
	charset     string
}

var (
	// feedparser: "Header: Content-type: text/xml; charset=..." in the leading comment.
	headerRE = regexp.MustCompile(`(?mi)^Header:\s*Content-type:\s*(.+?)\s*$`)
	// feedparser: "Expect: not bozo and entries[0]['title'] == 'x'".
	expectRE      = regexp.MustCompile(`(?m)^Expect:\s*(.*)$`)
	titleClauseRE = regexp.MustCompile(`(?:entries\[(\d+)\]|feed)(?:\['title'\]|\.title)\s*==\s*u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`)
	charsetRE     = regexp.MustCompile(`\bencoding\s*==\s*u?'([^']+)'`)
)

// expectations reads the suite's expectations for path: feedparser's
// comment header, or gofeed's sibling JSON.
func expectations(path string, body []byte) fileExpect {
	var e fileExpect
	head := body
	if len(head) > 4096 {
		head = head[:4096]
	}
	if m := headerRE.FindSubmatch(head); m != nil {
		e.contentType = string(m[1])
	}
	if m := expectRE.FindSubmatch(head); m != nil {
		expr := string(m[1])
		for _, tm := range titleClauseRE.FindAllStringSubmatch(expr, -1) {
			want, err := pyString(tm[2])
			if err != nil {
				continue
			}
			item := -1
			if tm[1] != "" {
				item, _ = strconv.Atoi(tm[1])
			}
			e.titles = append(e.titles, titleExpect{item: item, want: want})
		}
		if cm := charsetRE.FindStringSubmatch(expr); cm != nil {
			e.charset = cm[1]
		}
		return e
	}
	e.titles = gofeedTitles(path)
	return e
}

// gofeedTitles reads the title expectations of a gofeed translator file
// (X.xml with X.json, or X.json with X_expected.json): the universal feed's
// title and its first item's title. gofeed's parser/ expectations describe
// the raw RSS/Atom structs, not the universal feed, so they are skipped.
func gofeedTitles(path string) []titleExpect {
	if !strings.Contains(filepath.ToSlash(path), "/translator/") {
		return nil
	}
	stem := strings.TrimSuffix(path, filepath.Ext(path))
	exp := stem + ".json"
	if strings.HasSuffix(path, ".json") {
		exp = stem + "_expected.json"
	}
	b, err := os.ReadFile(exp)
	if err != nil {
		return nil
	}
	var want struct {
		Title *string `json:"title"`
		Items []struct {
			Title *string `json:"title"`
		} `json:"items"`
	}
	if json.Unmarshal(b, &want) != nil {
		return nil
	}
	var out []titleExpect
	if want.Title != nil {
		out = append(out, titleExpect{item: -1, want: *want.Title})
	}
	if len(want.Items) > 0 && want.Items[0].Title != nil {
		out = append(out, titleExpect{item: 0, want: *want.Items[0].Title})
	}
	return out
}

// pyString decodes a Python string literal in single or double quotes with
// the escapes feedparser's expectations use (\uXXXX, \xXX, \n, \\ ...).
// strconv.Unquote does not fit: it rejects single-quoted strings longer than
// one character.
func pyString(lit string) (string, error) {
	if len(lit) < 2 || (lit[0] != '\'' && lit[0] != '"') || lit[len(lit)-1] != lit[0] {
		return "", fmt.Errorf("not a Python string literal: %s", lit)
	}
	s := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", fmt.Errorf("dangling backslash in %s", lit)
		}
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\', '\'', '"':
			b.WriteByte(s[i])
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[i]]
			if i+n >= len(s) {
				return "", fmt.Errorf("short escape in %s", lit)
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", fmt.Errorf("bad escape in %s: %w", lit, err)
			}
			b.WriteRune(rune(v))
			i += n
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}
