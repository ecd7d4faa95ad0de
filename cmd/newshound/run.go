package main

import (
	"fmt"
	"io"
)

// cmdRun is a placeholder until its issue lands.
func cmdRun(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "newshound: run: not implemented yet")
	return exitRuntime
}
