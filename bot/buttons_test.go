package bot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
)

// queued queues one alert for dest raised by watches and returns it as the
// dispatcher would hand it to a sender (with its outbox id).
func queued(t *testing.T, h *harness, dest model.Destination, title string, watches ...string) model.Alert {
	t.Helper()
	a := model.Alert{Destination: dest, Title: title}
	for _, w := range watches {
		a.Watches = append(a.Watches, model.WatchMatch{Name: w})
	}
	queueAlerts(t, h.db, "https://trusted.example/rss", a)
	for _, st := range []string{"", model.StateSent} {
		rows, err := h.db.ListOutbox(context.Background(), st, dest, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Alert.Title == title {
				return r.Alert
			}
		}
	}
	t.Fatalf("alert %q not queued for %s", title, dest)
	return model.Alert{}
}

// stateOf returns the outbox state of the alert titled title at dest.
func stateOf(t *testing.T, h *harness, dest model.Destination, title string) string {
	t.Helper()
	for _, st := range []string{"", model.StateSent} {
		rows, err := h.db.ListOutbox(context.Background(), st, dest, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Alert.Title == title {
				return r.State
			}
		}
	}
	return "missing"
}

// failingCheck makes r's chat-administrator check fail, as when
// getChatMember times out.
func failingCheck(r Request) Request {
	r.IsChatAdmin = func(context.Context) (bool, error) { return false, errors.New("getChatMember: timeout") }
	return r
}

// press is a button press in a Telegram group by user; chatAdmin says
// what getChatMember would answer.
func press(chat, user string, chatAdmin bool, token string) Request {
	r := group(chat, user, chatAdmin, "", "")
	r.UserName = "alice"
	r.Button = token
	return r
}

func TestAlertButtons(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    model.Alert
		want int
	}{
		{"story", model.Alert{ID: 7, Watches: []model.WatchMatch{{Name: "kyiv"}}}, 2},
		{"not from the queue", model.Alert{Watches: []model.WatchMatch{{Name: "kyiv"}}}, 0},
		{"digest", model.Alert{ID: 7, Digest: []model.DigestGroup{{Watch: "kyiv"}}}, 0},
		{"notice", model.Alert{ID: 7, Title: "feed failing"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs := AlertButtons(tc.a)
			if len(bs) != tc.want {
				t.Fatalf("AlertButtons = %+v, want %d buttons", bs, tc.want)
			}
			for _, b := range bs {
				if len(b.Token) > 64 {
					t.Errorf("token %q is over Telegram's 64 bytes", b.Token)
				}
				if _, id, ok := parseButton(b.Token); !ok || id != tc.a.ID {
					t.Errorf("token %q does not parse back to alert %d", b.Token, tc.a.ID)
				}
			}
		})
	}
	// The largest id still fits.
	if bs := AlertButtons(model.Alert{ID: 1<<63 - 1, Watches: []model.WatchMatch{{Name: "w"}}}); len(bs[0].Token) > 64 {
		t.Errorf("token %q is over 64 bytes", bs[0].Token)
	}
}

func TestButtonRefusalsChangeNothing(t *testing.T) {
	h := newHarness(t, opts{})
	ctx := context.Background()
	mustContain(t, h.send(group(groupChat, tgUser, true, "subscribe", "kyiv")), "Subscribed")
	mine := AlertButtons(queued(t, h, groupChat, "Kyiv story", "kyiv"))
	theirs := AlertButtons(queued(t, h, routedTG, "APT29 story", "apt29"))

	for _, tc := range []struct {
		name string
		req  Request
		want string
	}{
		{"member without rights mutes", press(groupChat, tgUser, false, mine[0].Token), "only its administrators"},
		{"member without rights unsubscribes", press(groupChat, tgUser, false, mine[1].Token), "only its administrators"},
		{"admin check fails", failingCheck(press(groupChat, tgUser, false, mine[0].Token)), "could not check"},
		{"another chat's alert", press(groupChat, tgUser, true, theirs[0].Token), "no longer have the alert"},
		{"an alert never queued", press(groupChat, tgUser, true, "nh:m:zzzzz"), "no longer have the alert"},
		{"a token not ours", press(groupChat, tgUser, true, "mute-everything"), "not one I know"},
		{"an unknown action", press(groupChat, tgUser, true, "nh:x:1"), "not one I know"},
		{"the done button", press(groupChat, tgUser, true, DoneToken), "already done"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := h.core.Handle(ctx, tc.req)
			if !got.Refused || got.Done != "" {
				t.Errorf("reply = %+v, want a refusal with no Done line", got)
			}
			mustContain(t, got.Text, tc.want)
		})
	}
	for _, chat := range []model.Destination{groupChat, routedTG} {
		if m, _ := h.db.WatchMutes(ctx, chat); len(m) != 0 {
			t.Errorf("refused presses muted %+v at %s", m, chat)
		}
	}
	if subs, _ := h.db.Subscriptions(ctx, groupChat); len(subs) != 1 {
		t.Errorf("refused presses changed the subscriptions: %+v", subs)
	}
}

