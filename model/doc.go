// Package model holds Newshound's domain types: what flows from feed to chat
// (an Alert and why it matched), where it goes (a Destination), and the
// records the store keeps (feed state, items, outbox rows, subscriptions).
//
// It is the leaf every other package may import; it imports nothing of the
// project, so the store, the matcher and the feeds never depend on delivery
// or bot code to name what they keep.
package model
