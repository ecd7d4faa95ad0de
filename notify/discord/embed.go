package discord

import (
	"hash/fnv"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/newshound/newshound/model"
)

// Discord's documented message and embed limits, in characters.
const (
	MaxTitle       = 256
	MaxDescription = 4096
	MaxFieldName   = 256
	MaxFieldValue  = 1024
	MaxFields      = 25
	MaxAuthor      = 256
	MaxEmbedTotal  = 6000
	MaxContent     = 2000
	maxNonce       = 25
	maxURL         = 2048
	ellipsis       = "…"
)

// palette holds the colours a watch can get; the first watch's name picks one.
var palette = [...]int{
	0x5865F2, 0x57F287, 0xFEE75C, 0xEB459E, 0xED4245, 0x3498DB,
	0xE67E22, 0x9B59B6, 0x1ABC9C, 0xE91E63, 0xF1C40F, 0x2ECC71,
}

// Colour returns the embed colour of a watch: stable across runs and hosts.
func Colour(watch string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(watch))
	return palette[h.Sum32()%uint32(len(palette))]
}

// escapeTokens escapes Discord markdown and mentions in s and returns one
// token per input rune, so that cutting at a token boundary never splits an
// escape sequence.
func escapeTokens(s string) []string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	toks := make([]string, 0, len(s))
	lineStart := true
	for _, r := range s {
		var t string
		switch r {
		case '\\', '*', '_', '~', '`', '|', '>', '<', '[', ']', '(', ')':
			t = `\` + string(r)
		case '#', '-':
			if lineStart {
				t = `\` + string(r)
			} else {
				t = string(r)
			}
		case '@':
			// A zero-width space after @ defuses @everyone, @here and <@id>
			// even where allowed_mentions is not honoured (embeds, previews).
			t = "@\u200b"
		case '\r':
			continue
		default:
			t = string(r)
		}
		switch r {
		case '\n':
			lineStart = true
		case ' ', '\t':
		default:
			lineStart = false
		}
		toks = append(toks, t)
	}
	return toks
}

func tokensLen(toks []string) int {
	n := 0
	for _, t := range toks {
		n += utf8.RuneCountInString(t)
	}
	return n
}

// takeTokens returns the longest prefix of toks whose length is at most max.
func takeTokens(toks []string, max int) ([]string, int) {
	n := 0
	for i, t := range toks {
		l := utf8.RuneCountInString(t)
		if n+l > max {
			return toks[:i], n
		}
		n += l
	}
	return toks, n
}

// fit joins toks, cutting to at most max characters with a trailing ellipsis.
func fit(toks []string, max int) string {
	if max <= 0 {
		return ""
	}
	if tokensLen(toks) <= max {
		return strings.Join(toks, "")
	}
	head, _ := takeTokens(toks, max-1)
	return strings.TrimRight(strings.Join(head, ""), " \n\t") + ellipsis
}

// Escape returns s with Discord markdown and mentions neutralised, cut to
// at most max characters (runes) with an ellipsis. max <= 0 means no limit.
func Escape(s string, max int) string {
	toks := escapeTokens(s)
	if max <= 0 {
		return strings.Join(toks, "")
	}
	return fit(toks, max)
}

// runeLen counts characters as Discord's limits do.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

type segment struct {
	toks []string
	bold bool
}

// snippetSegments renders a snippet's runs (model.Segments) as escaped
// plain and bold segments.
func snippetSegments(s string) []segment {
	var segs []segment
	for _, sg := range model.Segments(s) {
		if !sg.Hit {
			segs = append(segs, segment{toks: escapeTokens(sg.Text)})
			continue
		}
		// Markdown bold must hug its text: keep edge spaces outside.
		trimmed := strings.TrimSpace(sg.Text)
		if trimmed == "" {
			segs = append(segs, segment{toks: escapeTokens(sg.Text)})
			continue
		}
		lead := sg.Text[:strings.Index(sg.Text, trimmed)]
		trail := sg.Text[len(lead)+len(trimmed):]
		if lead != "" {
			segs = append(segs, segment{toks: escapeTokens(lead)})
		}
		segs = append(segs, segment{toks: escapeTokens(trimmed), bold: true})
		if trail != "" {
			segs = append(segs, segment{toks: escapeTokens(trail)})
		}
	}
	// Neighbours of one kind become one run (a hit of spaces only is plain).
	merged := segs[:0]
	for _, sg := range segs {
		if n := len(merged); n > 0 && merged[n-1].bold == sg.bold {
			merged[n-1].toks = append(merged[n-1].toks, sg.toks...)
			continue
		}
		merged = append(merged, sg)
	}
	return merged
}

// renderSnippet renders segments as Discord markdown in at most max
// characters; bold markers stay balanced when the text is cut.
func renderSnippet(segs []segment, max int) string {
	total := 0
	for _, sg := range segs {
		total += tokensLen(sg.toks)
		if sg.bold {
			total += 4
		}
	}
	var b strings.Builder
	write := func(sg segment, toks []string) {
		if sg.bold {
			b.WriteString("**")
		}
		for _, t := range toks {
			b.WriteString(t)
		}
		if sg.bold {
			b.WriteString("**")
		}
	}
	if total <= max {
		for _, sg := range segs {
			write(sg, sg.toks)
		}
		return b.String()
	}
	room := max - 1 // the ellipsis
	for _, sg := range segs {
		over := 0
		if sg.bold {
			over = 4
		}
		if room-over <= 0 {
			break
		}
		head, n := takeTokens(sg.toks, room-over)
		if len(head) > 0 {
			write(sg, head)
			room -= n + over
		}
		if len(head) < len(sg.toks) {
			break
		}
	}
	return b.String() + ellipsis
}

// safeURL returns raw if Discord would accept it as an embed or link URL.
func safeURL(raw string) string {
	if raw == "" || len(raw) > maxURL {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return raw
}

// maxFooter bounds the "Also reported by" footer well below Discord's 2048,
// so that it never crowds out the snippet.
const maxFooter = 256

// BuildEmbed renders an alert as one embed within every Discord limit:
// linked title, snippet with hits in bold, feed as author, published time,
// one field per watch with its terms, and a colour per first watch. Text is
// escaped and cut, never rejected for length.
func BuildEmbed(a model.Alert) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich}

	title := strings.TrimSpace(a.Title)
	if title == "" {
		title = "(untitled)"
	}
	e.Title = Escape(title, MaxTitle)
	e.URL = safeURL(a.Link)
	if feed := strings.TrimSpace(a.Feed); feed != "" {
		// Author names are not markdown; only cut them.
		e.Author = &discordgo.MessageEmbedAuthor{Name: cutPlain(feed, MaxAuthor)}
	}
	if !a.Published.IsZero() {
		e.Timestamp = a.Published.UTC().Format(time.RFC3339)
	}
	if len(a.Watches) > 0 {
		e.Color = Colour(a.Watches[0].Name)
	}

	if also := model.AlsoReportedLine(a.AlsoReported); also != "" {
		// The footer renders no markdown: outlet names need no escaping.
		e.Footer = &discordgo.MessageEmbedFooter{Text: cutPlain(also, maxFooter)}
	}
	fields := watchFields(a.Watches)
	fixed := runeLen(e.Title)
	if e.Footer != nil {
		fixed += runeLen(e.Footer.Text)
	}
	if e.Author != nil {
		fixed += runeLen(e.Author.Name)
	}
	want := 0
	for _, f := range fields {
		want += runeLen(f.Name) + runeLen(f.Value)
	}
	descMax := min(MaxDescription, MaxEmbedTotal-fixed-min(want, 2000))
	if a.FromArticle && a.Snippet != "" {
		label := "*" + model.ArticleLabel + "* "
		e.Description = label + renderSnippet(snippetSegments(strings.TrimSpace(a.Snippet)), descMax-runeLen(label))
	} else {
		e.Description = renderSnippet(snippetSegments(strings.TrimSpace(a.Snippet)), descMax)
	}

	room := MaxEmbedTotal - fixed - runeLen(e.Description)
	for _, f := range fields {
		n, v := runeLen(f.Name), runeLen(f.Value)
		if n+v <= room {
			e.Fields = append(e.Fields, f)
			room -= n + v
			continue
		}
		if room-n >= 16 {
			f.Value = cutPlain(f.Value, room-n)
			e.Fields = append(e.Fields, f)
		}
		break
	}
	return e
}

// cutPlain cuts already-safe text to max characters with an ellipsis; it
// never splits a backslash escape.
func cutPlain(s string, max int) string {
	if runeLen(s) <= max {
		return s
	}
	toks := make([]string, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\\' && i+size < len(s) {
			_, n2 := utf8.DecodeRuneInString(s[i+size:])
			toks = append(toks, s[i:i+size+n2])
			i += size + n2
			continue
		}
		toks = append(toks, s[i:i+size])
		i += size
	}
	return fit(toks, max)
}

// watchFields renders one field per watch (name, terms), at most MaxFields;
// past that the last field names the watches left over.
func watchFields(ws []model.WatchMatch) []*discordgo.MessageEmbedField {
	var out []*discordgo.MessageEmbedField
	for i, w := range ws {
		if i == MaxFields-1 && len(ws) > MaxFields {
			names := make([]string, 0, len(ws)-i)
			for _, rest := range ws[i:] {
				names = append(names, Escape(rest.Name, 0))
			}
			out = append(out, &discordgo.MessageEmbedField{
				Name:  "More watches",
				Value: cutPlain(strings.Join(names, ", "), MaxFieldValue),
			})
			break
		}
		name := strings.TrimSpace(w.Name)
		if name == "" {
			name = "watch"
		}
		terms := make([]string, 0, len(w.Terms))
		for _, t := range w.Terms {
			if t = strings.TrimSpace(t); t != "" {
				terms = append(terms, Escape(t, 0))
			}
		}
		value := strings.Join(terms, ", ")
		if value == "" {
			value = "(no terms)"
		}
		out = append(out, &discordgo.MessageEmbedField{
			Name:  "Watch: " + Escape(name, MaxFieldName-len("Watch: ")),
			Value: cutPlain(value, MaxFieldValue),
		})
	}
	return out
}

// EmbedLen is the length Discord counts towards MaxEmbedTotal.
func EmbedLen(e *discordgo.MessageEmbed) int {
	n := runeLen(e.Title) + runeLen(e.Description)
	if e.Author != nil {
		n += runeLen(e.Author.Name)
	}
	if e.Footer != nil {
		n += runeLen(e.Footer.Text)
	}
	for _, f := range e.Fields {
		n += runeLen(f.Name) + runeLen(f.Value)
	}
	return n
}
