package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/stories"
)

// storiesItem is one input line of `newshound stories --jsonl`.
type storiesItem struct {
	Title     string `json:"title"`
	Summary   string `json:"summary"`
	Link      string `json:"link"`
	Feed      string `json:"feed"`
	Published string `json:"published"` // RFC 3339 (or RFC 1123); empty when unknown
}

// storiesResult is one output line: the 0-based index of the earliest
// earlier line of the same story, or the line's own index.
type storiesResult struct {
	SameAs int    `json:"same_as"`
	Error  string `json:"error,omitempty"`
}

// cmdStories implements `newshound stories`: the same-story decision alone,
// as the daemon makes it, over items taken as arriving in file order.
const storiesUsage = `usage: newshound stories [--config F] --jsonl FILE

Prints {"same_as": K} per input line: K is the first earlier line reporting
the same story, or the line itself. Input: one JSON object per line with
"title", "summary", "link", "feed", "published"; "-" reads standard input.

  ` + configFlagHelp

func cmdStories(args []string, stdout, stderr io.Writer) int {
	a, code, ok := parseArgs("stories", args, map[string]flagKind{"config": flagValue, "jsonl": flagValue}, 0, 0, storiesUsage, stdout, stderr)
	if !ok {
		return code
	}
	cfgFlag, jsonlPath := a.one("config"), a.one("jsonl")
	if jsonlPath == "" {
		fmt.Fprintf(stderr, "newshound: stories: --jsonl FILE is required\n%s\n", storiesUsage)
		return exitInput
	}
	// The config is optional here: the decision needs only stories.window,
	// and without a config file the default window applies. An explicit
	// --config must load.
	opts := stories.Options{Window: stories.DefaultWindow}
	path := config.ResolvePath(cfgFlag)
	if _, err := os.Stat(path); err == nil || cfgFlag != "" {
		cfg, err := config.Load(path)
		if err != nil {
			var list config.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					fmt.Fprintln(stderr, e.Error())
				}
			} else {
				fmt.Fprintf(stderr, "newshound: stories: %v\n", err)
			}
			return exitInput
		}
		opts.Window = cfg.Stories.Window
	}
	var r io.Reader = os.Stdin
	if jsonlPath != "-" {
		f, err := os.Open(jsonlPath)
		if err != nil {
			fmt.Fprintf(stderr, "newshound: stories: %v\n", err)
			return exitInput
		}
		defer f.Close()
		r = f
	}
	return runStories(opts, jsonlPath, r, stdout, stderr)
}

// runStories writes one result line per input line. A line that is not an
// item gets its own index and an "error" naming its line number; the exit
// code is then exitInput, after all lines.
func runStories(opts stories.Options, name string, r io.Reader, stdout, stderr io.Writer) int {
	ix := stories.NewIndex(opts)
	first := map[uint64]int{} // story -> first line index
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	bw := bufio.NewWriter(stdout)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	code := exitOK
	for i := 0; sc.Scan(); i++ {
		res := storiesResult{SameAs: i}
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) > 0 {
			it, err := parseStoriesItem(b)
			if err != nil {
				res.Error = fmt.Sprintf("line %d: %v", i+1, err)
				fmt.Fprintf(stderr, "newshound: stories: %s: %s\n", name, res.Error)
				code = exitInput
			} else {
				d := ix.Add(it)
				if k, ok := first[d.Story]; ok {
					res.SameAs = k
				} else {
					first[d.Story] = i
				}
			}
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "newshound: stories: %v\n", err)
			return exitRuntime
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "newshound: stories: %s: %v\n", name, err)
		return exitInput
	}
	return code
}

// parseStoriesItem decodes one input line.
func parseStoriesItem(b []byte) (stories.Item, error) {
	var in storiesItem
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&in); err != nil {
		return stories.Item{}, err
	}
	if dec.More() {
		return stories.Item{}, errors.New("more than one JSON value")
	}
	it := stories.Item{Title: in.Title, Summary: in.Summary, Link: in.Link, Feed: in.Feed}
	if in.Published != "" {
		var err error
		for _, layout := range []string{time.RFC3339, time.RFC1123Z, time.RFC1123} {
			var t time.Time
			if t, err = time.Parse(layout, in.Published); err == nil {
				it.Published = t
				break
			}
		}
		if err != nil {
			return stories.Item{}, fmt.Errorf("published %q: want RFC 3339, e.g. 2024-05-01T09:00:00Z", in.Published)
		}
	}
	return it, nil
}
