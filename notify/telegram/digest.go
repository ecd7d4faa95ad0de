package telegram

import (
	"strings"

	"github.com/newshound/newshound/model"
)

// renderDigest renders a digest alert as HTML: the title in bold, then per
// watch a bold heading and one line per story, linked, with its outlet in
// italics. notify.BuildDigest keeps a part well under the limit; should a
// part still be too long (many characters that count twice in UTF-16), the
// stories that do not fit are cut, never the markup.
func renderDigest(a model.Alert, limit int) string {
	var b strings.Builder
	b.WriteString("<b>" + escapeHTML(oneLine(a.Title)) + "</b>")
	for _, g := range a.Digest {
		watch := oneLine(g.Watch)
		if watch == "" {
			watch = "other"
		}
		head := "\n\n🔎 <b>" + escapeHTML(watch) + "</b>"
		if utf16Len(b.String()+head) > limit {
			break
		}
		b.WriteString(head)
		for _, s := range g.Stories {
			line := "\n• " + storyHTML(s)
			if utf16Len(b.String()+line) > limit {
				return b.String()
			}
			b.WriteString(line)
		}
	}
	return b.String()
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
