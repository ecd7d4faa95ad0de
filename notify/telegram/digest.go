package telegram

import (
	"strings"

	"github.com/newshound/newshound/model"
)

// renderDigest renders a digest alert as HTML: the title in bold, then per
// watch a bold heading and one line per story, linked, with its outlet in
// italics. limit is Telegram's, on the text after entity parsing (what
// the reader sees, in UTF-16 units), so the markup does not count: a
// count that included it cut the last stories of a full part, silently.
// notify.BuildDigest keeps a part well under the limit; should a part
// still be too long (many characters that count twice in UTF-16), the
// stories that do not fit are cut, never the markup.
func renderDigest(a model.Alert, limit int) string {
	var b strings.Builder
	title := oneLine(a.Title)
	b.WriteString("<b>" + escapeHTML(title) + "</b>")
	seen := utf16Len(title)
	for _, g := range a.Digest {
		watch := oneLine(g.Watch)
		if watch == "" {
			watch = "other"
		}
		head := "\n\n🔎 " + watch
		if seen+utf16Len(head) > limit {
			break
		}
		b.WriteString("\n\n🔎 <b>" + escapeHTML(watch) + "</b>")
		seen += utf16Len(head)
		for _, s := range g.Stories {
			html, text := storyLine(s)
			if seen+utf16Len(text) > limit {
				return b.String()
			}
			b.WriteString(html)
			seen += utf16Len(text)
		}
	}
	return b.String()
}

// storyLine is one story's line of a digest, as HTML and as the text the
// reader sees.
func storyLine(s model.DigestStory) (html, text string) {
	title, feed := oneLine(s.Title), oneLine(s.Feed)
	if title == "" {
		title = "(untitled)"
	}
	text = "\n• " + title
	if feed != "" {
		text += " — " + feed
	}
	return "\n• " + storyHTML(s), text
}

func storyHTML(s model.DigestStory) string {
	title := oneLine(s.Title)
	if title == "" {
		title = "(untitled)"
	}
	out := escapeHTML(title)
	if href := safeHref(s.Link); href != "" {
		out = `<a href="` + escapeHTML(href) + `">` + out + "</a>"
	}
	if feed := oneLine(s.Feed); feed != "" {
		out += " — <i>" + escapeHTML(feed) + "</i>"
	}
	return out
}
