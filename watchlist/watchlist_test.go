package watchlist_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/discord"
	"github.com/newshound/newshound/notify/telegram"
	"github.com/newshound/newshound/watchlist"
)

var kinds = notify.NewKinds(notify.ConsoleKind, telegram.Kind, discord.Kind, discord.DMKind, discord.WebhookKind)

func parse(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), "c.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// Destinations and queries are checked against the registry and the
// matcher, each problem at its place in the file.
func TestCompileErrorsArePositioned(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"bad telegram destination", "routes:\n  - watches: []\n    to: [console, \"telegram:@chan\"]\n",
			`c.yaml:3:19: destination "telegram:@chan": use the numeric chat id`},
		{"bad topic", "routes:\n  - watches: []\n    to: [\"telegram:-100/x\"]\n",
			`c.yaml:3:10: destination "telegram:-100/x": topic id is not a positive integer`},
		{"bad discord destination", "routes:\n  - watches: []\n    to:\n      - discord:general\n",
			`c.yaml:4:9: destination "discord:general": channel id "general" is not a Discord id`},
		{"http webhook", "routes:\n  - watches: []\n    to: [\"discord-webhook:http://discord.com/api/webhooks/1/SECRET\"]\n",
			`c.yaml:3:10: destination "discord-webhook:http://discord.com/…": a webhook URL must be https`},
		{"unknown destination", "routes:\n  - watches: []\n    to: [slack:C123]\n",
			`c.yaml:3:10: unknown destination "slack:C123" (use console,`},
		{"query", "watches:\n  - name: a\n    query: 'Kyiv AND ('\n", `c.yaml:3:23: watch "a": query: unexpected end of query`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := watchlist.Compile(parse(t, tc.yaml), kinds)
			var list config.ErrorList
			if !errors.As(err, &list) || len(list) != 1 || !strings.HasPrefix(list[0].Error(), tc.want) {
				t.Fatalf("Compile = %v; want one problem starting %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("a webhook token reached the error: %v", err)
			}
		})
	}
	good := "watches:\n  - {name: a, query: Kyiv}\nroutes:\n  - watches: [a]\n    to: [console, \"telegram:-1001/42\", \"discord-dm:12345\", \"discord-webhook:https://discord.com/api/webhooks/1/T\"]\n"
	if _, err := watchlist.Compile(parse(t, good), kinds); err != nil {
		t.Errorf("valid destinations refused: %v", err)
	}
	if _, err := watchlist.Compile(parse(t, "routes:\n  - watches: []\n    to: [slack:C1]\n"), nil); err != nil {
		t.Errorf("without kinds only the shape is checked, got %v", err)
	}
}

func TestAllowsRegex(t *testing.T) {
	cfg := parse(t, "admins:\n  telegram: [\"100\"]\n  discord: [\"200\"]\n")
	on := *cfg
	on.Security.AllowChatRegex = true
	tests := []struct {
		name string
		cfg  *config.Config
		sub  model.Subscription
		want bool
	}{
		{"chat user, regex off", cfg, model.Subscription{Chat: "telegram:3003", CreatedBy: "3003"}, false},
		{"chat user, regex on", &on, model.Subscription{Chat: "telegram:3003", CreatedBy: "3003"}, true},
		{"telegram admin in telegram", cfg, model.Subscription{Chat: "telegram:-1", CreatedBy: "100"}, true},
		{"telegram admin in a topic", cfg, model.Subscription{Chat: "telegram:-1/7", CreatedBy: "100"}, true},
		{"telegram admin id in discord", cfg, model.Subscription{Chat: "discord:9", CreatedBy: "100"}, false},
		{"discord admin in discord", cfg, model.Subscription{Chat: "discord:9", CreatedBy: "200"}, true},
		{"no config", nil, model.Subscription{Chat: "telegram:-1", CreatedBy: "100"}, false},
	}
	for _, tc := range tests {
		if got := watchlist.AllowsRegex(tc.cfg, tc.sub); got != tc.want {
			t.Errorf("%s: AllowsRegex = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMatchSkipsBadExtraQueries(t *testing.T) {
	set, err := watchlist.Compile(parse(t, "watches:\n  - {name: kyiv, query: Kyiv, tags: [ua]}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	extra := []matcher.Watch{
		{Name: "#bad", Query: "Kyiv AND ("},
		{Name: "#good", Query: "shelled"},
		{Name: "#re", Query: "/shel+ed/"},
	}
	doc := matcher.Doc{Title: "Kyiv shelled overnight"}
	names := func(hits []matcher.Hit) string {
		var out []string
		for _, h := range hits {
			out = append(out, h.Watch)
		}
		return fmt.Sprint(out)
	}
	if got := names(set.Match(doc, extra, false)); got != "[kyiv #good #re]" {
		t.Errorf("untagged hits = %v, want config watch then the good ad-hoc ones", got)
	}
	if got := names(set.Match(doc, nil, true)); got != "[]" {
		t.Errorf("with feed tags kept, a doc from no tagged feed hit %v", got)
	}
	if err := set.Check("/x/", false); err == nil {
		t.Error("regex accepted without allowRegex")
	}
	if err := set.Check("/x/", true); err != nil {
		t.Errorf("regex refused with allowRegex: %v", err)
	}
}

// A chat reached by a route and a subscription gets one alert naming both;
// ad-hoc queries are labelled as chats see them.
func TestListAlertsOncePerDestination(t *testing.T) {
	set, err := watchlist.Compile(parse(t, "watches:\n  - {name: kyiv, query: Kyiv}\nroutes:\n  - watches: [kyiv]\n    to: [\"telegram:1\", console]\n"), kinds)
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Routed("telegram:1"); fmt.Sprint(got) != "[kyiv]" {
		t.Errorf("Routed = %v", got)
	}
	list, err := set.WithSubscriptions([]model.Subscription{
		{ID: "abc234", Chat: "telegram:1", Query: "shelled"},
		{ID: "def567", Chat: "telegram:2", Watch: "kyiv"},
		{ID: "ghi234", Chat: "telegram:3", Query: "/shel+ed/"}, // no regex for chat users: skipped
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	alerts := list.Alerts(matcher.Doc{Title: "Kyiv shelled overnight"}, model.Alert{Title: "Kyiv shelled overnight", Feed: "Wire"})
	got := map[model.Destination][]string{}
	for _, a := range alerts {
		for _, w := range a.Watches {
			got[a.Destination] = append(got[a.Destination], w.Name)
		}
		if a.Title != "Kyiv shelled overnight" || a.Feed != "Wire" || a.Snippet == "" {
			t.Errorf("alert %+v lost the story", a)
		}
	}
	want := map[model.Destination][]string{
		"telegram:1": {"kyiv", "/watch shelled (id abc234)"},
		"console":    {"kyiv"},
		"telegram:2": {"kyiv"},
	}
	if len(alerts) != len(want) || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("alerts by destination = %v, want %v", got, want)
	}
}
