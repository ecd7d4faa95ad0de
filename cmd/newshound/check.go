package main

import (
	"fmt"
	"io"
)

// cmdCheck is a placeholder until its issue lands.
func cmdCheck(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "newshound: check: not implemented yet")
	return exitRuntime
}
