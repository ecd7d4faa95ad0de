package notify_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/discord"
	"github.com/newshound/newshound/notify/webhook"
)

// TestFromArticleRendered: every renderer says when the snippet comes from
// the article page, and only then.
func TestFromArticleRendered(t *testing.T) {
	base := model.Alert{Destination: "console", Title: "Russia Blamed for Cyberattack on Azerbaijan", Link: "https://therecord.media/x",
		Feed: "The Record", Snippet: "the notorious «APT29» group, also known as Cozy Bear", Watches: []model.WatchMatch{{Name: "apt29", Terms: []string{"APT29"}}}}
	render := map[string]func(model.Alert) string{
		"console": notify.FormatText,
		"discord": func(a model.Alert) string { return discord.BuildEmbed(a).Description },
		"webhook": func(a model.Alert) string {
			body, _, err := webhook.Body(a)
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				FromArticle bool `json:"from_article"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if p.FromArticle {
				return model.ArticleLabel
			}
			return string(body)
		},
	}
	for name, r := range render {
		for _, from := range []bool{false, true} {
			a := base
			a.FromArticle = from
			got := r(a)
			if strings.Contains(got, model.ArticleLabel) != from {
				t.Errorf("%s, FromArticle %v: %q", name, from, got)
			}
		}
	}
}
