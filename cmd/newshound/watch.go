package main

import (
	"fmt"
	"io"
)

// cmdWatch is a placeholder until its issue lands.
func cmdWatch(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "newshound: watch: not implemented yet")
	return exitRuntime
}
