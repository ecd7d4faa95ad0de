package telegram

import (
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
)

func TestFromArticleRendered(t *testing.T) {
	for _, from := range []bool{false, true} {
		a := model.Alert{Title: "Russia Blamed", Feed: "The Record", Snippet: "also known as «Cozy Bear»", FromArticle: from}
		html, _ := renderAlert(a, 4096)
		if strings.Contains(html, "<i>"+model.ArticleLabel+"</i>") != from || strings.Contains(plainAlert(a), model.ArticleLabel) != from {
			t.Errorf("FromArticle %v: html %q, plain %q", from, html, plainAlert(a))
		}
		if !strings.Contains(html, "<b>Cozy Bear</b>") {
			t.Errorf("snippet hit lost: %q", html)
		}
	}
}
