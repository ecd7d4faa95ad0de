package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/watchlist"
)

// fakeActionRow is a message component row as Discord reads it.
type fakeActionRow struct {
	Type       int          `json:"type"`
	Components []fakeButton `json:"components"`
}

type fakeButton struct {
	Type     int    `json:"type"`
	Style    int    `json:"style"`
	Label    string `json:"label"`
	CustomID string `json:"custom_id"`
	Disabled bool   `json:"disabled"`
}

// checkComponents applies Discord's rules for message components: at most
// five action rows (type 1) of at most five buttons (type 2), each with a
// label of at most 80 characters and a custom_id of 1 to 100.
func checkComponents(rows []fakeActionRow) error {
	if len(rows) > 5 {
		return errors.New("too many rows")
	}
	for _, r := range rows {
		if r.Type != 1 || len(r.Components) == 0 || len(r.Components) > 5 {
			return errors.New("bad action row")
		}
		for _, b := range r.Components {
			switch {
			case b.Type != 2:
				return errors.New("not a button")
			case b.Style < 1 || b.Style > 4:
				return errors.New("bad style")
			case len([]rune(b.Label)) > 80:
				return errors.New("label too long")
			case b.CustomID == "" || len(b.CustomID) > 100:
				return errors.New("bad custom_id")
			}
		}
	}
	return nil
}

func componentPayload(id, token, guild, channel, userID, perms, customID string, components any) map[string]any {
	return map[string]any{
		"id": id, "application_id": testAppID, "type": 3, "token": token,
		"channel_id": channel, "guild_id": guild, "version": 1, "locale": "en-US", "context": 0,
		"member":  map[string]any{"user": map[string]any{"id": userID, "username": "user" + userID[len(userID)-2:]}, "permissions": perms, "roles": []string{}},
		"data":    map[string]any{"custom_id": customID, "component_type": 2},
		"message": map[string]any{"id": "880000000000000001", "channel_id": channel, "content": "", "components": components},
	}
}

