package feeds

import (
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// PlainText turns an HTML fragment (or plain text) into plain text: tags
// removed, script/style/template contents dropped, entities decoded, block
// elements separated by a space, and runs of white space collapsed to one
// space. Text without '<' or '&' is only white-space collapsed.
func PlainText(s string) string {
	if !strings.Contains(s, "<") {
		if strings.Contains(s, "&") {
			s = html.UnescapeString(s)
		}
		return collapseSpace(s)
	}
	if out, ok := plainTextFast(s); ok {
		return out
	}
	return plainTextTokenizer(s)
}

// plainTextTokenizer is PlainText through the x/net/html tokenizer; it
// handles any input.
func plainTextTokenizer(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside script/style/...
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return collapseSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if dropContent(a) {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if isBlock(a) {
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if dropContent(a) {
				if skip > 0 {
					skip--
				}
				continue
			}
			if isBlock(a) {
				b.WriteByte(' ')
			}
		}
	}
}

// dropContent reports the elements whose content is not text a reader
// sees. <object> is not one of them: its content is the fallback shown when
// the object cannot play, and dropping it let one unclosed <object> in a
// title swallow the rest of the text.
func dropContent(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Iframe, atom.Svg, atom.Math, atom.Head:
		return true
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Tr, atom.Td, atom.Th, atom.Table,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Hr,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Figure, atom.Figcaption, atom.Dd, atom.Dt, atom.Img:
		return true
	}
	return false
}

// collapseSpace trims s and folds every run of Unicode white space (and
// NUL/other control characters) into one ASCII space.
func collapseSpace(s string) string {
	// Fast path: nothing to fold.
	clean := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			clean = false
			break
		}
		sp := c == ' '
		if c < 0x20 || c == 0x7f || (sp && prevSpace) {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	i := 0
	for ; i < len(s); i++ { // ASCII prefix, byte at a time
		c := s[i]
		if c >= utf8.RuneSelf {
			break
		}
		if c <= ' ' || c == 0x7f {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
	}
	for _, r := range s[i:] {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			space = b.Len() > 0
			continue
		}
		if r == utf8.RuneError {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// trackingParams are query parameters that identify a campaign or a click,
// not the resource; they are removed from canonical links. Parameters starting
// with "utm_" are removed too.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gclsrc": true, "msclkid": true, "yclid": true,
	"mc_cid": true, "mc_eid": true, "ref_src": true, "ref_url": true, "igshid": true,
	"_hsenc": true, "_hsmi": true, "mkt_tok": true, "oly_anon_id": true, "oly_enc_id": true,
	"rb_clickid": true, "s_cid": true, "vero_id": true, "wickedid": true, "twclid": true,
	"ncid": true, "cmpid": true, "ito": true, "_ga": true, "_gl": true, "spm": true,
	"at_medium": true, "at_campaign": true, "at_custom1": true, "at_custom2": true,
	"at_custom3": true, "at_custom4": true, "sr_share": true, "__twitter_impression": true,
	"wt_mc": true, "wt_zmc": true, "wt_cc1": true, "wt_cc2": true, "ocid": true, "icid": true,
}

func isTrackingParam(k string) bool {
	lk := strings.ToLower(k)
	return strings.HasPrefix(lk, "utm_") || trackingParams[lk]
}

// CanonicalLink resolves link against base (the feed URL or xml:base; may be
// empty) and returns it in canonical form: absolute, scheme and host lower
// case, default port dropped, fragment and tracking parameters (utm_*,
// fbclid, gclid, mc_cid, mc_eid, ref_src, ...) removed, other parameters kept
// in their order. It returns "" when link is empty, not a URL, or not
// http(s) after resolution (a relative link without a usable base).
func CanonicalLink(link, base string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if !u.IsAbs() || u.Host == "" {
		b, err := url.Parse(strings.TrimSpace(base))
		if err != nil || !b.IsAbs() {
			return ""
		}
		u = b.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	if u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return ""
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment = ""
	u.RawFragment = ""
	if u.Path == "" {
		u.Path = "/"
		u.RawPath = ""
	}
	if u.RawQuery != "" {
		u.RawQuery = stripTracking(u.RawQuery)
	}
	u.ForceQuery = false
	return u.String()
}

// stripTracking removes tracking parameters from a raw query string, keeping
// the others byte for byte and in order.
func stripTracking(raw string) string {
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		k := p
		if i := strings.IndexByte(p, '='); i >= 0 {
			k = p[:i]
		}
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if isTrackingParam(k) {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}

// LinkKey is the cross-feed dedup key of the item's link: the canonical link
// further folded so that the same story reached through http/https, with or
// without "www.", a trailing slash, or reordered query parameters compares
// equal. It is "" when the item has no usable link.
func (it Item) LinkKey() string {
	return linkKey(it.Link)
}

func linkKey(link string) string {
	c := CanonicalLink(link, "")
	if c == "" {
		return ""
	}
	u, err := url.Parse(c)
	if err != nil {
		return ""
	}
	host := strings.TrimPrefix(u.Host, "www.")
	path := u.EscapedPath()
	path = strings.TrimRight(path, "/")
	q := ""
	if u.RawQuery != "" {
		ps := strings.Split(u.RawQuery, "&")
		sort.Strings(ps)
		q = "?" + strings.Join(ps, "&")
	}
	return host + path + q
}

// minTitleKeyRunes is the shortest normalised title (letters and digits,
// spaces excluded) that gets a title key. Short titles such as "Live
// updates" or "Statement" recur across unrelated stories; deduplicating on
// them would drop real alerts.
const minTitleKeyRunes = 16

// TitleKey is the cross-feed dedup key of the item's title: case folded,
// accents and other combining marks removed, compatibility forms unified
// (NFKD, so full-width letters match), punctuation and symbols dropped and
// white space collapsed. It is "" when the title is empty or too short to
// identify a story (fewer than 16 letters and digits).
func (it Item) TitleKey() string {
	return titleKey(it.Title)
}

func titleKey(title string) string {
	if title == "" {
		return ""
	}
	d := norm.NFKD.String(title)
	var b strings.Builder
	b.Grow(len(d))
	n := 0
	space := false
	for _, r := range d {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			// combining mark: dropped (é -> e)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			r = unicode.ToLower(r)
			if r == 'ς' {
				r = 'σ' // final sigma folds to sigma
			}
			b.WriteRune(r)
			n++
		case r == '\'' || r == '\u2019' || r == '\u02bc':
			// apostrophes join: "Russia's" == "Russias"
		default:
			space = true
		}
	}
	if n < minTitleKeyRunes {
		return ""
	}
	return b.String()
}
