package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTest returns a Discord wired to the fake, and its captured log. At the
// end of the test the log must hold none of the given secrets.
func newTest(t *testing.T, o Options, secrets ...string) (*Discord, *syncBuffer) {
	t.Helper()
	fake.resetFor(t)
	logs := &syncBuffer{}
	o.API = fake.api
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		for _, s := range append(secrets, testToken) {
			if strings.Contains(logs.String(), s) {
				t.Errorf("log leaks secret %q:\n%s", s, logs.String())
			}
		}
	})
	return d, logs
}

func sampleAlert(dest string) model.Alert {
	return model.Alert{
		ID:          42,
		Destination: model.Destination(dest),
		Nonce:       "alert-42-" + dest,
		Title:       "APT29 targets embassies",
		Link:        "https://example.com/story?id=1",
		Feed:        "Example News",
		Published:   time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC),
		Snippet:     "Researchers say «Cozy Bear» phished diplomats",
		Watches:     []model.WatchMatch{{Name: "apt29", Terms: []string{`APT29, as "Cozy Bear"`}}},
	}
}

// sentBody is the JSON shape we check in what reached the fake.
type sentBody struct {
	Content         string                    `json:"content"`
	Embeds          []*discordgo.MessageEmbed `json:"embeds"`
	AllowedMentions *struct {
		Parse *[]string `json:"parse"`
	} `json:"allowed_mentions"`
	Nonce        *string `json:"nonce"`
	EnforceNonce *bool   `json:"enforce_nonce"`
}

func decodeSent(t *testing.T, r recorded) sentBody {
	t.Helper()
	var b sentBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	if b.AllowedMentions == nil || b.AllowedMentions.Parse == nil || len(*b.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions.parse must be present and empty, body %s", r.Body)
	}
	if !bytes.Contains(r.Body, []byte(`"allowed_mentions":{"parse":[]`)) {
		t.Errorf("allowed_mentions.parse not sent as []: %s", r.Body)
	}
	return b
}

