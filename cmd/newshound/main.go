// Command newshound polls news feeds, matches stories against a watchlist and
// alerts Discord channels and Telegram chats. See README.md.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
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
// 20 MB more peak memory (BENCHMARKS.md). The soft limit is what bounds
// the heap of a large farm: 10,000 feeds keep a live heap of 25-50 MB, so
// at 128 MiB the collector still runs rarely (the first cycle's CPU per
// feed was the same as at 192 MiB), and the daemon's peak RSS, about 50
// MB more than this (SQLite's caches outside the Go heap, the binary),
// stays under 200 MB. A fixed limit near a larger live heap would have the
// collector run all the time, so the limit follows the live heap
// (followLiveHeap).
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
		go followLiveHeap(time.Second)
	}
}

// defaultMemoryLimit is the Go heap's soft limit unless GOMEMLIMIT is set
// or the live heap needs more (memoryLimit).
const defaultMemoryLimit = 128 << 20

// memoryLimit is the soft limit for a live heap of live bytes: the default
// while the heap is small, and beyond it room for garbage of half the live
// heap, at least 64 MiB, so that a collection never comes after only a
// few megabytes of allocation. With the story index of 10,000 feeds' fresh
// items (a live heap of ~150 MB) a fixed 128 MiB had the collector run
// continuously: 1.8 ms of CPU per steady 304 instead of 0.1, and 11.8
// instead of 7.7 ms per feed in the first cycle; twice the live heap (Go's
// own GOGC=100) avoided that but peaked at 356 MB.
func memoryLimit(live uint64) int64 {
	l := int64(live)
	return max(defaultMemoryLimit, l+max(l/2, 64<<20))
}

// followLiveHeap sets the soft limit from the live heap every period, for
// the life of the process.
func followLiveHeap(period time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	last := int64(defaultMemoryLimit)
	for range time.Tick(period) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return // not measured by this runtime: keep the default
		}
		if limit := memoryLimit(sample[0].Value.Uint64()); limit != last {
			debug.SetMemoryLimit(limit)
			last = limit
		}
	}
}

// command is one row of the command table: its name, its line in the
// usage summary, and its handler (which parses its own arguments with
// parseArgs or parseSub, so -h/--help and flag order work the same
// everywhere).
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands is the command table, in the order of the usage summary.
var commands []command

func init() {
	commands = []command{
		{"run", "run [--config F] [--once]        run the daemon (--once: poll all feeds, deliver, exit)", cmdRun},
		{"check", "check [--config F]               validate the config", cmdCheck},
		{"match", "match [--config F] (--text T | --feed FILE_OR_URL | --jsonl FILE) [--json]", cmdMatch},
		{"backtest", "backtest (--watch NAME | --query Q) [--since 7d] [--json]   what a watch would have alerted on", cmdBacktest},
		{"watch", "watch add NAME QUERY [--to DEST] | watch rm NAME | watch ls [--json]", cmdWatch},
		{"feed", "feed add URL [--tag T] [--no-check] | feed rm URL | feed ls [--json] | feed test URL | feed import FILE.opml | feed export", cmdFeed},
		{"outbox", "outbox ls [--json] | outbox retry [ID]", cmdOutbox},
		{"health", "health [--config F] [--url URL]  exit 0 when the running daemon answers ready", cmdHealth},
		{"completion", "completion bash|zsh|fish         print a shell completion script", cmdCompletion},
		{"stories", "stories [--config F] --jsonl FILE  which earlier line reports the same story", cmdStories},
		{"migrate", "migrate [--config F] --to DSN     copy the SQLite store into PostgreSQL", cmdMigrate},
		{"version", "version                          print the version", cmdVersion},
	}
}

// run dispatches a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitInput
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 && args[0] == "help" {
			if c, ok := findCommand(args[1]); ok {
				return c.run([]string{"--help"}, stdout, stderr)
			}
		}
		usage(stdout)
		return exitOK
	case "--version", "-version":
		return cmdVersion(nil, stdout, stderr)
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "newshound: unknown command %q\n", args[0])
		usage(stderr)
		return exitInput
	}
	return c.run(args[1:], stdout, stderr)
}

func findCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: newshound COMMAND [flags]\n\n")
	for _, c := range commands {
		fmt.Fprintln(w, "  "+c.summary)
	}
	fmt.Fprint(w, "\nnewshound COMMAND --help shows a command's flags. Flags may come before or after\n"+
		"arguments; -- ends them. The config file is --config, else $NEWSHOUND_CONFIG, else\n"+
		"./config.yaml. Exit codes: 0 ok, 1 bad input, 2 runtime failure.\n")
}

const versionUsage = `usage: newshound version

Prints the version: the release tag the binary was built with, else the
commit it was built from (from the Go build's VCS information).`

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	if _, code, ok := parseArgs("version", args, nil, 0, 0, versionUsage, stdout, stderr); !ok {
		return code
	}
	fmt.Fprintln(stdout, "newshound", buildVersion())
	return exitOK
}

// buildVersion is the version set with -ldflags, else the module version
// (go install ...@v1.2.3), else the VCS revision the build recorded, with
// "+dirty" for uncommitted changes, else "dev".
func buildVersion() string {
	if version != "dev" && version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionFrom(info)
}

func versionFrom(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, at string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "dev-" + rev
	if dirty {
		v += "+dirty"
	}
	if at != "" {
		v += " (" + at + ")"
	}
	return v
}
