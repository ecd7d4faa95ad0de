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
	// Rev is the revision of an Edit row when it was read: a later report
	// coalesced into the row meanwhile makes the store send it again.
	Rev int64 `json:"-"`
}

// WatchMatch is one watch that fired, and the terms that made it fire as
// they should be shown (`APT29, as "Cozy Bear"`).
type WatchMatch struct {
	Name  string
	Terms []string
}
