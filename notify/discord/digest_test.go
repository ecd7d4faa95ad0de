package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

func digestAlert(dest string, stories int) model.Alert {
	a := model.Alert{ID: 9, Destination: model.Destination(dest), Title: "Digest for @everyone", Part: 1, Parts: 1,
		Published: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	for g, watch := range []string{"apt29", "kyiv_*x*"} {
		grp := model.DigestGroup{Watch: watch}
		for i := range stories {
			grp.Stories = append(grp.Stories, model.DigestStory{
				Title: fmt.Sprintf("Story %d.%d **loud** <@1>", g, i), Link: fmt.Sprintf("https://wire.example/%d/%d", g, i), Feed: "Wire_Co",
			})
		}
		a.Digest = append(a.Digest, grp)
	}
	return a
}

// sentMessage is the part of a channel message the digest tests read.
type sentMessage struct {
	Embeds []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Timestamp   string `json:"timestamp"`
	} `json:"embeds"`
	Flags      int               `json:"flags"`
	Components []json.RawMessage `json:"components"`
}

// TestSendDigestEmbed sends digests to a channel of the fake: one embed,
// the watches as bold headings, each story a masked link with its outlet,
// feed text escaped, within Discord's embed limits even when long.
func TestSendDigestEmbed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		channel string
		stories int
		cut     bool
	}{
		{"short", "610000000000000081", 2, false},
		{"over the limit", "610000000000000082", 300, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := newTest(t, Options{Token: testToken})
			if err := d.Send(context.Background(), digestAlert("discord:"+tc.channel, tc.stories)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			posts := fake.requests("POST", "/api/v10/channels/"+tc.channel+"/messages")
			var m sentMessage
			if len(posts) != 1 || json.Unmarshal(posts[0].Body, &m) != nil || len(m.Embeds) != 1 {
				t.Fatalf("posts %v, want one message with one embed", posts)
			}
			e := m.Embeds[0]
			if e.Title != Escape("Digest for @everyone", MaxTitle) || strings.Contains(e.Title, "@everyone") {
				t.Errorf("title %q, want the digest title with the mention neutralised", e.Title)
			}
			if e.Timestamp == "" || len(m.Components) != 0 || m.Flags != 0 {
				t.Errorf("timestamp %q, components %v, flags %d; want a timestamp, no buttons, no flags", e.Timestamp, m.Components, m.Flags)
			}
			if n := runeLen(e.Description); n > MaxDescription || n+runeLen(e.Title) > MaxEmbedTotal {
				t.Errorf("description of %d characters is over Discord's limits", n)
			}
			if !strings.HasPrefix(e.Description, "**apt29**\n• [Story 0.0 \\*\\*loud\\*\\*") || !strings.Contains(e.Description, "](https://wire.example/0/0) — *Wire\\_Co*") {
				t.Errorf("description does not start with the watch and its first story, escaped:\n%.300s", e.Description)
			}
			if strings.Contains(e.Description, "<@1>") {
				t.Errorf("a user mention survived in the description")
			}
			lines := strings.Count(e.Description, "\n• [")
			if total := 2 * tc.stories; tc.cut != (lines < total) {
				t.Errorf("%d of %d stories shown; cut expected: %v", lines, total, tc.cut)
			}
		})
	}
}

// TestSendSilentFlag: quiet hours in silent mode reach Discord as the
// SUPPRESS_NOTIFICATIONS flag (1<<12), on stories and digests alike.
func TestSendSilentFlag(t *testing.T) {
	for _, tc := range []struct {
		name    string
		channel string
		alert   model.Alert
		silent  bool
	}{
		{"story", "610000000000000083", sampleAlert("discord:610000000000000083"), false},
		{"silent story", "610000000000000084", func() model.Alert { a := sampleAlert("discord:610000000000000084"); a.Silent = true; return a }(), true},
		{"silent digest", "610000000000000085", func() model.Alert { a := digestAlert("discord:610000000000000085", 1); a.Silent = true; return a }(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := newTest(t, Options{Token: testToken})
			if err := d.Send(context.Background(), tc.alert); err != nil {
				t.Fatalf("Send: %v", err)
			}
			posts := fake.requests("POST", "/api/v10/channels/"+tc.channel+"/messages")
			var m sentMessage
			if len(posts) != 1 || json.Unmarshal(posts[0].Body, &m) != nil {
				t.Fatalf("posts %v", posts)
			}
			if got := m.Flags&(1<<12) != 0; got != tc.silent || m.Flags&^(1<<12) != 0 {
				t.Errorf("flags %d, want SUPPRESS_NOTIFICATIONS %v and nothing else", m.Flags, tc.silent)
			}
		})
	}
}
