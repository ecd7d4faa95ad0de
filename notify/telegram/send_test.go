package telegram

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
)

func TestNewGetMe(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	if b.UserName() != botName {
		t.Errorf("UserName = %q, want %q", b.UserName(), botName)
	}
	if len(f.Calls("getMe")) != 1 {
		t.Errorf("getMe called %d times, want 1", len(f.Calls("getMe")))
	}
	// A trailing slash on the API base must not break the endpoint.
	if _, err := New(context.Background(), Options{Token: testToken, API: f.URL() + "/"}); err != nil {
		t.Errorf("New with trailing slash: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	f := newFakeAPI(t)
	// A listener that is closed at once: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no token", Options{API: f.URL()}, "no bot token"},
		{"bad api", Options{Token: testToken, API: "ftp://x"}, "not an http(s) URL"},
		{"wrong token", Options{Token: "999:" + testSecret, API: f.URL()}, "Unauthorized"},
		{"unreachable", Options{Token: testToken, API: dead}, "telegram getMe"},
		{"wrong path", Options{Token: testToken, API: f.URL() + "/nested"}, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(context.Background(), tt.o)
			if err == nil {
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error leaks the token: %q", err)
			}
		})
	}
}

func TestNewHonoursContext(t *testing.T) {
	// A server that never answers.
	block := make(chan struct{})
	srv := newHangingServer(t, block)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := New(ctx, Options{Token: testToken, API: srv})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("New on a hanging server: %v, want context.DeadlineExceeded", err)
	}
	if err != nil && strings.Contains(err.Error(), testSecret) {
		t.Errorf("error leaks the token: %q", err)
	}
	close(block)
}

func TestSendAlert(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	a := sampleAlert()
	if err := b.Send(context.Background(), a); err != nil {
		t.Fatalf("Send: %v", err)
	}
	sent := f.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages, want 1", len(sent))
	}
	m := sent[0]
	if m.ChatID != "-1001234567890" || m.ParseMode != "HTML" || !m.NoPreview {
		t.Errorf("sent to %q parse_mode %q no_preview %v", m.ChatID, m.ParseMode, m.NoPreview)
	}
	want := map[string]string{"a": a.Title, "i": "The Record"}
	for _, e := range m.Entities {
		if w, ok := want[e.Type]; ok && e.Text == w {
			delete(want, e.Type)
		}
		if e.Type == "a" && e.Href != a.Link {
			t.Errorf("link %q, want %q", e.Href, a.Link)
		}
	}
	if len(want) != 0 {
		t.Errorf("entities %v lack %v", m.Entities, want)
	}
	if !strings.Contains(m.Visible, `apt29: APT29, as "Cozy Bear"`) {
		t.Errorf("visible text lacks the watch and terms:\n%s", m.Visible)
	}
}

