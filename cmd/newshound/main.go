// Command newshound polls news feeds, matches stories against a watchlist and
// alerts Discord channels and Telegram chats. See README.md.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// Exit codes, as PRODUCT.md fixes them.
const (
	exitOK      = 0
	exitInput   = 1
	exitRuntime = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC trades memory for CPU unless the user set GOGC or GOMEMLIMIT: a
// poll cycle allocates a lot of short-lived parse garbage, and collecting
// 4x less often cut the CPU of a 2,000-feed first cycle by about 12% for
// 20 MB more peak memory (BENCHMARKS.md). The soft limit keeps a large
// farm from growing without bound.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(192 << 20)
	}
}

// run dispatches a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitInput
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) int{
		"run":     cmdRun,
		"check":   cmdCheck,
		"match":   cmdMatch,
		"watch":   cmdWatch,
		"feed":    cmdFeed,
		"outbox":  cmdOutbox,
		"stories": cmdStories,
		"version": cmdVersion,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "newshound: unknown command %q\n", args[0])
		usage(stderr)
		return exitInput
	}
	return cmd(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: newshound COMMAND [flags]

  run [--config F] [--once]        run the daemon (--once: poll all feeds, deliver, exit)
  check [--config F]               validate the config
  match [--config F] (--text T | --feed FILE_OR_URL | --jsonl FILE) [--json]
  watch add NAME QUERY | watch rm NAME | watch ls
  feed add URL [--tag T] | feed rm URL | feed ls
  outbox ls | outbox retry [ID]
  stories [--config F] --jsonl FILE  which earlier line reports the same story
  version
`)
}

func cmdVersion(_ []string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, "newshound", version)
	return exitOK
}
