package main

import (
	"fmt"
	"io"
)

// cmdOutbox is a placeholder until its issue lands.
func cmdOutbox(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "newshound: outbox: not implemented yet")
	return exitRuntime
}
