package model

import "time"

// Alert is one story to show at one destination, with why it matched.
type Alert struct {
	// ID is the outbox row id; stable across retries.
	ID int64
	// Destination is where the alert goes.
	Destination Destination
	// Nonce is unique per alert row and stable across retries (Discord enforce_nonce).
	Nonce string
	// Attempts counts earlier failed deliveries (set by the queue, not stored in the payload).
	Attempts int `json:"-"`

	Title     string
	Link      string
	Feed      string
	Published time.Time // zero if unknown
	// Snippet is plain text with hits marked « and » (see Segments).
	Snippet string
	// FromArticle says the story matched on its article page's text, not
	// only on what the feed gave (poll.fulltext): the snippet comes from
	// the article, and renderers say "in the article" so that a reader who
	// sees only a teaser knows where to look.
	FromArticle bool `json:",omitempty"`
	// Watches are the watches that fired, with their terms.
	Watches []WatchMatch

	// Story is the news event this alert reports (0: none, e.g. a notice).
	// The store keeps AlsoReported and Watches of a story's alerts current:
	// they are filled in from the story when the alert is read for delivery.
	Story int64 `json:",omitempty"`
	// AlsoReported names the other outlets that reported the story, in the
	// order they did (see AlsoReportedLine).
	AlsoReported []string `json:",omitempty"`
	// Edit marks a row that edits the message already sent for the story
	// at this destination (Ref) instead of sending a new one.
	Edit bool `json:",omitempty"`
	// Ref is the platform's id of the message an Edit row edits; set by the
	// store when the row is read, empty when the platform gave none.
	Ref MessageRef `json:"-"`
	// FirstRef, on a later report's own alert (also_reported: alert), is
	// the platform's id of the story's first message at this destination,
	// once sent; set by the store when the row is read. A platform that
	// opened a thread from that message posts the report in it.
	FirstRef MessageRef `json:"-"`
	// Rev is the revision of an Edit row when it was read: a later report
	// coalesced into the row meanwhile makes the store send it again.
	Rev int64 `json:"-"`
	// Digest, when not empty, makes this alert a digest: many held
	// stories in one message, grouped by watch (Title then names it and
	// Link, Snippet and Watches are empty). Part and Parts number the
	// messages of a digest split at the platform's limits.
	Digest      []DigestGroup `json:",omitempty"`
	Part, Parts int           `json:",omitempty"`
	// Silent asks the platform to deliver without a notification sound
	// (quiet hours in silent mode). Set by the dispatcher's queue when the
	// alert is sent, not stored.
	Silent bool `json:"-"`
	// Thread asks the platform to open a thread from the alert's message,
	// named by its headline, for talk about the story (a Discord text
	// channel with threads: story). Set by the dispatcher's queue from the
	// destination's config when the alert is sent, not stored, so that a
	// reload applies to alerts already queued.
	Thread bool `json:"-"`
}

// WatchMatch is one watch that fired, and the terms that made it fire as
// they should be shown (`APT29, as "Cozy Bear"`).
type WatchMatch struct {
	Name  string
	Terms []string
}
