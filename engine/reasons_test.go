package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/discord"
	"github.com/newshound/newshound/notify/telegram"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
	"github.com/newshound/newshound/notify/webhook"
	"github.com/newshound/newshound/store/sqlite"
)

// bodyRecorder is a loopback HTTP receiver that keeps every request body.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies [][]byte
	srv    *httptest.Server
}

func newBodyRecorder(t *testing.T, reply string) *bodyRecorder {
	r := &bodyRecorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, reply)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *bodyRecorder) all() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

// TestAlertNamesTheAliasSeenOnEveryRenderer runs a story whose title says
// APT29 and whose summary says Cozy Bear through the engine, the outbox and
// each platform's real sender (against loopback fakes): every alert must
// name the alias its snippet marks, `APT29, as "Cozy Bear"`, not only
// "APT29".
func TestAlertNamesTheAliasSeenOnEveryRenderer(t *testing.T) {
	ctx := context.Background()
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><guid>a1</guid><title>APT29 hits the ministry</title><link>https://news.example/a1</link>
<description>The group known as Cozy Bear breached the foreign ministry's mail.</description></item>
</channel></rss>`)
	}))
	defer feed.Close()
	tg := telegramtest.NewServer("1:T")
	defer tg.Close()
	dc := newBodyRecorder(t, `{"id":"900000000000000001","channel_id":"1"}`)
	hook := newBodyRecorder(t, `{}`)

	yaml := fmt.Sprintf(`
poll:
  backfill: 1
store:
  path: %s
http:
  listen: ""
feeds:
  - url: %s
watches:
  - name: apt29
    query: 'actor:APT29'
routes:
  - watches: [apt29]
    to: [console, "telegram:1", "discord-webhook:%s/api/webhooks/1/tok", "webhook:%s/hook"]
`, filepath.Join(t.TempDir(), "nh.db"), feed.URL, dc.srv.URL, hook.srv.URL)
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bot, err := telegram.New(ctx, telegram.Options{Token: "1:T", API: tg.URL()})
	if err != nil {
		t.Fatal(err)
	}
	dcs, err := discord.New(discord.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var console bytes.Buffer
	eng, err := engine.New(engine.Options{
		Config: cfg,
		Store:  db,
		Kinds:  notify.NewKinds(notify.ConsoleKind, telegram.Kind, discord.WebhookKind, webhook.Kind),
		Senders: map[string]notify.Sender{
			"console":         notify.NewConsole(&console),
			"telegram":        bot,
			"discord-webhook": dcs,
			"webhook":         webhook.New(webhook.Options{AllowPrivate: true}),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for _, state := range []string{model.StatePending, model.StateParked} {
		if rows, err := db.ListOutbox(ctx, state, "", 0); err != nil || len(rows) != 0 {
			t.Fatalf("%s alerts after the pass = %+v, %v; want all four delivered", state, rows, err)
		}
	}

	const reason = `APT29, as "Cozy Bear"`
	t.Run("console", func(t *testing.T) {
		if out := console.String(); !strings.Contains(out, "matched apt29: "+reason+"\n") || !strings.Contains(out, "«Cozy Bear»") {
			t.Errorf("console alert:\n%s\nwant `matched apt29: %s` and the snippet marking «Cozy Bear»", out, reason)
		}
	})
	t.Run("telegram", func(t *testing.T) {
		sent := tg.Sent()
		if len(sent) != 1 || !strings.Contains(sent[0].Visible, "apt29: "+reason) {
			t.Fatalf("telegram messages = %+v, want one reading `apt29: %s`", sent, reason)
		}
	})
	t.Run("discord", func(t *testing.T) {
		bodies := dc.all()
		if len(bodies) != 1 {
			t.Fatalf("discord webhook got %d requests, want 1", len(bodies))
		}
		var msg struct {
			Embeds []struct {
				Fields []struct{ Name, Value string }
			}
		}
		if err := json.Unmarshal(bodies[0], &msg); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range msg.Embeds {
			for _, f := range e.Fields {
				found = found || f.Name == "Watch: apt29" && f.Value == reason
			}
		}
		if !found {
			t.Errorf("discord embed %s: want a field Watch: apt29 = %s", bodies[0], reason)
		}
	})
	t.Run("webhook", func(t *testing.T) {
		bodies := hook.all()
		if len(bodies) != 1 {
			t.Fatalf("webhook got %d requests, want 1", len(bodies))
		}
		var p webhook.Payload
		if err := json.Unmarshal(bodies[0], &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Watches) != 1 || p.Watches[0].Name != "apt29" || len(p.Watches[0].Terms) != 1 || p.Watches[0].Terms[0] != reason {
			t.Errorf("webhook watches = %+v, want apt29 with the term %s", p.Watches, reason)
		}
	})
}
