package telegram

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

func digestAlert(dest string, stories int) model.Alert {
	a := model.Alert{ID: 9, Destination: model.Destination(dest), Title: "Digest <for> you & yours", Part: 1, Parts: 1}
	for g, watch := range []string{"apt29", "kyiv <b>"} {
		grp := model.DigestGroup{Watch: watch}
		for i := range stories {
			grp.Stories = append(grp.Stories, model.DigestStory{
				Title: fmt.Sprintf("Story %d.%d <i>&amp; 🦊", g, i), Link: fmt.Sprintf("https://wire.example/%d/%d?a=1&b=2", g, i),
				Feed: "Wire & Co", Published: time.Date(2026, 11, 1, 8, i%60, 0, 0, time.UTC),
			})
		}
		a.Digest = append(a.Digest, grp)
	}
	return a
}

// TestSendDigestHTML sends digests through the fake, whose HTML parser is
// Telegram's strict one: feed text stays text, every story is a link with
// its outlet, and a digest too long for one message is cut at a story.
func TestSendDigestHTML(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stories int
		cut     bool
	}{
		{"short", 2, false},
		{"over the limit", 400, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			b := f.newBot(t, Options{})
			a := digestAlert("telegram:-1001234567890", tc.stories)
			if err := b.Send(context.Background(), a); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sent := f.Sent()
			if len(sent) != 1 {
				t.Fatalf("sent %d messages, want 1", len(sent))
			}
			m := sent[0]
			if m.ParseMode != "HTML" || m.VisibleLen > MaxMessageLen || len(m.Keyboard) != 0 {
				t.Errorf("parse mode %q, %d characters, keyboard %v; want HTML within the limit and no buttons", m.ParseMode, m.VisibleLen, m.Keyboard)
			}
			lines := strings.Split(m.Visible, "\n")
			if lines[0] != "Digest <for> you & yours" {
				t.Errorf("first line %q, want the title as text", lines[0])
			}
			if !strings.Contains(m.Visible, "🔎 apt29") || !strings.Contains(m.Visible, "• Story 0.0 <i>&amp; 🦊 — Wire & Co") {
				t.Errorf("visible text lacks the watch heading or the first story as text:\n%s", m.Visible[:min(len(m.Visible), 400)])
			}
			links, bold := 0, map[string]bool{}
			for _, e := range m.Entities {
				switch e.Type {
				case "a":
					links++
					if !strings.HasPrefix(e.Href, "https://wire.example/") || !strings.Contains(e.Href, "&b=2") {
						t.Errorf("link %q lost its address", e.Href)
					}
				case "b":
					bold[e.Text] = true
				}
			}
			if !bold["Digest <for> you & yours"] || !bold["apt29"] {
				t.Errorf("bold entities %v, want the title and the watch", bold)
			}
			total := 2 * tc.stories
			if tc.cut != (links < total) || links == 0 {
				t.Errorf("%d of %d stories linked; cut expected: %v", links, total, tc.cut)
			}
			if strings.Count(m.Visible, "•") != links {
				t.Errorf("%d story lines but %d links: a story was cut mid-line", strings.Count(m.Visible, "•"), links)
			}
		})
	}
}

// TestSendSilent: quiet hours in silent mode reach Telegram as
// disable_notification, and nothing else does.
func TestSendSilent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		alert  model.Alert
		silent bool
	}{
		{"story", sampleAlert(), false},
		{"silent story", func() model.Alert { a := sampleAlert(); a.Silent = true; return a }(), true},
		{"silent digest", func() model.Alert { a := digestAlert("telegram:-1001234567890", 1); a.Silent = true; return a }(), true},
		{"digest", digestAlert("telegram:-1001234567890", 1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			b := f.newBot(t, Options{})
			if err := b.Send(context.Background(), tc.alert); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if sent := f.Sent(); len(sent) != 1 || sent[0].Silent != tc.silent {
				t.Errorf("sent %+v, want one message with disable_notification %v", sent, tc.silent)
			}
		})
	}
}

// TestDigestPartsKeepEveryStory: parts as notify.BuildDigest splits them
// render every story: the limit is on the text the reader sees, not on
// the HTML, whose markup (about 30 characters a story beside the link)
// made full parts of short stories overflow and lose their last lines.
func TestDigestPartsKeepEveryStory(t *testing.T) {
	now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	var held []model.Alert
	for i := range 200 {
		held = append(held, model.Alert{ID: int64(i + 1), Title: fmt.Sprintf("Story number %03d", i),
			Link: fmt.Sprintf("https://n.example/%d", i), Feed: "Wire",
			Published: now.Add(-time.Duration(i) * time.Minute), Watches: []model.WatchMatch{{Name: "w"}}})
	}
	parts := notify.BuildDigest(held, notify.DigestBudget, now)
	var all strings.Builder
	for _, p := range parts {
		all.WriteString(renderDigest(p, MaxMessageLen))
	}
	for i := range 200 {
		if !strings.Contains(all.String(), fmt.Sprintf("Story number %03d<", i)) {
			t.Errorf("story %d is missing from the %d rendered parts", i, len(parts))
		}
	}
}
