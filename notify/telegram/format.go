package telegram

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newshound/newshound/model"
	"golang.org/x/net/idna"
)

// MaxMessageLen is Telegram's limit on a message's text after entity
// parsing, in UTF-16 code units (what Telegram counts as characters).
const MaxMessageLen = 4096

// ellipsis marks text that was cut to fit the limit.
const ellipsis = "…"

// escapeHTML escapes s for Telegram's HTML parse mode, which knows only the
// entities &lt; &gt; &amp; and &quot;. Quotes are escaped too so the result
// is also safe inside a double-quoted attribute.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, `<>&"`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// utf16Len is the length of s in UTF-16 code units, as Telegram counts.
// Invalid UTF-8 bytes decode to U+FFFD and count as one unit each.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// cleanText makes feed text fit for a message: invalid UTF-8 is replaced,
// carriage returns and other control characters except newline and tab are
// dropped (Telegram rejects or mangles some of them).
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	ok := true
	for _, r := range s {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return -1
		case r == '\u2028' || r == '\u2029':
			return '\n'
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// oneLine collapses all whitespace runs, newlines included, to one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(cleanText(s)), " ")
}

// safeHref returns the link as it may appear in an href, or "" when it is
// not an absolute http or https URL (javascript:, data:, tg: and relative
// links are shown as text, never linked).
func safeHref(link string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || u.Host == "" || u.User != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if host := u.Hostname(); !isASCII(host) {
		// Internationalised domain names go out as punycode.
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return ""
		}
		if port := u.Port(); port != "" {
			ascii += ":" + port
		}
		u.Host = ascii
	}
	return encodeUnsafe(u.String())
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// encodeUnsafe percent-encodes the bytes that have no place in a URL as
// written (spaces, controls, quotes, angle brackets, non-ASCII), leaving
// existing escapes alone, so an href is plain ASCII Telegram accepts.
func encodeUnsafe(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// seg is one piece of a message: fixed visible text (prefix), markup around
// a plain-text body, and how eagerly the body may be cut. Segments with
// prio > 0 disappear entirely (prefix and markup included) once their text
// is cut to nothing, so markup stays balanced whatever is cut.
type seg struct {
	prefix string // plain, escaped on output, never cut
	open   string // raw markup, emitted only with the segment
	text   string // plain, escaped on output
	close  string // raw markup closing open
	prio   int    // 0: never cut; higher is cut first
	group  int    // segments of one group are cut together, from the end
	needs  int    // 1 + index of a segment without which this one vanishes; 0: none
}

// message is a sequence of segments rendered to Telegram HTML.
type message []seg

// live reports whether segment i is shown.
func (m message) live(i int) bool {
	s := m[i]
	if s.prio > 0 && s.text == "" {
		return false
	}
	return s.needs == 0 || m.live(s.needs-1)
}

// cost is the UTF-16 length segment i adds when shown.
func (m message) cost(i int) int {
	if !m.live(i) {
		return 0
	}
	return utf16Len(m[i].prefix) + utf16Len(m[i].text)
}

// visible is the message's UTF-16 length as Telegram will count it.
func (m message) visible() int {
	n := 0
	for i := range m {
		n += m.cost(i)
	}
	return n
}

func (m message) html() string {
	var b strings.Builder
	for i, s := range m {
		if !m.live(i) {
			continue
		}
		b.WriteString(escapeHTML(s.prefix))
		b.WriteString(s.open)
		b.WriteString(escapeHTML(s.text))
		b.WriteString(s.close)
	}
	return b.String()
}

// fit cuts the message until it is at most limit UTF-16 units long. A
// first pass cuts groups in priority order (highest first) but not below
// their soft floor, so a flood in one field (a thousand watches, a giant
// title) does not wipe out the others; a second pass cuts in the same order
// down to nothing. Cuts are made from a group's end, at a word boundary
// where one is near, and marked with an ellipsis. fit reports false if even
// cutting every cuttable segment leaves the message too long.
func (m message) fit(limit int) bool {
	for _, soft := range []bool{true, false} {
		for prio := maxPrio; prio > 0; prio-- {
			for _, g := range m.groups(prio) {
				excess := m.visible() - limit
				if excess <= 0 {
					return true
				}
				total := m.groupLen(g)
				keep := total - excess
				if soft {
					keep = max(keep, floor(g))
				}
				if keep < total {
					m.cutGroup(g, max(keep, 0))
				}
			}
		}
	}
	return m.visible() <= limit
}

// groups lists the cuttable groups of a priority, last-appearing first.
func (m message) groups(prio int) []int {
	var gs []int
	seen := map[int]bool{}
	for i := len(m) - 1; i >= 0; i-- {
		if s := m[i]; s.prio == prio && !seen[s.group] {
			seen[s.group] = true
			gs = append(gs, s.group)
		}
	}
	return gs
}

// groupLen is the UTF-16 length group g adds, prefixes included.
func (m message) groupLen(g int) int {
	n := 0
	for i, s := range m {
		if s.group == g && s.prio > 0 {
			n += m.cost(i)
		}
	}
	return n
}

// cutGroup cuts group g to at most keep UTF-16 units, prefixes and the
// ellipsis that marks the cut included; segments left empty vanish with
// their prefix and markup.
func (m message) cutGroup(g, keep int) {
	keep -= utf16Len(ellipsis)
	last := -1 // the last segment still holding text
	for i, s := range m {
		if s.group != g || s.prio == 0 || !m.live(i) {
			continue
		}
		p, n := utf16Len(s.prefix), utf16Len(s.text)
		switch {
		case p+n <= keep:
			keep -= p + n
			last = i
		case keep > p:
			m[i].text = cutUTF16(s.text, keep-p)
			keep = 0
			if m[i].text != "" {
				last = i
			}
		default:
			m[i].text = ""
			keep = 0
		}
	}
	if last >= 0 {
		m[last].text += ellipsis
	}
}

// cutUTF16 returns the longest prefix of s of at most n UTF-16 units, backed
// off to the last space when one lies in the final fifth, with trailing
// spaces and punctuation trimmed.
func cutUTF16(s string, n int) string {
	used, end := 0, 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n {
			break
		}
		used += w
		end += size
	}
	out := s[:end]
	if end < len(s) {
		if sp := strings.LastIndexFunc(out, unicode.IsSpace); sp > 0 && sp >= len(out)*4/5 {
			out = out[:sp]
		}
	}
	return strings.TrimRightFunc(out, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == ':'
	})
}

