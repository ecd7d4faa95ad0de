package model

import (
	"fmt"
	"strings"
	"time"
)

// MessageRef is a platform's id of a message it accepted, as its Sender
// spells it (a Telegram message_id, a Discord "CHANNEL/MESSAGE" pair), kept
// so that a later report of the story can edit that message. Opaque to
// everything but the Sender that made it.
type MessageRef string

// What a later report of a story already alerted does at a destination
// (stories.also_reported, routes[].also_reported).
const (
	AlsoReportedEdit  = "edit"  // edit the first alert to name the other outlets
	AlsoReportedQuiet = "quiet" // record the outlet, send nothing
	AlsoReportedAlert = "alert" // send a new alert
)

// StoryPolicy is how a story's alerts behave at one destination.
type StoryPolicy struct {
	// AlsoReported is one of the AlsoReported* constants; "" is edit.
	AlsoReported string
	// MinOutlets holds the destination's first alert until this many
	// different outlets reported the story (0 and 1: no hold).
	MinOutlets int
}

// StoryReport is a new item's place in a story, decided by the engine's
// story index before the ingest that records the item.
type StoryReport struct {
	// ID is the story: an existing one for a later report, else a new id.
	ID int64
	// Outlet is who reported it (the feed's name): a story counts and
	// names its outlets, not its items.
	Outlet string
	Title  string
	Link   string
	// Record is the index's record of this report, persisted with the item
	// so that a restart rebuilds the index; nil when nothing was indexed.
	Record *StoryRecord
	// Policy by destination; a destination without one gets the zero policy.
	Policy map[Destination]StoryPolicy
}

// StoryRecord mirrors stories.Record (model imports nothing of the
// project): one indexed report in the form that survives a restart.
type StoryRecord struct {
	Story     int64
	Seen      time.Time
	Published time.Time // zero when unknown
	Features  []byte    // opaque to everything but package stories
	// Origin names the engine that indexed the report (its replica
	// holder; "" for a daemon alone on its store): a replica catching up
	// with the records of the others skips its own, already indexed.
	Origin string
	// Seq is the store's number of the record, set when it is read: the
	// order of recording, and how far a replica has caught up.
	Seq int64
}

// alsoReportedShown is how many outlets AlsoReportedLine names before it
// counts the rest: a message names the big ones, not a wall of names.
const alsoReportedShown = 3

// AlsoReportedLine is the line every platform adds to an alert whose story
// other outlets reported too: "Also reported by: BBC, Reuters (+3)"; ""
// when there are none.
func AlsoReportedLine(outlets []string) string {
	if len(outlets) == 0 {
		return ""
	}
	shown := outlets[:min(len(outlets), alsoReportedShown)]
	line := "Also reported by: " + strings.Join(shown, ", ")
	if rest := len(outlets) - len(shown); rest > 0 {
		line += fmt.Sprintf(" (+%d)", rest)
	}
	return line
}
