package notify

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/newshound/newshound/model"
)

// Console prints alerts to a writer (standard output for the "console"
// destination), one readable paragraph each.
type Console struct {
	mu sync.Mutex
	w  io.Writer
}

// NewConsole returns a Console writing to w.
func NewConsole(w io.Writer) *Console { return &Console{w: w} }

// Send writes a as a paragraph followed by a blank line.
func (c *Console) Send(_ context.Context, a model.Alert) error {
	text := FormatText(a)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.w, text+"\n\n"); err != nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}

// FormatText renders an alert as plain text: title, feed and time, link,
// the watches with their matched terms, then the snippet.
func FormatText(a model.Alert) string {
	var b strings.Builder
	if len(a.Digest) > 0 {
		return formatDigestText(a)
	}
	b.WriteString(oneLine(a.Title))
	b.WriteString("\n  ")
	b.WriteString(oneLine(a.Feed))
	if !a.Published.IsZero() {
		b.WriteString(" · ")
		b.WriteString(a.Published.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if a.Link != "" {
		b.WriteString("\n  ")
		b.WriteString(oneLine(a.Link))
	}
	for _, w := range a.Watches {
		b.WriteString("\n  matched ")
		b.WriteString(oneLine(w.Name))
		if len(w.Terms) > 0 {
			b.WriteString(": ")
			b.WriteString(oneLine(strings.Join(w.Terms, "; ")))
		}
	}
	if a.Snippet != "" {
		b.WriteString("\n  ")
		if a.FromArticle {
			b.WriteString(model.ArticleLabel + " ")
		}
		b.WriteString(oneLine(a.Snippet))
	}
	return b.String()
}

// formatDigestText renders a digest: its title, then per watch one line
// per story with its outlet and link.
func formatDigestText(a model.Alert) string {
	var b strings.Builder
	b.WriteString(oneLine(a.Title))
	for _, g := range a.Digest {
		b.WriteString("\n  ")
		if g.Watch != "" {
			b.WriteString(oneLine(g.Watch))
		} else {
			b.WriteString("(no watch)")
		}
		for _, s := range g.Stories {
			b.WriteString("\n    • ")
			b.WriteString(oneLine(s.Title))
			if s.Feed != "" {
				b.WriteString(" — ")
				b.WriteString(oneLine(s.Feed))
			}
			if s.Link != "" {
				b.WriteString("\n      ")
				b.WriteString(oneLine(s.Link))
			}
		}
	}
	return b.String()
}

// oneLine folds every run of whitespace (newlines included) into one space,
// so a hostile title cannot forge extra alert lines.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

var _ Sender = (*Console)(nil)
