package main

import (
	"fmt"
	"io"
)

// cmdFeed is a placeholder until its issue lands.
func cmdFeed(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "newshound: feed: not implemented yet")
	return exitRuntime
}
