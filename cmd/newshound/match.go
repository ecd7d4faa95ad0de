package main

import (
	"fmt"
	"io"
)

// cmdMatch is a placeholder until its issue lands.
func cmdMatch(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "newshound: match: not implemented yet")
	return exitRuntime
}
