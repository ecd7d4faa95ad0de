package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// flagKind says how a command-line flag takes its value.
type flagKind int

const (
	flagValue  flagKind = iota // --name V, at most once
	flagRepeat                 // --name V, any number of times
	flagBool                   // --name alone (or --name=true|false)
)

// errHelp is what parseCLIArgs returns for -h or --help.
var errHelp = errors.New("help requested")

// cliArgs are parsed command-line arguments: flags and positionals in any order.
type cliArgs struct {
	flags map[string][]string
	pos   []string
}

// one is the value of a flag given at most once, "" when absent.
func (a cliArgs) one(name string) string {
	v := a.flags[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// on reports whether a boolean flag is set.
func (a cliArgs) on(name string) bool {
	v := a.one(name)
	return v != "" && v != "false"
}

// parseCLIArgs is the one argument parser of every command. It takes
// "--name value", "--name=value" (one dash works too) and boolean "--name"
// anywhere among the positional arguments. After "--" an argument is
// positional even when it starts with "-" (a query "-sports Baku"), except
// the command's own flags spelt with two dashes, so that
// `watch add calm -- '-sports Baku' --config F` still honours --config.
// -h and --help return errHelp. known gives each flag's kind.
func parseCLIArgs(args []string, known map[string]flagKind) (cliArgs, error) {
	a := cliArgs{flags: map[string][]string{}}
	dashes := false
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" && !dashes {
			dashes = true
			continue
		}
		if dashes && !isKnownLongFlag(arg, known) {
			a.pos = append(a.pos, arg)
			continue
		}
		if len(arg) < 2 || arg[0] != '-' {
			a.pos = append(a.pos, arg)
			continue
		}
		if arg == "-h" || arg == "--help" || arg == "-help" {
			return a, errHelp
		}
		name := strings.TrimLeft(arg, "-")
		name, value, hasValue := strings.Cut(name, "=")
		kind, ok := known[name]
		if !ok {
			return a, fmt.Errorf("unknown flag %s (put -- before an argument that starts with -)", arg)
		}
		switch {
		case kind == flagBool && !hasValue:
			value = "true"
		case kind == flagBool:
			if value != "true" && value != "false" {
				return a, fmt.Errorf("flag --%s takes no value (or =true, =false), not %q", name, value)
			}
		case !hasValue:
			if i+1 >= len(args) {
				return a, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if kind != flagRepeat && len(a.flags[name]) > 0 {
			return a, fmt.Errorf("flag --%s given twice", name)
		}
		a.flags[name] = append(a.flags[name], value)
	}
	return a, nil
}

// isKnownLongFlag reports whether arg is "--name" or "--name=..." for a flag in known.
func isKnownLongFlag(arg string, known map[string]flagKind) bool {
	name, ok := strings.CutPrefix(arg, "--")
	if !ok {
		return false
	}
	name, _, _ = strings.Cut(name, "=")
	_, ok = known[name]
	return ok
}

// parseArgs parses a command's arguments with parseCLIArgs and handles
// the outcomes every command shares: on -h/--help it prints usage to
// stdout and returns exitOK; on a bad flag, or a number of positional
// arguments outside [minPos, maxPos] (maxPos < 0: no limit), it prints the
// problem and usage to stderr and returns exitInput. ok is true when the
// command should go on.
func parseArgs(what string, args []string, known map[string]flagKind, minPos, maxPos int, usage string, stdout, stderr io.Writer) (a cliArgs, code int, ok bool) {
	a, err := parseCLIArgs(args, known)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(stdout, strings.TrimRight(usage, "\n"))
		return a, exitOK, false
	}
	if err == nil && len(a.pos) < minPos {
		err = errors.New("missing argument")
	}
	if err == nil && maxPos >= 0 && len(a.pos) > maxPos {
		err = fmt.Errorf("unexpected argument %q", a.pos[maxPos])
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound: %s: %v\n%s\n", what, err, strings.TrimRight(usage, "\n"))
		return a, exitInput, false
	}
	return a, exitOK, true
}

// configFlag is the --config flag every command that reads the config takes.
const configFlagHelp = "--config F: the config file (default $NEWSHOUND_CONFIG, then ./config.yaml)"

// subcmd is what one subcommand (watch add, feed ls...) accepts besides --config.
type subcmd struct {
	minPos, maxPos int      // positional arguments after the subcommand's name
	flags          []string // flags of the command it takes
}

// parseSub parses a command with subcommands: flags may come before or
// after the subcommand's name, which is the first positional argument.
// known holds every flag of the command; each subcommand takes --config
// and its own flags. Help and mistakes are handled as in parseArgs.
func parseSub(what string, args []string, known map[string]flagKind, subs map[string]subcmd, usage string, stdout, stderr io.Writer) (sub string, a cliArgs, code int, ok bool) {
	a, code, ok = parseArgs(what, args, known, 0, -1, usage, stdout, stderr)
	if !ok {
		return "", a, code, false
	}
	fail := func(format string, v ...any) (string, cliArgs, int, bool) {
		fmt.Fprintf(stderr, "newshound: "+format+"\n%s\n", append(v, strings.TrimRight(usage, "\n"))...)
		return "", a, exitInput, false
	}
	if len(a.pos) == 0 {
		return fail("%s: missing subcommand", what)
	}
	sub = a.pos[0]
	if sub == "help" {
		fmt.Fprintln(stdout, strings.TrimRight(usage, "\n"))
		return "", a, exitOK, false
	}
	sc, known2 := subs[sub]
	if !known2 {
		return fail("%s: unknown subcommand %q", what, sub)
	}
	a.pos = a.pos[1:]
	for name := range a.flags {
		if name != "config" && !contains(sc.flags, name) {
			return fail("%s %s: flag --%s does not apply here", what, sub, name)
		}
	}
	switch {
	case len(a.pos) < sc.minPos:
		return fail("%s %s: missing argument", what, sub)
	case sc.maxPos >= 0 && len(a.pos) > sc.maxPos:
		return fail("%s %s: unexpected argument %q", what, sub, a.pos[sc.maxPos])
	}
	return sub, a, exitOK, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
