package main

import "strings"

// oneLine collapses white space (newlines included) for one-line display.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip puts s on one line and shortens it to n runes for a table cell.
func clip(s string, n int) string {
	s = oneLine(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