func TestMuteButton(t *testing.T) {
	h := newHarness(t, opts{})
	ctx := context.Background()
	for _, w := range []string{"kyiv", "russia-azerbaijan"} {
		mustContain(t, h.send(group(groupChat, tgUser, true, "subscribe", w)), "Subscribed")
	}
	bs := AlertButtons(queued(t, h, groupChat, "Kyiv story", "kyiv"))

	got := h.core.Handle(ctx, press(groupChat, tgUser, true, bs[0].Token))
	if got.Refused || !strings.Contains(got.Done, "kyiv muted 24 h by alice") {
		t.Fatalf("chat admin's press = %+v, want the mute done", got)
	}
	mustContain(t, got.Text, "Muted kyiv here for 24 h", "/unmute kyiv")
	if m, _ := h.db.WatchMutes(ctx, groupChat); len(m) != 1 || m[0].Watch != "kyiv" {
		t.Fatalf("watch mutes = %+v, want kyiv", m)
	}

	// The next kyiv story is skipped; another watch, or kyiv elsewhere, still alerts.
	queued(t, h, groupChat, "Kyiv again", "kyiv")
	queued(t, h, groupChat, "Baku story", "russia-azerbaijan")
	queued(t, h, routedTG, "Kyiv elsewhere", "kyiv")
	for _, c := range []struct {
		chat  model.Destination
		title string
		want  string
	}{
		{groupChat, "Kyiv again", model.StateSent},
		{groupChat, "Baku story", model.StatePending},
		{routedTG, "Kyiv elsewhere", model.StatePending},
	} {
		if st := stateOf(t, h, c.chat, c.title); st != c.want {
			t.Errorf("%s at %s is %s, want %s", c.title, c.chat, st, c.want)
		}
	}
	mustContain(t, h.send(group(groupChat, tgUser, true, "status", "")), "Watch kyiv muted until")

	// /unmute WATCH ends it; kyiv alerts again.
	mustContain(t, h.send(group(groupChat, tgUser, false, "unmute", "kyiv")), "only its administrators")
	mustContain(t, h.send(group(groupChat, tgUser, true, "unmute", "Kyiv")), "Unmuted kyiv")
	mustContain(t, h.send(group(groupChat, tgUser, true, "unmute", "kyiv")), "No watch is muted here")
	queued(t, h, groupChat, "Kyiv third", "kyiv")
	if st := stateOf(t, h, groupChat, "Kyiv third"); st != model.StatePending {
		t.Errorf("after /unmute kyiv the next kyiv story is %s, want pending", st)
	}
}

func TestUnsubscribeButton(t *testing.T) {
	h := newHarness(t, opts{})
	ctx := context.Background()
	mustContain(t, h.send(group(groupChat, tgUser, true, "subscribe", "kyiv")), "Subscribed")
	mustContain(t, h.send(group(groupChat, tgUser, true, "watch", "Odesa")), "Subscribed")
	mustContain(t, h.send(group(routedTG, tgUser, true, "subscribe", "kyiv")), "Subscribed")
	subs, _ := h.db.Subscriptions(ctx, groupChat)
	var adhoc model.Subscription
	for _, s := range subs {
		if s.Query != "" {
			adhoc = s
		}
	}
	// The story was raised by the chat's own query, under its alert name.
	bs := AlertButtons(queued(t, h, groupChat, "Odesa story", "/watch Odesa (id "+adhoc.ID+")"))
	got := h.core.Handle(ctx, press(groupChat, tgUser, true, bs[1].Token))
	if got.Refused || !strings.Contains(got.Done, "Unsubscribed from /watch Odesa") {
		t.Fatalf("press = %+v, want the query subscription removed", got)
	}
	if subs, _ := h.db.Subscriptions(ctx, groupChat); len(subs) != 1 || subs[0].Watch != "kyiv" {
		t.Errorf("subscriptions after the press = %+v, want only kyiv", subs)
	}
	// Pressed again: nothing left to remove.
	if got := h.core.Handle(ctx, press(groupChat, tgUser, true, bs[1].Token)); !got.Refused {
		t.Errorf("second press = %+v, want a refusal", got)
	}

	// A watch routed by the config and subscribed too: the subscription
	// goes, the route stays and the answer says so; a routed-only alert
	// is refused with why.
	both := AlertButtons(queued(t, h, routedTG, "APT29 and Kyiv", "apt29", "kyiv"))
	got = h.core.Handle(ctx, press(routedTG, tgUser, true, both[1].Token))
	if got.Refused {
		t.Fatalf("press = %+v", got)
	}
	mustContain(t, got.Text, "Unsubscribed: kyiv removed", "config.yaml still routes apt29")
	only := AlertButtons(queued(t, h, routedTG, "APT29 only", "apt29"))
	got = h.core.Handle(ctx, press(routedTG, tgUser, true, only[1].Token))
	if !got.Refused {
		t.Fatalf("press on a routed-only alert = %+v, want a refusal", got)
	}
	mustContain(t, got.Text, "route in config.yaml")
}
