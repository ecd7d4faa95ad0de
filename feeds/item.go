// Package feeds fetches feeds over HTTP and turns them into normalised items.
//
// Fetching (conditional GET, limits, charsets, SSRF guard) and parsing (gofeed
// to Item, canonical links, plain text) live here; nothing in this package
// knows about watches, the store or chats.
package feeds

import "time"

// Item is one story from a feed, normalised so that the rest of the program
// never sees HTML, relative links or tracking parameters.
type Item struct {
	// Key is the stable dedup key within its feed: the GUID, else the
	// canonical link, else a hash of title, date and text ("sha256:...",
	// with "#2", "#3" appended to the second and later of items identical
	// in every field).
	Key string
	// GUID is the feed's own identifier, as published (may be empty).
	GUID string
	// Link is the canonical absolute link (tracking parameters and fragment removed).
	Link string
	// Title, Summary and Content are plain text (HTML stripped, entities decoded).
	Title   string
	Summary string
	Content string
	// Categories and Authors as published, trimmed.
	Categories []string
	Authors    []string
	// Published is the publication (else update) time; zero when the feed gives none.
	Published time.Time
}

// Feed is a parsed feed document.
type Feed struct {
	// Title is the feed's own title, plain text.
	Title string
	// Link is the site's home page, if the feed names one.
	Link string
	// TTL is the RSS <ttl> as a duration (0 when absent); a lower bound on the poll interval.
	TTL time.Duration
	// Type is the format and version as detected, e.g. "rss 2.0",
	// "atom 1.0", "json 1.1" (for previews and discovery).
	Type string
	// Items are the stories in document order; of items sharing a Key only
	// the first is kept.
	Items []Item
	// Partial is true when the document was broken (cut off, not well
	// formed) and Items holds only the items complete before the break. The
	// store must not prune keys missing from a partial feed.
	Partial bool
	// Charset is the WHATWG name of the encoding the document was decoded
	// from ("utf-8", "windows-1251", "euc-kr", ...), for `feed test`.
	Charset string
	// CharsetUnsure is true when no BOM, label or valid UTF-8 named the
	// encoding and the detector's guess was weak: the text may be garbled,
	// and `feed test` / `feed ls` should say so rather than let watches
	// silently miss it.
	CharsetUnsure bool
	// Hubs are the WebSub hubs the document advertises (rel="hub"), and
	// Self its rel="self" URL, the topic to subscribe to; Hubs is empty
	// when the document names no self URL.
	Hubs []string
	Self string
}
