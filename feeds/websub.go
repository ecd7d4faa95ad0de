package feeds

import (
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/rss"
)

// webSubLinks finds the WebSub discovery links of a feed document: Atom's
// own <link rel="hub"> and <link rel="self">, or an RSS channel's
// <atom:link> elements (gofeed keeps those as extensions, under whatever
// prefix the document bound the Atom namespace to). Relative hrefs resolve
// against base. A hub is usable only with a self URL: the topic is what
// the hub knows the feed by.
func webSubLinks(gf *gofeed.Feed, base string) (hubs []string, self string) {
	add := func(rel, href string) {
		href = resolve(strings.TrimSpace(href), base)
		if href == "" {
			return
		}
		switch strings.ToLower(strings.TrimSpace(rel)) {
		case "hub":
			for _, h := range hubs {
				if h == href {
					return
				}
			}
			hubs = append(hubs, href)
		case "self":
			if self == "" {
				self = href
			}
		}
	}
	switch f := gf.OriginalFeed().(type) {
	case *atom.Feed:
		if f != nil {
			for _, l := range f.Links {
				if l != nil {
					add(l.Rel, l.Href)
				}
			}
		}
	case *rss.Feed:
		if f != nil {
			for _, ns := range f.Extensions {
				for _, l := range ns["link"] {
					add(l.Attrs["rel"], l.Attrs["href"])
				}
			}
		}
	}
	if self == "" {
		return nil, ""
	}
	return hubs, self
}

// resolve makes href absolute against base; "" when it is not an http(s) URL.
func resolve(href, base string) string {
	u, err := url.Parse(href)
	if err != nil || href == "" {
		return ""
	}
	if b, err := url.Parse(base); err == nil && base != "" {
		u = b.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	return u.String()
}