func TestSendChannelEmbed(t *testing.T) {
	d, _ := newTest(t, Options{Token: testToken})
	a := sampleAlert("discord:100000000000000001")
	if err := d.Send(context.Background(), a); err != nil {
		t.Fatalf("Send: %v", err)
	}
	rs := fake.requests("POST", "/api/v10/channels/100000000000000001/messages")
	if len(rs) != 1 {
		t.Fatalf("want 1 request, got %d", len(rs))
	}
	if rs[0].Auth != "Bot "+testToken {
		t.Errorf("Authorization = %q", rs[0].Auth)
	}
	b := decodeSent(t, rs[0])
	if len(b.Embeds) != 1 {
		t.Fatalf("want one embed, got %d", len(b.Embeds))
	}
	e := b.Embeds[0]
	checks := []struct{ name, got, want string }{
		{"title", e.Title, "APT29 targets embassies"},
		{"url", e.URL, a.Link},
		{"description", e.Description, "Researchers say **Cozy Bear** phished diplomats"},
		{"author", e.Author.Name, "Example News"},
		{"timestamp", e.Timestamp, "2026-11-26T10:30:00Z"},
		{"field name", e.Fields[0].Name, "Watch: apt29"},
		{"field value", e.Fields[0].Value, `APT29, as "Cozy Bear"`},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if e.Color != Colour("apt29") || e.Color == 0 {
		t.Errorf("colour = %#x, want %#x", e.Color, Colour("apt29"))
	}
	if b.Nonce == nil || *b.Nonce != Nonce(a) || len(*b.Nonce) > 25 || len(*b.Nonce) == 0 {
		t.Errorf("nonce = %v, want %q (1..25 chars)", b.Nonce, Nonce(a))
	}
	if b.EnforceNonce == nil || !*b.EnforceNonce {
		t.Errorf("enforce_nonce missing or false: %s", rs[0].Body)
	}
}

func TestNonceStableAcrossRetries(t *testing.T) {
	a := sampleAlert("discord:100000000000000002")
	b := a
	b.Nonce = "alert-43"
	retried := a
	retried.Title = "edited title, same outbox row"
	if Nonce(a) != Nonce(retried) || Nonce(a) == Nonce(b) {
		t.Fatalf("nonce not stable/distinct: %q %q", Nonce(a), Nonce(b))
	}
	noNonce := a
	noNonce.Nonce = ""
	if n := Nonce(noNonce); n == "" || n == Nonce(a) {
		t.Errorf("nonce from ID = %q", n)
	}

	before := fake.messageCount()
	// Two processes (a crash and a restart) sending the same outbox row.
	for i := 0; i < 2; i++ {
		d, _ := newTest(t, Options{Token: testToken})
		if err := d.Send(context.Background(), a); err != nil {
			t.Fatalf("Send #%d: %v", i, err)
		}
	}
	rs := fake.requests("POST", "/api/v10/channels/100000000000000002/messages")
	if len(rs) != 2 {
		t.Fatalf("want 2 requests, got %d", len(rs))
	}
	n1, n2 := decodeSent(t, rs[0]).Nonce, decodeSent(t, rs[1]).Nonce
	if n1 == nil || n2 == nil || *n1 != *n2 {
		t.Errorf("nonces differ between retries: %v %v", n1, n2)
	}
	if got := fake.messageCount() - before; got != 1 {
		t.Errorf("fake created %d messages for one alert sent twice, want 1", got)
	}
}

func TestSendHostileText(t *testing.T) {
	d, _ := newTest(t, Options{Token: testToken})
	a := sampleAlert("discord:100000000000000003")
	a.Title = "@everyone **pwned** <@123456> [click](https://evil.example)"
	a.Feed = "@here feed"
	a.Snippet = "hey @here <@&555> <#666> `code` ~~x~~ ||spoiler|| > quote \\ «@everyone» _it_"
	a.Watches = []model.WatchMatch{{Name: "w*", Terms: []string{"<@123>", "@everyone"}}}
	if err := d.Send(context.Background(), a); err != nil {
		t.Fatalf("Send: %v", err)
	}
	rs := fake.requests("POST", "/api/v10/channels/100000000000000003/messages")
	if len(rs) != 1 {
		t.Fatalf("want 1 request, got %d", len(rs))
	}
	b := decodeSent(t, rs[0])
	e := b.Embeds[0]
	texts := []string{e.Title, e.Description, e.Fields[0].Name, e.Fields[0].Value}
	for _, s := range texts {
		for _, bad := range []string{"@everyone", "@here", "<@123456>", "<@123>", "<@&555>", "<#666>", "](", "||"} {
			if strings.Contains(s, bad) {
				t.Errorf("%q survives in %q", bad, s)
			}
		}
	}
	if !strings.Contains(e.Title, `\*\*pwned\*\*`) {
		t.Errorf("markdown not escaped in title: %q", e.Title)
	}
	if !strings.Contains(e.Description, "**@\u200beveryone**") {
		t.Errorf("hit not bold or mention not defused: %q", e.Description)
	}
}

func TestSendEmbedAtTheLimits(t *testing.T) {
	d, _ := newTest(t, Options{Token: testToken})
	a := sampleAlert("discord:100000000000000004")
	a.Title = strings.Repeat("Ünïcødé *title* 🦊 ", 100)
	a.Feed = strings.Repeat("Feed name ", 60)
	a.Snippet = strings.Repeat("plain text «hit_one» more_text 😀 ", 400)
	for i := 0; i < 40; i++ {
		terms := make([]string, 0, 200)
		for j := 0; j < 200; j++ {
			terms = append(terms, "term*"+strings.Repeat("x", j%7))
		}
		a.Watches = append(a.Watches, model.WatchMatch{Name: strings.Repeat("watch_", 60), Terms: terms})
	}
	if err := d.Send(context.Background(), a); err != nil {
		t.Fatalf("Send: %v", err)
	}
	rs := fake.requests("POST", "/api/v10/channels/100000000000000004/messages")
	if len(rs) != 1 {
		t.Fatalf("want 1 request, got %d", len(rs))
	}
	checkEmbedLimits(t, decodeSent(t, rs[0]).Embeds[0])
}

func TestWebhookDestination(t *testing.T) {
	d, _ := newTest(t, Options{}, "hookSECRETtoken")
	url := fake.srv.URL + "/api/webhooks/200000000000000001/hookSECRETtoken"
	a := sampleAlert("discord-webhook:" + url)
	if err := d.Send(context.Background(), a); err != nil {
		t.Fatalf("Send: %v", err)
	}
	rs := fake.requests("POST", "/api/webhooks/200000000000000001/")
	if len(rs) != 1 {
		t.Fatalf("want 1 webhook request, got %d", len(rs))
	}
	if rs[0].Query != "wait=true" {
		t.Errorf("query = %q, want wait=true", rs[0].Query)
	}
	if rs[0].Auth != "" {
		t.Errorf("webhook request carries Authorization %q", rs[0].Auth)
	}
	b := decodeSent(t, rs[0])
	if len(b.Embeds) != 1 || b.Embeds[0].Title != a.Title {
		t.Errorf("embed not delivered: %s", rs[0].Body)
	}

	// With a bot token configured the webhook still must not see it.
	d2, _ := newTest(t, Options{Token: testToken}, "hookSECRETtoken")
	if err := d2.Send(context.Background(), a); err != nil {
		t.Fatalf("Send with bot token: %v", err)
	}
	rs = fake.requests("POST", "/api/webhooks/200000000000000001/")
	if len(rs) != 2 || rs[1].Auth != "" {
		t.Errorf("bot token sent to webhook: %+v", rs)
	}
}

func TestSendErrors(t *testing.T) {
	const hookToken = "hookTOKEN-never-shown"
	type kind int
	const (
		transient kind = iota
		permanent
		retryAfter
	)
	tests := []struct {
		name       string
		webhook    bool
		replies    []reply
		want       kind
		after      time.Duration
		global     bool
		code       int
		clientOpts Options
	}{
		{name: "429 bucket", replies: []reply{{Status: 429, Body: `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`,
			Header: map[string]string{"Retry-After": "2", "X-RateLimit-Scope": "user"}}}, want: retryAfter, after: 1500 * time.Millisecond},
		{name: "429 global", replies: []reply{{Status: 429, Body: `{"message":"You are being rate limited.","retry_after":0.25,"global":true}`,
			Header: map[string]string{"X-RateLimit-Global": "true", "Retry-After": "1"}}}, want: retryAfter, after: 250 * time.Millisecond, global: true},
		{name: "429 html body", replies: []reply{{Status: 429, Body: `<html>slow down</html>`,
			Header: map[string]string{"Retry-After": "3", "Content-Type": "text/html"}}}, want: retryAfter, after: 3 * time.Second},
		{name: "429 bucket reset later than retry_after", replies: []reply{{Status: 429, Body: `{"retry_after":1,"global":false}`,
			Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "5"}}}, want: retryAfter, after: 5 * time.Second},
		{name: "403 missing access", replies: []reply{{Status: 403, Body: `{"message":"Missing Access","code":50001}`}}, want: permanent, code: 50001},
		{name: "403 missing permissions", replies: []reply{{Status: 403, Body: `{"message":"Missing Permissions","code":50013}`}}, want: permanent, code: 50013},
		{name: "404 unknown channel", replies: []reply{{Status: 404, Body: `{"message":"Unknown Channel","code":10003}`}}, want: permanent, code: 10003},
		{name: "401 bad token", replies: []reply{{Status: 401, Body: `{"message":"401: Unauthorized","code":0}`}}, want: permanent},
		{name: "500", replies: []reply{{Status: 500, Body: `{"message":"Internal Server Error","code":0}`}}, want: transient},
		{name: "502 no retry inside", replies: []reply{{Status: 502, Body: `bad gateway`}}, want: transient},
		{name: "503", replies: []reply{{Status: 503, Body: `unavailable`}}, want: transient},
		{name: "400 invalid form", replies: []reply{{Status: 400, Body: `{"message":"Invalid Form Body","code":50035}`}}, want: transient, code: 50035},
		{name: "timeout", replies: []reply{{Delay: 2 * time.Second}}, want: transient,
			clientOpts: Options{Client: &http.Client{Timeout: 150 * time.Millisecond}}},
		{name: "webhook 404", webhook: true, replies: []reply{{Status: 404, Body: `{"message":"Unknown Webhook","code":10015}`}}, want: permanent, code: 10015},
		{name: "webhook 429", webhook: true, replies: []reply{{Status: 429, Body: `{"retry_after":0.5,"global":false}`}}, want: retryAfter, after: 500 * time.Millisecond},
		{name: "webhook 500", webhook: true, replies: []reply{{Status: 500, Body: `oops`}}, want: transient},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.clientOpts
			o.Token = testToken
			d, _ := newTest(t, o, hookToken)
			id := fmt.Sprintf("3000000000000000%02d", i)
			var dest, path string
			if tc.webhook {
				path = "/api/webhooks/" + id + "/" + hookToken
				dest = "discord-webhook:" + fake.srv.URL + path
			} else {
				path = "/api/v10/channels/" + id + "/messages"
				dest = "discord:" + id
			}
			fake.script("POST", path, tc.replies...)
			err := d.Send(context.Background(), sampleAlert(dest))
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			for _, s := range []string{testToken, hookToken} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error leaks a secret: %v", err)
				}
			}
			var ra *notify.RetryAfterError
			isRA := errors.As(err, &ra)
			isPerm := notify.IsPermanent(err)
			switch tc.want {
			case retryAfter:
				if !isRA || isPerm {
					t.Fatalf("want RetryAfterError, got %T %v", err, err)
				}
				if ra.After != tc.after || ra.Global != tc.global {
					t.Errorf("After=%v Global=%v, want %v %v", ra.After, ra.Global, tc.after, tc.global)
				}
			case permanent:
				if !isPerm || isRA {
					t.Fatalf("want PermanentError, got %T %v", err, err)
				}
			case transient:
				if isPerm || isRA {
					t.Fatalf("want a transient error, got %T %v", err, err)
				}
			}
			if tc.code != 0 {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Code != tc.code {
					t.Errorf("want APIError code %d in %v", tc.code, err)
				}
			}
			if n := len(fake.requests("POST", path)); n != 1 {
				t.Errorf("%d requests reached Discord, want exactly 1 (no hidden retries)", n)
			}
		})
	}
}

