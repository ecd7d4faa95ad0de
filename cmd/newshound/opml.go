package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds/opml"
	"github.com/newshound/newshound/model"
)

// feedImport adds the feeds of an OPML file to the config in one edit.
// Every outline is checked first and every problem reported with its line;
// one invalid URL imports nothing, so a user fixes the file and runs the
// same command again instead of untangling half an import. Feeds already in
// the config are skipped and a feed listed in several folders is added
// once with all their tags: both are normal in real exports.
func feedImport(path, file string, stdout, stderr io.Writer) int {
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: feed import: %v\n", err)
		return exitInput
	}
	outlines, err := opml.Parse(f)
	f.Close()
	if err != nil {
		var se *opml.SyntaxError
		if errors.As(err, &se) && se.Line > 0 {
			fmt.Fprintf(stderr, "%s:%d: %s\nnewshound: feed import: nothing imported\n", file, se.Line, se.Msg)
		} else {
			fmt.Fprintf(stderr, "newshound: feed import: %s: %v\n", file, err)
		}
		return exitInput
	}
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: feed import: %v\n", err)
		return exitInput
	}
	inConfig := map[string]int{}
	for _, cf := range cfg.Feeds {
		inConfig[model.FeedKey(cf.URL)] = cf.Pos.Line
	}
	var (
		batch    []config.Feed
		batchAt  = map[string]int{} // key -> index in batch
		lineOf   = map[string]int{} // key -> OPML line of its first outline
		problems int
		skipped  int
	)
	for _, o := range outlines {
		if err := config.CheckFeedURL(o.URL); err != nil {
			fmt.Fprintf(stderr, "%s:%d: feed %v\n", file, o.Line, err)
			problems++
			continue
		}
		key := model.FeedKey(o.URL)
		if line, ok := inConfig[key]; ok {
			fmt.Fprintf(stdout, "%s:%d: %s is already in %s (line %d); skipped\n", file, o.Line, o.URL, path, line)
			skipped++
			continue
		}
		if i, ok := batchAt[key]; ok {
			fmt.Fprintf(stdout, "%s:%d: %s is listed again (first at line %d); tags merged\n", file, o.Line, o.URL, lineOf[key])
			for _, t := range o.Tags {
				if !slices.Contains(batch[i].Tags, t) {
					batch[i].Tags = append(batch[i].Tags, t)
				}
			}
			skipped++
			continue
		}
		batchAt[key], lineOf[key] = len(batch), o.Line
		batch = append(batch, config.Feed{URL: o.URL, Name: o.Title, Tags: o.Tags})
	}
	if problems > 0 {
		fmt.Fprintf(stderr, "newshound: feed import: %d problem(s) in %s; nothing imported\n", problems, file)
		return exitInput
	}
	if len(batch) == 0 {
		fmt.Fprintf(stdout, "nothing to import from %s (%d feed(s) already there)\n", file, skipped)
		return exitOK
	}
	err = config.EditFile(path, func(b []byte) ([]byte, error) { return config.AddFeeds(b, batch) }, nil)
	return editExit(err, "feed import", stdout, stderr, fmt.Sprintf("imported %d feed(s) from %s into %s", len(batch), file, path))
}

// feedExport writes every feed, the config's and the chat-added ones in the
// store, as OPML on stdout.
func feedExport(path string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: feed export: %v\n", err)
		return exitInput
	}
	var outlines []opml.Outline
	seen := map[string]bool{}
	for _, f := range cfg.Feeds {
		outlines = append(outlines, opml.Outline{URL: f.URL, Title: f.Name, Tags: f.Tags})
		seen[model.FeedKey(f.URL)] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	chat, err := chatFeeds(ctx, cfg)
	if err != nil && !errors.Is(err, errNoStore) {
		fmt.Fprintf(stderr, "newshound: feed export: chat-added feeds unavailable: %v\n", err)
		return exitRuntime
	}
	for _, f := range chat {
		if !seen[model.FeedKey(f.URL)] {
			outlines = append(outlines, opml.Outline{URL: f.URL, Tags: f.Tags})
		}
	}
	if err := opml.Write(stdout, "Newshound feeds", time.Now(), outlines); err != nil {
		fmt.Fprintf(stderr, "newshound: feed export: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// chatFeeds reads the feeds added from chat in the configured store
// (errNoStore when there is none yet).
func chatFeeds(ctx context.Context, cfg *config.Config) ([]model.ChatFeed, error) {
	db, err := openExistingStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.ChatFeeds(ctx)
}