func TestSendHostileAndLong(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	alerts := []model.Alert{
		{Title: "<script>alert(1)</script> & </b><i>", Link: `https://e.com/?a="b"&c=<d>`, Feed: "<Feed & co>", Snippet: "«<b>» unbalanced « and &nbsp;"},
		{Title: "Long", Link: "https://e.com/", Feed: "F", Snippet: strings.Repeat("«hit» Київ 🔥 ", 1500), Watches: []model.WatchMatch{{Name: "w", Terms: []string{"hit"}}}},
	}
	for i, a := range alerts {
		a.Destination = "telegram:5551234"
		if err := b.Send(context.Background(), a); err != nil {
			t.Fatalf("alert %d: Telegram refused it: %v", i, err)
		}
	}
	sent := f.Sent()
	if len(sent) != 2 {
		t.Fatalf("sent %d, want 2", len(sent))
	}
	if !strings.Contains(sent[0].Visible, "<script>alert(1)</script> & </b><i>") || !strings.Contains(sent[0].Visible, "<Feed & co>") {
		t.Errorf("hostile text not shown literally: %q", sent[0].Visible)
	}
	if sent[1].VisibleLen > MaxMessageLen || sent[1].VisibleLen < MaxMessageLen-100 {
		t.Errorf("long alert is %d units", sent[1].VisibleLen)
	}
	if !strings.HasSuffix(sent[1].Visible, "w: hit") {
		t.Errorf("long alert lost its watch line: ...%q", sent[1].Visible[len(sent[1].Visible)-40:])
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		dest      string
		replies   []telegramtest.Reply
		retry     time.Duration // want *RetryAfterError with this After
		permanent bool
		migrate   string
		transient bool // want a plain error
		sentAfter int  // messages the fake accepted
	}{
		{
			name:    "429 retry_after",
			dest:    "telegram:100",
			replies: []telegramtest.Reply{{Status: 429, Body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`}},
			retry:   7 * time.Second,
		},
		{
			name:    "429 from a proxy with Retry-After header",
			dest:    "telegram:100",
			replies: []telegramtest.Reply{{Status: 429, Body: "slow down", Header: map[string]string{"Retry-After": "3"}}},
			retry:   3 * time.Second,
		},
		{
			name:      "403 blocked",
			dest:      "telegram:100",
			replies:   []telegramtest.Reply{{Status: 403, Body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`}},
			permanent: true,
		},
		{
			name:      "403 kicked from group",
			dest:      "telegram:-100",
			replies:   []telegramtest.Reply{{Status: 403, Body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the supergroup chat"}`}},
			permanent: true,
		},
		{
			name:      "400 chat not found",
			dest:      "telegram:100",
			replies:   []telegramtest.Reply{{Status: 400, Body: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`}},
			permanent: true,
		},
		{
			name:      "400 PEER_ID_INVALID",
			dest:      "telegram:100",
			replies:   []telegramtest.Reply{{Status: 400, Body: `{"ok":false,"error_code":400,"description":"Bad Request: PEER_ID_INVALID"}`}},
			permanent: true,
		},
		{
			name:      "migrated to supergroup",
			dest:      "telegram:-4242",
			replies:   []telegramtest.Reply{{Status: 400, Body: `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009999}}`}},
			permanent: true,
			migrate:   "telegram:-1009999",
		},
		{
			name:      "500",
			dest:      "telegram:100",
			replies:   []telegramtest.Reply{{Status: 500, Body: `{"ok":false,"error_code":500,"description":"Internal Server Error"}`}},
			transient: true,
		},
		{
			name:      "502 HTML from a proxy",
			dest:      "telegram:100",
			replies:   []telegramtest.Reply{{Status: 502, Body: "<html>Bad Gateway</html>"}},
			transient: true,
		},
		{
			name:      "bad destination",
			dest:      "telegram:abc",
			permanent: true,
		},
		{
			name:      "markup refused falls back to plain text",
			dest:      "telegram:100",
			replies:   []telegramtest.Reply{{Status: 400, Body: `{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: unsupported start tag"}`}},
			sentAfter: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			var logs bytes.Buffer
			b := f.newBot(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if c, err := parseDest(model.Destination(tt.dest)); err == nil {
				f.FailChat(c.key(), tt.replies...)
			}
			a := sampleAlert()
			a.Destination = model.Destination(tt.dest)
			err := b.Send(context.Background(), a)
			var ra *notify.RetryAfterError
			var pe *notify.PermanentError
			switch {
			case tt.retry != 0:
				if !errors.As(err, &ra) || ra.After != tt.retry {
					t.Fatalf("err = %v, want RetryAfterError after %s", err, tt.retry)
				}
			case tt.permanent:
				if !errors.As(err, &pe) || string(pe.MigrateTo) != tt.migrate {
					t.Fatalf("err = %#v, want PermanentError migrating to %q", err, tt.migrate)
				}
			case tt.transient:
				if err == nil || errors.As(err, &ra) || errors.As(err, &pe) {
					t.Fatalf("err = %v, want a plain transient error", err)
				}
			default:
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			}
			if err != nil && strings.Contains(err.Error(), testSecret) {
				t.Errorf("error leaks the token: %v", err)
			}
			if strings.Contains(logs.String(), testSecret) {
				t.Errorf("log leaks the token: %s", logs.String())
			}
			if got := len(f.Sent()); got != tt.sentAfter {
				t.Errorf("fake accepted %d messages, want %d", got, tt.sentAfter)
			}
		})
	}
}

func TestSendHoldsChatAfter429(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	f.FailChat("100", telegramtest.Reply{Status: 429, Body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 30","parameters":{"retry_after":30}}`})
	a := sampleAlert()
	a.Destination = "telegram:100"
	if err := b.Send(context.Background(), a); !errors.As(err, new(*notify.RetryAfterError)) {
		t.Fatalf("first send: %v, want RetryAfterError", err)
	}
	before := len(f.Calls("sendMessage"))
	err := b.Send(context.Background(), a)
	var ra *notify.RetryAfterError
	if !errors.As(err, &ra) || ra.After <= 0 || ra.After > 30*time.Second {
		t.Fatalf("second send: %v, want RetryAfterError within 30s", err)
	}
	if len(f.Calls("sendMessage")) != before {
		t.Error("a request went to a chat still under retry_after")
	}
	// Other chats are not held.
	a.Destination = "telegram:200"
	if err := b.Send(context.Background(), a); err != nil {
		t.Errorf("send to another chat: %v", err)
	}
}

func TestSendTextSplitsAndStaysPlain(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	var lines []string
	for i := range 400 {
		lines = append(lines, "<b>not bold</b> & line "+strings.Repeat("x", i%30))
	}
	text := strings.Join(lines, "\n")
	if err := b.SendText(context.Background(), 777, text); err != nil {
		t.Fatalf("SendText: %v", err)
	}
	sent := f.Sent()
	if len(sent) < 2 {
		t.Fatalf("sent %d messages for %d units", len(sent), utf16Len(text))
	}
	var got []string
	for _, m := range sent {
		if m.ParseMode != "" || m.ChatID != "777" {
			t.Errorf("message parse_mode %q chat %q", m.ParseMode, m.ChatID)
		}
		got = append(got, m.Visible)
	}
	if strings.Join(got, "\n") != text {
		t.Error("the parts do not add up to the text")
	}
}

func TestSendTextWaitsOutShortRetryAfter(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	f.FailChat("777", telegramtest.Reply{Status: 429, Body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`})
	start := time.Now()
	if err := b.SendText(context.Background(), 777, "notice"); err != nil {
		t.Fatalf("SendText: %v", err)
	}
	if time.Since(start) < time.Second {
		t.Error("resent before retry_after had passed")
	}
	if n := len(f.Sent()); n != 1 {
		t.Errorf("sent %d, want 1", n)
	}
}

func TestLimits(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	tests := []struct {
		dest string
		want notify.Rate
	}{
		{"telegram:123456789", notify.Rate{N: 1, Per: time.Second}},
		{"telegram:-1001234567890", notify.Rate{N: 20, Per: time.Minute}},
		{"telegram:-4242", notify.Rate{N: 20, Per: time.Minute}},
		{"telegram:@channel", notify.Rate{N: 20, Per: time.Minute}},
	}
	var _ notify.Paced = b
	var _ notify.Sender = b
	for _, tt := range tests {
		per, all := b.Limits(model.Destination(tt.dest))
		if per != tt.want || all != (notify.Rate{N: 30, Per: time.Second}) {
			t.Errorf("Limits(%q) = %v, %v", tt.dest, per, all)
		}
	}
}

// newHangingServer returns the URL of a server whose handlers block until
// block is closed.
func newHangingServer(t *testing.T, block chan struct{}) string {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
