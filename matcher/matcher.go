// Package matcher decides whether a story concerns a watch: it parses the
// query language, resolves actor aliases, and explains each match.
package matcher

// Doc is the text of one story as the matcher sees it.
type Doc struct {
	Title      string
	Summary    string
	Content    string
	Categories []string
	// Feed is the feed's display name (for feed:NAME scopes).
	Feed string
	// FeedTags are the feed's tags; a watch with tags only sees feeds sharing one.
	FeedTags []string
}

// Watch is a named query.
type Watch struct {
	Name  string
	Query string
	// Tags restricts the watch to feeds carrying one of these tags (empty: all feeds).
	Tags []string
}

// Term is one query term that matched, as it should be shown to a user.
type Term struct {
	// Text is the query term as written (`Cozy Bear`, `hack*`, `actor:APT29`).
	Text string
	// Entity is the canonical entity name for actor: terms ("APT29"), else empty.
	Entity string
	// Seen is the text as it appeared in the story ("Cozy Bear").
	Seen string
}

// String renders the term for alerts: `APT29, as "Cozy Bear"` for an actor
// seen under an alias, else the seen text.
func (t Term) String() string {
	if t.Entity != "" {
		if t.Seen != "" && t.Seen != t.Entity {
			return t.Entity + ", as \"" + t.Seen + "\""
		}
		return t.Entity
	}
	if t.Seen != "" {
		return t.Seen
	}
	return t.Text
}

// Hit is one watch that fired on a Doc, with why.
type Hit struct {
	Watch string
	// Index is the watch's position in the list given to Compile (names
	// need not be unique).
	Index int
	Terms []Term
	// Snippet is a short plain-text excerpt around the first hit, hits marked
	// with the runes « and » so each platform can render them its own way.
	Snippet string
}

// Matcher matches documents against a compiled watchlist. Implementations
// are safe for concurrent use.
type Matcher interface {
	Match(d Doc) []Hit
}
