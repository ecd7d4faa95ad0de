package model

import "time"

// ArticleLabel is how renderers introduce a snippet taken from the article
// page (Alert.FromArticle), so that every platform says it the same way.
const ArticleLabel = "In the article:"

// PendingText is a new story waiting for its article's text: what the
// enrichment step needs, after a restart too, to fetch the page and match
// the story as it would have been matched at ingest.
type PendingText struct {
	// ID is the store's id of the pending mark (set by the store).
	ID int64
	// FeedURL and Key identify the item (Key is set by the store from the NewItem).
	FeedURL string
	Key     string
	// FeedName and FeedTags are the feed's, for feed: scopes and tagged watches.
	FeedName string
	FeedTags []string
	// Link is the article page.
	Link string
	// Title, Summary, Content and Categories are what the feed gave.
	Title      string
	Summary    string
	Content    string
	Categories []string
	Published  time.Time
	// AllowPrivate lets the article be anywhere (security.allow_private_feeds
	// for a chat feed); FeedHost is the host[:port] of a config feed, the one
	// private host its article links may reach.
	AllowPrivate bool
	FeedHost     string
	// CreatedAt is when the story was recorded (set by the store).
	CreatedAt time.Time
	// Story is what the history keeps once the story completes (set by the
	// store from the NewItem; nil: history off).
	Story *Story `json:",omitempty"`
	// Report is the item's report of a news event (set by the store from
	// the NewItem): the story was decided on the teaser at ingest, where
	// the report, its outlet and its index record were recorded; its
	// alerts are queued (or edit the story's first alert) once the text
	// completes. NewOutlet says the outlet was new to the story then.
	Report    *StoryReport `json:",omitempty"`
	NewOutlet bool         `json:",omitempty"`
}