func TestUnreachableWebhookErrorHidesToken(t *testing.T) {
	d, _ := newTest(t, Options{}, "UNREACHABLEsecret")
	// Port 1 on loopback refuses connections.
	err := d.Send(context.Background(), sampleAlert("discord-webhook:http://127.0.0.1:1/api/webhooks/200000000000000009/UNREACHABLEsecret"))
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), "UNREACHABLEsecret") {
		t.Errorf("error leaks the webhook token: %v", err)
	}
	if notify.IsPermanent(err) {
		t.Errorf("a refused connection is transient, got %v", err)
	}
}

func TestBadDestinations(t *testing.T) {
	withToken, _ := newTest(t, Options{Token: testToken})
	noToken, _ := newTest(t, Options{})
	tests := []struct {
		name string
		d    *Discord
		dest string
	}{
		{"channel not a number", withToken, "discord:general"},
		{"channel without token", noToken, "discord:100000000000000099"},
		{"webhook not a URL", withToken, "discord-webhook:not a url"},
		{"webhook ftp", withToken, "discord-webhook:ftp://x/api/webhooks/1/t"},
		{"webhook without token path", withToken, "discord-webhook:https://discord.com/api/webhooks/123"},
		{"other platform", withToken, "telegram:123"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.Send(context.Background(), sampleAlert(tc.dest))
			if !notify.IsPermanent(err) {
				t.Errorf("want PermanentError, got %v", err)
			}
		})
	}
}

