package model

import "strings"

// The markers the matcher wraps hits in (Alert.Snippet). The text's own
// guillemets never reach a snippet as markers: the matcher turns them into
// curly quotes (“ ”) first.
const (
	HitOpen  = "«"
	HitClose = "»"
)

// Segment is one run of a snippet: plain text, or a hit to emphasise.
type Segment struct {
	Text string
	Hit  bool
}

// Segments splits a snippet with hits marked « and » into plain and hit
// runs. It is the one reading of the markers every renderer uses, so a
// snippet looks the same on every platform.
//
// The rule: a « opens a hit that the next » closes. Hits do not nest: a «
// followed by another « before any » is unpaired, and so is a » with no
// open « before it. An unpaired marker is literal text, shown as it is
// (a snippet cut short, or an older payload, loses no characters).
// An empty pair («») marks nothing and is dropped.
//
// The result has no empty segments and no two neighbours of the same kind
// («a»«b» is one hit "ab"); joining the texts gives the snippet without its
// paired markers.
func Segments(snippet string) []Segment {
	var out []Segment
	add := func(text string, hit bool) {
		if text == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Hit == hit {
			out[n-1].Text += text
			return
		}
		out = append(out, Segment{Text: text, Hit: hit})
	}
	rest := snippet
	for {
		open := strings.Index(rest, HitOpen)
		if open < 0 {
			break
		}
		after := rest[open+len(HitOpen):]
		end := strings.Index(after, HitClose)
		if end < 0 {
			break // no » anywhere after: this « and the rest are text
		}
		if inner := strings.LastIndex(after[:end], HitOpen); inner >= 0 {
			// «a «b»: the first « is unpaired; the last one before » pairs.
			open += len(HitOpen) + inner
			after = rest[open+len(HitOpen):]
			end -= inner + len(HitOpen)
		}
		add(rest[:open], false)
		add(after[:end], true)
		rest = after[end+len(HitClose):]
	}
	add(rest, false)
	return out
}
