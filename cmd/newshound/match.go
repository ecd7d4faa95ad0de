package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
)

// matchInput is what `newshound match` reads: exactly one of the fields.
type matchInput struct {
	text  string
	feed  string // file or http(s) URL
	jsonl string // file, "-" for standard input
	json  bool   // JSON output for --text and --feed
	stdin io.Reader
}

// cmdMatch implements `newshound match`: which watches fire on some input,
// and why, without storing or sending anything.
func cmdMatch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default ./config.yaml, then $NEWSHOUND_CONFIG)")
	var in matchInput
	fs.StringVar(&in.text, "text", "", "text to match")
	fs.StringVar(&in.feed, "feed", "", "feed file or URL whose items to match")
	fs.StringVar(&in.jsonl, "jsonl", "", `file of JSON objects, one per line ("title", "summary", "content", "link", "categories"); "-" reads standard input`)
	fs.BoolVar(&in.json, "json", false, "print JSON lines instead of text")
	if err := fs.Parse(args); err != nil {
		return exitInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "newshound: match: unexpected argument %q\n", fs.Arg(0))
		return exitInput
	}
	n := 0
	for _, s := range []string{in.text, in.feed, in.jsonl} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		fmt.Fprintln(stderr, "newshound: match: give exactly one of --text, --feed or --jsonl")
		return exitInput
	}
	path, err := configPath(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: match: %v\n", err)
		return exitInput
	}
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: match: %v\n", err)
		return exitInput
	}
	in.stdin = os.Stdin
	return runMatch(cfg, in, stdout, stderr)
}

// configPath picks the config file: the flag, else ./config.yaml if it
// exists, else $NEWSHOUND_CONFIG.
func configPath(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if _, err := os.Stat("config.yaml"); err == nil {
		return "config.yaml", nil
	}
	if env := os.Getenv("NEWSHOUND_CONFIG"); env != "" {
		return env, nil
	}
	return "", errors.New("no config: ./config.yaml does not exist and $NEWSHOUND_CONFIG is not set (use --config)")
}

