package discord

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// channelMessageEdit follows Discord: only a message created in that
// channel can be edited (else 404 Unknown Message); the body must be JSON.
func (f *fakeDiscord) channelMessageEdit(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bot "+testToken {
		apiError(w, 401, 0, "401: Unauthorized")
		return
	}
	ch, mid := r.PathValue("id"), r.PathValue("mid")
	body, _ := io.ReadAll(r.Body)
	if !json.Valid(body) {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.channelOf[mid] != ch {
		apiError(w, 404, unknownMessage, "Unknown Message")
		return
	}
	if f.edited == nil {
		f.edited = map[string][]byte{}
	}
	f.edited[mid] = body
	writeJSON(w, 200, map[string]any{"id": mid, "channel_id": ch})
}

func TestEditChannelMessage(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		ref     func(sent model.MessageRef) model.MessageRef
		script  *reply
		check   func(t *testing.T, err error)
		editsOK bool
	}{
		{name: "names the other outlets", ref: func(r model.MessageRef) model.MessageRef { return r }, editsOK: true,
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Fatalf("Edit: %v", err)
				}
			}},
		{name: "deleted message is left alone", ref: func(r model.MessageRef) model.MessageRef {
			ch, _, _ := strings.Cut(string(r), "/")
			return model.MessageRef(ch + "/999999999999")
		}, check: func(t *testing.T, err error) {
			if !errors.Is(err, notify.ErrMessageGone) || notify.IsPermanent(err) {
				t.Fatalf("Edit = %v, want ErrMessageGone and no permanent failure (the channel is fine)", err)
			}
		}},
		{name: "429 is a retry_after", ref: func(r model.MessageRef) model.MessageRef { return r },
			script: &reply{Status: 429, Body: `{"message": "You are being rate limited.", "retry_after": 2.5, "global": false}`},
			check: func(t *testing.T, err error) {
				var ra *notify.RetryAfterError
				if !errors.As(err, &ra) || ra.After.Seconds() < 2.5 {
					t.Fatalf("Edit = %v, want a retry_after of 2.5s", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := newTest(t, Options{Token: testToken})
			f := fake
			before := f.messageCount()
			a := model.Alert{Destination: "discord:112233445566778899", Title: "Microsoft says Midnight Blizzard accessed email", Feed: "Wire A",
				Watches: []model.WatchMatch{{Name: "apt29", Terms: []string{"Midnight Blizzard"}}}}
			ref, err := d.SendRef(ctx, a)
			if err != nil || !strings.HasPrefix(string(ref), "112233445566778899/") {
				t.Fatalf("SendRef = %q, %v; want CHANNEL/MESSAGE", ref, err)
			}
			target := tt.ref(ref)
			if tt.script != nil {
				f.script("PATCH", "/api/v10/channels/"+strings.Replace(string(target), "/", "/messages/", 1), *tt.script)
			}
			a.AlsoReported = []string{"BBC", "Reuters"}
			tt.check(t, d.Edit(ctx, target, a))
			f.mu.Lock()
			body, edited := f.edited[strings.SplitN(string(ref), "/", 2)[1]]
			f.mu.Unlock()
			if edited != tt.editsOK {
				t.Fatalf("message edited = %v, want %v", edited, tt.editsOK)
			}
			if edited && !strings.Contains(string(body), "Also reported by: BBC, Reuters") {
				t.Errorf("edit body lacks the outlets: %s", body)
			}
			if n := f.messageCount() - before; n != 1 {
				t.Errorf("%d messages created, want 1 (an edit never posts)", n)
			}
		})
	}
}