func TestBucketHeadersFailFast(t *testing.T) {
	d, _ := newTest(t, Options{Token: testToken})
	const ch = "100000000000000010"
	path := "/api/v10/channels/" + ch + "/messages"
	// The first send succeeds but exhausts the bucket for 30s.
	fake.script("POST", path, reply{Header: map[string]string{
		"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "30", "X-RateLimit-Bucket": "abc"}})
	if err := d.Send(context.Background(), sampleAlert("discord:"+ch)); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	start := time.Now()
	err := d.Send(context.Background(), sampleAlert("discord:"+ch))
	var ra *notify.RetryAfterError
	if !errors.As(err, &ra) || ra.Global || ra.After <= 25*time.Second || ra.After > 30*time.Second {
		t.Fatalf("want RetryAfterError ~30s for the bucket, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Send blocked instead of failing fast")
	}
	if n := len(fake.requests("POST", path)); n != 1 {
		t.Errorf("%d requests reached Discord, want 1", n)
	}
	// Another channel is unaffected.
	if err := d.Send(context.Background(), sampleAlert("discord:100000000000000011")); err != nil {
		t.Errorf("other channel: %v", err)
	}
}

func TestGlobalRateLimitBlocksAllChannels(t *testing.T) {
	d, _ := newTest(t, Options{Token: testToken})
	fake.script("POST", "/api/v10/channels/100000000000000012/messages",
		reply{Status: 429, Body: `{"message":"You are being rate limited.","retry_after":20,"global":true}`,
			Header: map[string]string{"X-RateLimit-Global": "true", "Retry-After": "20"}})
	err := d.Send(context.Background(), sampleAlert("discord:100000000000000012"))
	var ra *notify.RetryAfterError
	if !errors.As(err, &ra) || !ra.Global {
		t.Fatalf("want global RetryAfterError, got %v", err)
	}
	err = d.Send(context.Background(), sampleAlert("discord:100000000000000013"))
	if !errors.As(err, &ra) || !ra.Global || ra.After <= 15*time.Second {
		t.Fatalf("other channel during global limit: want global RetryAfterError, got %v", err)
	}
	if n := len(fake.requests("POST", "/api/v10/channels/100000000000000013/")); n != 0 {
		t.Errorf("%d requests sent during a global rate limit", n)
	}
}

func TestSendText(t *testing.T) {
	d, _ := newTest(t, Options{Token: testToken})
	long := strings.Repeat("line with @everyone and *stars*\n", 200)
	if err := d.SendText(context.Background(), "discord:100000000000000020", long); err != nil {
		t.Fatalf("SendText channel: %v", err)
	}
	rs := fake.requests("POST", "/api/v10/channels/100000000000000020/messages")
	if len(rs) != 1 {
		t.Fatalf("want 1 request, got %d", len(rs))
	}
	b := decodeSent(t, rs[0])
	if n := utf8.RuneCountInString(b.Content); n > MaxContent || n < MaxContent-50 {
		t.Errorf("content length %d, want close to but at most %d", n, MaxContent)
	}
	if strings.Contains(b.Content, "@everyone") || !strings.HasSuffix(b.Content, "…") {
		t.Errorf("content not escaped/cut: %q", b.Content[len(b.Content)-40:])
	}

	if err := d.SendText(context.Background(), "discord-dm:500000000000000001", "Feed X failing for a day"); err != nil {
		t.Fatalf("SendText DM: %v", err)
	}
	if err := d.SendText(context.Background(), "discord-dm:500000000000000001", "again"); err != nil {
		t.Fatalf("SendText DM again: %v", err)
	}
	if n := len(fake.requests("POST", "/api/v10/users/@me/channels")); n < 1 {
		t.Fatalf("DM channel never opened")
	}
	rs = fake.requests("POST", "/api/v10/channels/400000000000000001/messages")
	if len(rs) != 2 {
		t.Fatalf("want 2 DM messages, got %d", len(rs))
	}
	if got := decodeSent(t, rs[0]).Content; got != "Feed X failing for a day" {
		t.Errorf("DM content = %q", got)
	}
}

func TestLimits(t *testing.T) {
	d, _ := newTest(t, Options{})
	var _ notify.Sender = d
	var _ notify.Paced = d
	tests := []struct {
		dest    string
		perDest notify.Rate
	}{
		{"discord:1", notify.Rate{N: 5, Per: 5 * time.Second}},
		{"discord-webhook:https://discord.com/api/webhooks/1/x", notify.Rate{N: 5, Per: 2 * time.Second}},
	}
	for _, tc := range tests {
		p, g := d.Limits(model.Destination(tc.dest))
		if p != tc.perDest || g != (notify.Rate{N: 50, Per: time.Second}) {
			t.Errorf("Limits(%s) = %v %v", tc.dest, p, g)
		}
	}
}

func TestEndpointsAreProcessWide(t *testing.T) {
	if _, err := New(Options{API: fake.api}); err != nil {
		t.Fatalf("same API again: %v", err)
	}
	if _, err := New(Options{API: "https://proxy.example/api/v10/"}); err == nil {
		t.Error("a second, different API base was accepted")
	}
	if _, err := New(Options{API: "ftp://x/"}); err == nil {
		t.Error("ftp API accepted")
	}
	for name, got := range map[string]string{
		"EndpointChannels": discordgo.EndpointChannels,
		"EndpointGateway":  discordgo.EndpointGateway,
		"interaction":      discordgo.EndpointInteractionResponse("1", "t"),
		"webhook message":  discordgo.EndpointWebhookMessage("1", "t", "@original"),
		"guild commands":   discordgo.EndpointApplicationGuildCommands("1", "2"),
		"DM":               discordgo.EndpointUserChannels("@me"),
	} {
		if !strings.HasPrefix(got, fake.api) {
			t.Errorf("%s = %s, not under %s", name, got, fake.api)
		}
	}
	if discordgo.APIVersion != "10" {
		t.Errorf("APIVersion = %s, want 10", discordgo.APIVersion)
	}
}