// loadConfig reads the parts of the config that match needs.
//
// TODO(matcher): switch to config.Load once it lands on main; this reads
// only watches, entities, alias_files and feeds.
func loadConfig(path string) (*config.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var raw struct {
		Feeds []struct {
			URL  string   `yaml:"url"`
			Name string   `yaml:"name"`
			Tags []string `yaml:"tags"`
		} `yaml:"feeds"`
		Entities   map[string][]string `yaml:"entities"`
		AliasFiles []string            `yaml:"alias_files"`
		Watches    []struct {
			Name  string   `yaml:"name"`
			Query string   `yaml:"query"`
			Tags  []string `yaml:"tags"`
		} `yaml:"watches"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cfg := &config.Config{Path: path, Entities: raw.Entities, AliasFiles: raw.AliasFiles}
	for _, f := range raw.Feeds {
		cfg.Feeds = append(cfg.Feeds, config.Feed{URL: f.URL, Name: f.Name, Tags: f.Tags})
	}
	for _, w := range raw.Watches {
		cfg.Watches = append(cfg.Watches, config.Watch{Name: w.Name, Query: w.Query, Tags: w.Tags})
	}
	return cfg, nil
}

// matchResult is one output line of --jsonl (and, with more fields, of --json).
type matchResult struct {
	Title   string       `json:"title,omitempty"`
	Link    string       `json:"link,omitempty"`
	Watches []watchMatch `json:"watches"`
	Error   string       `json:"error,omitempty"`
}

// watchMatch is one watch that fired.
type watchMatch struct {
	Name    string   `json:"name"`
	Terms   []string `json:"terms"`
	Snippet string   `json:"snippet,omitempty"`
}

// compileConfig builds the registry and compiles the config's watches. With
// keepTags false the watches' feed tags are dropped (inputs without a feed).
func compileConfig(cfg *config.Config, keepTags bool) (*matcher.Compiled, error) {
	base := ""
	if cfg.Path != "" {
		base = filepath.Dir(cfg.Path)
	}
	reg, err := matcher.BuildRegistry(cfg.Entities, cfg.AliasFiles, base)
	if err != nil {
		return nil, err
	}
	ws := make([]matcher.Watch, len(cfg.Watches))
	for i, w := range cfg.Watches {
		ws[i] = matcher.Watch{Name: w.Name, Query: w.Query}
		if keepTags {
			ws[i].Tags = w.Tags
		}
	}
	return matcher.Compile(ws, reg, matcher.CompileOptions{AllowRegex: true})
}

// runMatch is the core of `newshound match` on a loaded config.
func runMatch(cfg *config.Config, in matchInput, stdout, stderr io.Writer) int {
	var docs []matcher.Doc
	var meta []matchResult
	keepTags := false
	switch {
	case in.jsonl != "":
		c, err := compileConfig(cfg, false)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: match: %v\n", err)
			return exitInput
		}
		return matchJSONL(c, in, stdout, stderr)
	case in.text != "":
		docs = []matcher.Doc{{Title: in.text}}
		meta = []matchResult{{}}
	case in.feed != "":
		body, ctype, err := readFeed(in.feed)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: match: %v\n", err)
			return exitRuntime
		}
		f, err := parseFeed(body, ctype)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: match: %s: %v\n", in.feed, err)
			return exitInput
		}
		name, tags := f.Title, []string(nil)
		for _, cf := range cfg.Feeds {
			if cf.URL == in.feed {
				keepTags = true
				tags = cf.Tags
				if cf.Name != "" {
					name = cf.Name
				}
			}
		}
		for _, it := range f.Items {
			docs = append(docs, matcher.Doc{Title: it.title, Summary: it.summary, Content: it.content, Categories: it.categories, Feed: name, FeedTags: tags})
			meta = append(meta, matchResult{Title: it.title, Link: it.link})
		}
	}
	c, err := compileConfig(cfg, keepTags)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: match: %v\n", err)
		return exitInput
	}
	bw := bufio.NewWriter(stdout)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	fired := 0
	for i, d := range docs {
		hits := c.Match(d)
		if len(hits) > 0 {
			fired++
		}
		res := meta[i]
		res.Watches = toWatchMatches(hits, true)
		if in.json {
			if err := enc.Encode(res); err != nil {
				fmt.Fprintf(stderr, "newshound: match: %v\n", err)
				return exitRuntime
			}
			continue
		}
		if in.feed != "" {
			fmt.Fprintf(bw, "%s\n", oneLine(res.Title))
			if res.Link != "" {
				fmt.Fprintf(bw, "  %s\n", res.Link)
			}
		}
		if len(hits) == 0 {
			fmt.Fprintln(bw, "  no watch matched")
			continue
		}
		for _, w := range res.Watches {
			fmt.Fprintf(bw, "  %s: %s\n", w.Name, strings.Join(w.Terms, "; "))
			if w.Snippet != "" {
				fmt.Fprintf(bw, "    %s\n", w.Snippet)
			}
		}
	}
	if !in.json && in.feed != "" {
		fmt.Fprintf(bw, "%d of %d items matched\n", fired, len(docs))
	}
	return exitOK
}

// toWatchMatches converts hits for output.
func toWatchMatches(hits []matcher.Hit, snippets bool) []watchMatch {
	out := make([]watchMatch, 0, len(hits))
	for _, h := range hits {
		w := watchMatch{Name: h.Watch, Terms: make([]string, 0, len(h.Terms))}
		for _, t := range h.Terms {
			w.Terms = append(w.Terms, t.String())
		}
		if snippets {
			w.Snippet = h.Snippet
		}
		out = append(out, w)
	}
	return out
}

// jsonlItem is one input line of --jsonl.
type jsonlItem struct {
	Title      string   `json:"title"`
	Summary    string   `json:"summary"`
	Content    string   `json:"content"`
	Link       string   `json:"link"`
	Categories []string `json:"categories"`
}

// matchJSONL writes one {"watches":[...]} line per input line, in order.
// A line that is not a JSON object gets an "error" field; the exit code is
// then exitInput, after all lines.
func matchJSONL(c *matcher.Compiled, in matchInput, stdout, stderr io.Writer) int {
	var r io.Reader
	if in.jsonl == "-" {
		r = in.stdin
	} else {
		f, err := os.Open(in.jsonl)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: match: %v\n", err)
			return exitInput
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	bw := bufio.NewWriter(stdout)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	code := exitOK
	line := 0
	for sc.Scan() {
		line++
		res := matchResult{Watches: []watchMatch{}}
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) > 0 {
			var it jsonlItem
			if err := json.Unmarshal(b, &it); err != nil {
				res.Error = fmt.Sprintf("line %d: %v", line, err)
				fmt.Fprintf(stderr, "newshound: match: %s: %s\n", in.jsonl, res.Error)
				code = exitInput
			} else {
				hits := c.Match(matcher.Doc{Title: it.Title, Summary: it.Summary, Content: it.Content, Categories: it.Categories})
				res.Watches = toWatchMatches(hits, false)
			}
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "newshound: match: %v\n", err)
			return exitRuntime
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "newshound: match: %s: %v\n", in.jsonl, err)
		return exitInput
	}
	return code
}

// maxFeedBytes bounds a feed read by match.
const maxFeedBytes = 10 << 20

// readFeed reads a feed from a file or an http(s) URL.
func readFeed(src string) (body []byte, contentType string, err error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		b, err := os.ReadFile(src)
		if err != nil {
			return nil, "", err
		}
		return b, "", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", src, err)
	}
	req.Header.Set("User-Agent", "newshound/"+version)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("fetch %s: HTTP %s", src, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxFeedBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", src, err)
	}
	if len(b) > maxFeedBytes {
		return nil, "", fmt.Errorf("fetch %s: feed larger than %d bytes", src, maxFeedBytes)
	}
	return b, resp.Header.Get("Content-Type"), nil
}

// parsedFeed is the little of a feed that match needs.
type parsedFeed struct {
	Title string
	Items []parsedItem
}

type parsedItem struct {
	title, summary, content, link string
	categories                    []string
}

// parseFeed parses RSS, Atom or JSON Feed into plain text items.
//
// TODO(matcher): use feeds.Parse once it lands on main.
func parseFeed(body []byte, _ string) (*parsedFeed, error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out := &parsedFeed{Title: oneLine(f.Title)}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		out.Items = append(out.Items, parsedItem{
			title:      oneLine(htmlText(it.Title)),
			summary:    htmlText(it.Description),
			content:    htmlText(it.Content),
			link:       strings.TrimSpace(it.Link),
			categories: it.Categories,
		})
	}
	return out, nil
}

// htmlText returns the text of an HTML fragment.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr":
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "p", "div", "li", "h1", "h2", "h3", "h4", "tr":
				b.WriteByte(' ')
			}
		}
	}
}
