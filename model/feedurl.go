package model

import (
	"net"
	"net/url"
	"strings"
)

// FeedKey is the form in which two feed URLs are the same feed: surrounding
// space trimmed, scheme and host lower case, a default port and the
// fragment dropped, an empty path written "/". The config's duplicate
// check, /addfeed, OPML import and the engine's list of feeds all compare
// feeds by it. A string that is not an absolute URL is returned trimmed.
func FeedKey(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	switch {
	case port != "":
		host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		host = "[" + host + "]"
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}