// Cut priorities: the snippet goes first, then matched terms, then watch
// names, then the title, then the feed name.
const (
	prioFeed    = 1
	prioTitle   = 2
	prioName    = 3
	prioTerms   = 4
	prioSnippet = 5
	maxPrio     = 5
)

// Group ids used by renderAlert.
const (
	groupFixed = iota
	groupTitle
	groupFeed
	groupSnippet
	groupTerms
	groupNames
)

// floor is the length the first cutting pass leaves group g.
func floor(g int) int {
	if g == groupFeed {
		return 100
	}
	return 400
}

// snippetSpans renders a snippet's runs (model.Segments) as segments,
// hits in bold.
func snippetSpans(snippet string) []seg {
	var out []seg
	for _, sg := range model.Segments(snippet) {
		s := seg{text: sg.Text, prio: prioSnippet, group: groupSnippet}
		if sg.Hit {
			s.open, s.close = "<b>", "</b>"
		}
		out = append(out, s)
	}
	return out
}

// renderAlert lays an alert out as Telegram HTML of at most limit visible
// UTF-16 units:
//
//	<b><a href="LINK">Title</a></b>
//	<i>Feed · 2026-11-27 00:27 UTC</i>
//
//	snippet with <b>hits</b>
//
//	🔎 <b>watch</b>: APT29, as "Cozy Bear"
//
// Every feed-supplied string is escaped; only http(s) links are linked.
func renderAlert(a model.Alert, limit int) (string, bool) {
	title := oneLine(a.Title)
	href := safeHref(a.Link)
	if title == "" {
		title = oneLine(a.Link)
	}
	if title == "" {
		title = "(untitled)"
	}
	var m message
	if href != "" {
		m = append(m, seg{open: `<b><a href="` + escapeHTML(href) + `">`, text: title, close: "</a></b>", prio: prioTitle, group: groupTitle})
	} else {
		m = append(m, seg{open: "<b>", text: title, close: "</b>", prio: prioTitle, group: groupTitle})
	}

	feed := oneLine(a.Feed)
	when := ""
	if !a.Published.IsZero() {
		when = a.Published.UTC().Format("2006-01-02 15:04 UTC")
	}
	if feed != "" || when != "" {
		m = append(m, seg{text: "\n"})
	}
	if feed != "" {
		m = append(m, seg{open: "<i>", text: feed, close: "</i>", prio: prioFeed, group: groupFeed})
	}
	if when != "" {
		sep := ""
		if feed != "" {
			sep = " · "
		}
		m = append(m, seg{prefix: sep, open: "<i>", text: when, close: "</i>"})
	}

	if also := model.AlsoReportedLine(a.AlsoReported); also != "" {
		// Cut before the title (prioFeed): who else reported it matters
		// less than what the story is.
		m = append(m, seg{prefix: "\n", open: "<i>", text: oneLine(also), close: "</i>", prio: prioFeed})
	}

	if snip := strings.TrimSpace(cleanText(a.Snippet)); snip != "" {
		spans := snippetSpans(snip)
		if len(spans) > 0 {
			spans[0].prefix = "\n\n"
			if a.FromArticle {
				spans[0].prefix = " "
				m = append(m, seg{prefix: "\n\n", open: "<i>", text: model.ArticleLabel, close: "</i>", prio: prioSnippet, group: groupSnippet})
			}
			m = append(m, spans...)
		}
	}

	first := true
	for _, w := range a.Watches {
		name := oneLine(w.Name)
		if name == "" {
			continue
		}
		prefix := "\n🔎 "
		if first {
			prefix = "\n\n🔎 "
			first = false
		}
		nameAt := len(m)
		m = append(m, seg{prefix: prefix, open: "<b>", text: name, close: "</b>", prio: prioName, group: groupNames})
		var terms []string
		for _, t := range w.Terms {
			if t = oneLine(t); t != "" {
				terms = append(terms, t)
			}
		}
		if len(terms) > 0 {
			m = append(m, seg{prefix: ": ", text: strings.Join(terms, "; "), prio: prioTerms, group: groupTerms, needs: nameAt + 1})
		}
	}
	ok := m.fit(limit)
	return m.html(), ok
}
