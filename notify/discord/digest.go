package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/newshound/newshound/model"
)

// flagSuppressNotifications is Discord's SUPPRESS_NOTIFICATIONS message
// flag (1<<12): the message arrives without a push or desktop notification.
const flagSuppressNotifications = 1 << 12

// buildDigestEmbed renders a digest alert as one embed: one field per
// watch (cut to Discord's 1024-character field value) when it fits the 25
// fields, else the whole list in the description; each story a masked link
// with its outlet. Everything from feeds is escaped.
func buildDigestEmbed(a model.Alert) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Title: Escape(strings.TrimSpace(a.Title), MaxTitle)}
	if !a.Published.IsZero() {
		e.Timestamp = a.Published.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	var desc strings.Builder
	for _, g := range a.Digest {
		watch := strings.TrimSpace(g.Watch)
		if watch == "" {
			watch = "other"
		}
		head := "\n**" + Escape(watch, 100) + "**"
		if runeLen(desc.String())+runeLen(head) > MaxDescription {
			break
		}
		desc.WriteString(head)
		for _, s := range g.Stories {
			line := "\n• " + storyMarkdown(s)
			if runeLen(desc.String())+runeLen(line)+runeLen(e.Title) > min(MaxDescription, MaxEmbedTotal) {
				break
			}
			desc.WriteString(line)
		}
	}
	e.Description = strings.TrimPrefix(desc.String(), "\n")
	if len(a.Digest) > 0 {
		e.Color = Colour(a.Digest[0].Watch)
	}
	return e
}

func storyMarkdown(s model.DigestStory) string {
	title := Escape(strings.TrimSpace(s.Title), 200)
	if title == "" {
		title = "(untitled)"
	}
	out := title
	if u := safeURL(s.Link); u != "" {
		out = "[" + title + "](" + u + ")"
	}
	if feed := strings.TrimSpace(s.Feed); feed != "" {
		out += " — *" + Escape(feed, 100) + "*"
	}
	return out
}