// callbackBody waits for the interaction's response and decodes it.
func callbackBody(t *testing.T, id, token string) (typ int, flags int, content string, rows []fakeActionRow) {
	t.Helper()
	rec := fake.waitFor(t, "POST", "/api/v10/interactions/"+id+"/"+token+"/callback", 1)
	var resp struct {
		Type int `json:"type"`
		Data struct {
			Content    string          `json:"content"`
			Flags      int             `json:"flags"`
			Components []fakeActionRow `json:"components"`
			Embeds     json.RawMessage `json:"embeds"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec[0].Body, &resp); err != nil {
		t.Fatalf("callback body %s: %v", rec[0].Body, err)
	}
	if resp.Data.Embeds != nil {
		t.Errorf("button response sends embeds %s; an update would replace the alert's", resp.Data.Embeds)
	}
	return resp.Type, resp.Data.Flags, resp.Data.Content, resp.Data.Components
}

func TestAlertButtonsThroughDiscord(t *testing.T) {
	const (
		guild   = "600000000000000077"
		channel = "610000000000000077"
		member  = "800000000000000071"
		manager = "800000000000000072"
	)
	ctx := context.Background()
	dest := model.Destination("discord:" + channel)
	cfg, err := config.Parse([]byte(`
watches:
  - name: kyiv
    query: Kyiv
  - name: odesa
    query: Odesa
`), "buttons.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "nh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, w := range []string{"kyiv", "odesa"} {
		if _, err := db.AddSubscription(ctx, model.Subscription{Chat: dest, Watch: w}); err != nil {
			t.Fatal(err)
		}
	}
	// queue records a story for the channel raised by watch and returns its
	// outbox row (state and the alert as the dispatcher hands it over).
	n := 0
	queue := func(title, watch string) model.OutboxRow {
		t.Helper()
		n++
		key := fmt.Sprintf("k%d", n)
		a := model.Alert{Destination: dest, Title: title, Link: "https://wire.example/" + key, Watches: []model.WatchMatch{{Name: watch, Terms: []string{watch}}}}
		if _, err := db.Ingest(ctx, model.FeedState{URL: "https://wire.example/rss"}, []string{key},
			[]model.NewItem{{Key: key, Published: time.Now(), Alerts: []model.Alert{a}}}); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{"", model.StateSent} {
			rows, _ := db.ListOutbox(ctx, st, dest, 100)
			for _, r := range rows {
				if r.Alert.Title == title {
					return r
				}
			}
		}
		t.Fatalf("%s not queued", title)
		return model.OutboxRow{}
	}

	d, _ := newTest(t, Options{Token: testToken, Guilds: []string{guild}}, "btok1", "btok2")
	stop := startRun(t, d, bot.New(bot.Deps{Store: db, Watchlist: set}))
	fake.waitFor(t, "PUT", "/api/v10/applications/"+testAppID+"/guilds/"+guild+"/commands", 1)

	// The alert goes out with an action row of two buttons.
	row := queue("Kyiv metro reopens", "kyiv")
	if err := d.Send(ctx, row.Alert); err != nil {
		t.Fatal(err)
	}
	posts := fake.requests("POST", "/api/v10/channels/"+channel+"/messages")
	var msg struct {
		Components []fakeActionRow `json:"components"`
	}
	if len(posts) != 1 || json.Unmarshal(posts[0].Body, &msg) != nil || len(msg.Components) != 1 || len(msg.Components[0].Components) != 2 {
		t.Fatalf("alert message %s, want one action row of two buttons", posts[0].Body)
	}
	components := msg.Components
	mute := components[0].Components[0].CustomID

	// A member without Manage Channels: an ephemeral refusal, nothing changed.
	fake.dispatch(t, "INTERACTION_CREATE", componentPayload("700000000000000071", "btok1", guild, channel, member, "0", mute, components))
	typ, flags, content, _ := callbackBody(t, "700000000000000071", "btok1")
	if typ != 4 || flags != 64 || !strings.Contains(content, "only its administrators") {
		t.Errorf("member's press answered type %d flags %d %q, want an ephemeral refusal (4, 64)", typ, flags, content)
	}
	if m, _ := db.WatchMutes(ctx, dest); len(m) != 0 {
		t.Errorf("refused press muted %+v", m)
	}

	// A member with Manage Channels (16): the message is updated in place,
	// the mute button disabled and saying what was done.
	fake.dispatch(t, "INTERACTION_CREATE", componentPayload("700000000000000072", "btok2", guild, channel, manager, "16", mute, components))
	typ, _, _, rows := callbackBody(t, "700000000000000072", "btok2")
	if typ != 7 || len(rows) != 1 || len(rows[0].Components) != 2 {
		t.Fatalf("manager's press answered type %d with %+v, want UPDATE_MESSAGE (7) keeping both buttons", typ, rows)
	}
	if b := rows[0].Components[0]; !b.Disabled || !strings.Contains(b.Label, "kyiv muted 24 h by user72") || b.CustomID != bot.DoneToken {
		t.Errorf("pressed button became %+v, want it disabled with the done line", b)
	}
	if rows[0].Components[1] != components[0].Components[1] {
		t.Errorf("the other button changed: %+v", rows[0].Components[1])
	}
	follow := fake.waitFor(t, "POST", "/api/v10/webhooks/"+testAppID+"/btok2", 1)
	if !strings.Contains(string(follow[0].Body), "Muted kyiv") || !strings.Contains(string(follow[0].Body), `"flags":64`) {
		t.Errorf("follow-up %s, want the details for the presser alone", follow[0].Body)
	}
	if m, _ := db.WatchMutes(ctx, dest); len(m) != 1 || m[0].Watch != "kyiv" {
		t.Errorf("watch mutes = %+v, want kyiv", m)
	}
	// The next kyiv story is skipped; odesa still alerts.
	if r := queue("Kyiv bridge closed", "kyiv"); r.State != model.StateSent || !strings.Contains(r.LastError, "muted") {
		t.Errorf("next kyiv story: %s %q, want skipped", r.State, r.LastError)
	}
	if r := queue("Odesa port reopens", "odesa"); r.State != model.StatePending {
		t.Errorf("odesa story: %s, want pending", r.State)
	}
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestNoButtonsOnDigests(t *testing.T) {
	a := sampleAlert("discord:610000000000000078")
	if c := alertComponents(a); len(c) != 1 {
		t.Errorf("story alert components = %+v, want one row", c)
	}
	a.Digest = []model.DigestGroup{{Watch: "apt29"}}
	if c := alertComponents(a); c != nil {
		t.Errorf("digest components = %+v, want none", c)
	}
}
