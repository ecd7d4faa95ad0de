// Command parsercorpus runs feeds.Parse over the test suites of other feed
// parsers (Python feedparser's tests/, gofeed's testdata/) and reports, per
// folder, how many files parsed, how many items came out, how many were
// rejected and how many crashed or hung, plus how many titles match the
// expectations those suites state. The suites are not part of this
// repository; scripts/parser-corpus.sh fetches or locates them and skips
// cleanly when they are absent. See PARSING.md for the numbers.
//
// Usage:
//
//	go run ./internal/parsercorpus [-v] [-timeout 10s] SUITE_DIR...
//
// -v lists every rejection, crash and wrong title, so that a changed number
// can be traced to its files.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	verbose := flag.Bool("v", false, "list every rejection, crash, hang and wrong title")
	timeout := flag.Duration("timeout", defaultTimeout, "per-file parse time after which a file counts as hung")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: parsercorpus [-v] [-timeout D] SUITE_DIR...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(1)
	}
	os.Exit(run(flag.Args(), *timeout, *verbose, os.Stdout, os.Stderr))
}

// run reports on every suite directory; it returns 2 when a file crashed or
// hung (a regression the script must not hide), 1 on bad input, else 0.
func run(dirs []string, timeout time.Duration, verbose bool, stdout, stderr io.Writer) int {
	code := 0
	for _, dir := range dirs {
		rep, err := Walk(dir, timeout)
		if err != nil {
			fmt.Fprintf(stderr, "parsercorpus: %v\n", err)
			return 1
		}
		rep.Print(stdout, verbose)
		if t := rep.Total(); t.Crashes > 0 || t.Hangs > 0 {
			code = 2
		}
	}
	return code
}
