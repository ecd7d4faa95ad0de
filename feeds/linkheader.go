package feeds

import "strings"

// Link is one link of an HTTP Link header (RFC 8288): its target, resolved
// against the URL of the response, and its relation types.
type Link struct {
	// URL is the absolute target.
	URL string
	// Rels are the relation types of the rel parameter, lower case (a link
	// may name several: rel="hub self").
	Rels []string
}

// ParseLinkHeader parses the Link header fields of a response (each field
// may hold several comma-separated links) into the links whose context is
// the response itself: a link with an anchor parameter is about another
// resource and is left out. Relative targets resolve against base, the
// URL the response came from (RFC 8288 §3.2: never against a base the
// body names); targets that are not http(s) are left out. Malformed links
// are skipped; what follows them is still read.
func ParseLinkHeader(fields []string, base string) []Link {
	var out []Link
	for _, f := range fields {
		p := linkParser{s: f}
		for !p.done() {
			target, params, ok := p.link()
			if !ok {
				p.skipLink()
				continue
			}
			if _, has := params["anchor"]; has {
				continue
			}
			u := resolve(target, base)
			if u == "" {
				continue
			}
			out = append(out, Link{URL: u, Rels: strings.Fields(strings.ToLower(params["rel"]))})
		}
	}
	return out
}

// linkParser reads one Link field value:
//
//	link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
//	link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
//
// with link-values separated by commas (commas inside <...> and quoted
// strings belong to them).
type linkParser struct {
	s string
	i int
}

func (p *linkParser) done() bool {
	p.skip(" \t,")
	return p.i >= len(p.s)
}

func (p *linkParser) skip(set string) {
	for p.i < len(p.s) && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}

// link reads one link-value; params holds each parameter's first
// occurrence, by lower-case name (RFC 8288 §3.3: later rel parameters are
// ignored).
func (p *linkParser) link() (target string, params map[string]string, ok bool) {
	if p.i >= len(p.s) || p.s[p.i] != '<' {
		return "", nil, false
	}
	end := strings.IndexByte(p.s[p.i:], '>')
	if end < 0 {
		p.i = len(p.s)
		return "", nil, false
	}
	target = strings.TrimSpace(p.s[p.i+1 : p.i+end])
	p.i += end + 1
	params = map[string]string{}
	for {
		p.skip(" \t")
		if p.i >= len(p.s) || p.s[p.i] == ',' {
			return target, params, true
		}
		if p.s[p.i] != ';' {
			return "", nil, false
		}
		p.i++
		p.skip(" \t")
		name := strings.ToLower(p.token())
		if name == "" {
			return "", nil, false
		}
		p.skip(" \t")
		value := ""
		if p.i < len(p.s) && p.s[p.i] == '=' {
			p.i++
			p.skip(" \t")
			if p.i < len(p.s) && p.s[p.i] == '"' {
				v, ok := p.quoted()
				if !ok {
					return "", nil, false
				}
				value = v
			} else {
				value = p.token()
			}
		}
		if _, seen := params[name]; !seen {
			params[name] = value
		}
	}
}

// token reads an RFC 9110 token (and a trailing "*" of an RFC 8187
// extended parameter name, which then names another parameter).
func (p *linkParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// quoted reads a quoted-string at p.i, undoing backslash escapes.
func (p *linkParser) quoted() (string, bool) {
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; c {
		case '\\':
			p.i++
			if p.i < len(p.s) {
				b.WriteByte(p.s[p.i])
			}
		case '"':
			p.i++
			return b.String(), true
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// skipLink moves past a malformed link-value to the comma that ends it,
// stepping over quoted strings and <...> so that their commas do not end
// it early.
func (p *linkParser) skipLink() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ',':
			p.i++
			return
		case '"':
			if _, ok := p.quoted(); !ok {
				p.i = len(p.s)
			}
			continue
		case '<':
			if end := strings.IndexByte(p.s[p.i:], '>'); end >= 0 {
				p.i += end + 1
				continue
			}
			p.i = len(p.s)
			return
		}
		p.i++
	}
}

// webSubHeader finds the WebSub discovery links of a Link header: every
// rel="hub" (in order, without repeats) and the first rel="self".
func webSubHeader(fields []string, base string) (hubs []string, self string) {
	if len(fields) == 0 {
		return nil, ""
	}
	for _, l := range ParseLinkHeader(fields, base) {
		for _, rel := range l.Rels {
			switch rel {
			case "hub":
				if !contains(hubs, l.URL) {
					hubs = append(hubs, l.URL)
				}
			case "self":
				if self == "" {
					self = l.URL
				}
			}
		}
	}
	return hubs, self
}

// WebSubTarget is where to subscribe a fetched and parsed feed: a hub and
// the topic (its self URL). The HTTP Link header comes first, as the
// WebSub spec (§4, discovery) tells subscribers, and the document's own
// links stand in for what the header does not name: a header that names
// only a hub takes the document's self URL, and the other way round.
// ok is false when no hub and self URL are known.
func WebSubTarget(resp *Response, f *Feed) (hub, topic string, ok bool) {
	var hubs []string
	if resp != nil {
		hubs, topic = resp.Hubs, resp.Self
	}
	if f != nil {
		if len(hubs) == 0 {
			hubs = f.Hubs
		}
		if topic == "" {
			topic = f.Self
		}
	}
	if len(hubs) == 0 || topic == "" {
		return "", "", false
	}
	return hubs[0], topic, true
}
