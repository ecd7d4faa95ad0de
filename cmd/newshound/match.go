package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/watchlist"
)

// matchInput is what `newshound match` reads: exactly one of the fields.
type matchInput struct {
	text  string
	feed  string // file or http(s) URL
	jsonl string // file, "-" for standard input
	url   string // an article page, fetched and extracted as poll.fulltext does
	json  bool   // JSON output for --text and --feed
	stdin io.Reader
}

const matchUsage = `usage: newshound match [--config F] (--text T | --feed FILE_OR_URL | --url ARTICLE_URL | --jsonl FILE) [--json]

Shows which watches fire on the input and why; nothing is stored or sent.

  --text T        text to match
  --feed F        feed file or http(s) URL whose items to match
  --url U         article page to fetch, extract the main text of, and match
  --jsonl F       file of JSON objects, one per line ("title", "summary",
                  "content", "link", "categories"); "-" reads standard input.
                  One output line per input line, with its "line" number
  --json          print JSON lines instead of text
  ` + configFlagHelp

// cmdMatch implements `newshound match`: which watches fire on some input,
// and why, without storing or sending anything.
func cmdMatch(args []string, stdout, stderr io.Writer) int {
	a, code, ok := parseArgs("match", args, map[string]flagKind{"config": flagValue, "text": flagValue, "feed": flagValue, "jsonl": flagValue, "url": flagValue, "json": flagBool}, 0, 0, matchUsage, stdout, stderr)
	if !ok {
		return code
	}
	in := matchInput{text: a.one("text"), feed: a.one("feed"), jsonl: a.one("jsonl"), url: a.one("url"), json: a.on("json")}
	n := 0
	for _, s := range []string{in.text, in.feed, in.jsonl, in.url} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		fmt.Fprintln(stderr, "newshound: match: give exactly one of --text, --feed, --url or --jsonl")
		return exitInput
	}
	cfg, err := config.Load(config.ResolvePath(a.one("config")))
	if err != nil {
		var list config.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintln(stderr, e.Error())
			}
		} else {
			fmt.Fprintf(stderr, "newshound: match: %v\n", err)
		}
		return exitInput
	}
	in.stdin = os.Stdin
	return runMatch(cfg, in, stdout, stderr)
}

// matchResult is one output line of --jsonl (and, with more fields, of --json).
type matchResult struct {
	Title   string       `json:"title,omitempty"`
	Link    string       `json:"link,omitempty"`
	Watches []watchMatch `json:"watches"`
	Line    int          `json:"line,omitempty"` // --jsonl: the input line, from 1
	Error   string       `json:"error,omitempty"`
}

// watchMatch is one watch that fired.
type watchMatch struct {
	Name    string   `json:"name"`
	Terms   []string `json:"terms"`
	Snippet string   `json:"snippet,omitempty"`
}

// compileConfig compiles the config's watches as the daemon does (see
// watchlist.Compile; destinations are not this command's business). Problems
// are printed to stderr as file:line:col.
func compileConfig(cfg *config.Config, stderr io.Writer) (*watchlist.Set, bool) {
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	return set, true
}

// runMatch is the core of `newshound match` on a loaded config.
func runMatch(cfg *config.Config, in matchInput, stdout, stderr io.Writer) int {
	var docs []matcher.Doc
	var meta []matchResult
	keepTags := false
	switch {
	case in.jsonl != "":
		set, ok := compileConfig(cfg, stderr)
		if !ok {
			return exitInput
		}
		return matchJSONL(set, in, stdout, stderr)
	case in.text != "":
		docs = []matcher.Doc{watchlist.TextDoc(in.text)}
		meta = []matchResult{{}}
	case in.url != "":
		a, err := fetchArticle(cfg, in.url)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: match: %v\n", err)
			return exitRuntime
		}
		docs = []matcher.Doc{{Title: a.Title, Content: a.Text}}
		meta = []matchResult{{Title: a.Title, Link: in.url}}
	case in.feed != "":
		body, ctype, err := readFeed(in.feed)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: match: %v\n", err)
			if isURL(in.feed) {
				return exitRuntime // the network or the server failed
			}
			return exitInput // a file that is not there is a bad argument
		}
		url := ""
		if isURL(in.feed) {
			url = in.feed
		}
		f, err := feeds.Parse(body, ctype, url)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: match: %s: %v\n", in.feed, err)
			return exitInput
		}
		if f.CharsetUnsure {
			// Say so rather than let a watch silently miss garbled text.
			fmt.Fprintf(stderr, "newshound: match: %s: charset unsure (read as %s); the text may be garbled\n", in.feed, f.Charset)
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
			docs = append(docs, watchlist.ItemDoc(it, name, tags))
			meta = append(meta, matchResult{Title: it.Title, Link: it.Link})
		}
	}
	set, ok := compileConfig(cfg, stderr)
	if !ok {
		return exitInput
	}
	bw := bufio.NewWriter(stdout)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	fired := 0
	for i, d := range docs {
		hits := set.Match(d, nil, keepTags)
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
func matchJSONL(set *watchlist.Set, in matchInput, stdout, stderr io.Writer) int {
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
		res := matchResult{Line: line, Watches: []watchMatch{}}
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) > 0 {
			var it jsonlItem
			if err := json.Unmarshal(b, &it); err != nil {
				res.Error = fmt.Sprintf("line %d: %v", line, err)
				fmt.Fprintf(stderr, "newshound: match: %s: %s\n", in.jsonl, res.Error)
				code = exitInput
			} else {
				hits := set.Match(matcher.Doc{Title: it.Title, Summary: it.Summary, Content: it.Content, Categories: it.Categories}, nil, false)
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

// readFeed reads a feed from a file or fetches it from an http(s) URL with
// the feeds fetcher (its size and redirect limits, gzip, and error messages
// that keep credentials out). The address is trusted, as on the command
// line any feed is.
func readFeed(src string) (body []byte, contentType string, err error) {
	if !isURL(src) {
		b, err := os.ReadFile(src)
		if err != nil {
			return nil, "", err
		}
		return b, "", nil
	}
	f := feeds.NewFetcher(feeds.Options{UserAgent: "newshound/" + version})
	ctx, cancel := context.WithTimeout(context.Background(), feeds.DefaultTimeout)
	defer cancel()
	resp, err := f.Fetch(ctx, feeds.Request{URL: src, AllowPrivate: true})
	if err != nil {
		return nil, "", err
	}
	return resp.Body, resp.ContentType, nil
}

// isURL reports whether src names an http(s) URL rather than a file.
func isURL(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}
