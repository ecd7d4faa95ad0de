package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/watchlist"
)

// cmdCheck validates the config file: everything config.Load checks, plus
// every watch query (with the config's entities and alias files) and the
// alias files themselves. Each problem is printed as file:line:col: msg.
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	a, err := parseCLIArgs(args, map[string]bool{"config": false})
	if err != nil || len(a.pos) > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected argument %q", a.pos[0])
		}
		fmt.Fprintf(stderr, "newshound: check: %v\nusage: newshound check [--config F]\n", err)
		return exitInput
	}
	path := config.ResolvePath(a.one("config"))
	cfg, err := config.Load(path)
	var list config.ErrorList
	if err != nil && !errors.As(err, &list) {
		fmt.Fprintf(stderr, "newshound: check: %v\n", err)
		return exitInput
	}
	if cfg != nil {
		var more config.ErrorList
		if _, err := watchlist.Compile(cfg, destinationKinds()); errors.As(err, &more) {
			list = append(list, more...)
		} else if err != nil {
			fmt.Fprintf(stderr, "newshound: check: %v\n", err)
			return exitInput
		}
	}
	list.Sort()
	if len(list) > 0 {
		for _, e := range list {
			fmt.Fprintln(stderr, e.Error())
		}
		return exitInput
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintln(stderr, w.Error())
	}
	fmt.Fprintf(stdout, "%s: ok (%d feeds, %d watches, %d routes)\n", path, len(cfg.Feeds), len(cfg.Watches), len(cfg.Routes))
	return exitOK
}

// showQueryError renders a query problem for the command line, with a
// caret under the offending place.
func showQueryError(query string, err error) string {
	var se *matcher.SyntaxError
	if !errors.As(err, &se) {
		return "invalid query: " + err.Error()
	}
	pos := se.Pos
	if n := len([]rune(query)); pos > n {
		pos = n
	}
	return fmt.Sprintf("invalid query: %s\n  %s\n  %s^", se.Msg, query, strings.Repeat(" ", pos))
}

// cliArgs are parsed command-line arguments: flags and positionals in any order.
type cliArgs struct {
	flags map[string][]string
	pos   []string
}

func (a cliArgs) one(name string) string {
	v := a.flags[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// parseCLIArgs parses "--name value", "--name=value" (one dash works too)
// anywhere among the positional arguments; "--" ends the flags, so a query
// may start with "-". known maps each flag name to whether it may repeat.
func parseCLIArgs(args []string, known map[string]bool) (cliArgs, error) {
	a := cliArgs{flags: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			a.pos = append(a.pos, args[i+1:]...)
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			a.pos = append(a.pos, arg)
			continue
		}
		name := strings.TrimLeft(arg, "-")
		name, value, hasValue := strings.Cut(name, "=")
		repeat, ok := known[name]
		if !ok {
			return a, fmt.Errorf("unknown flag %s (put -- before an argument that starts with -)", arg)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return a, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if !repeat && len(a.flags[name]) > 0 {
			return a, fmt.Errorf("flag --%s given twice", name)
		}
		a.flags[name] = append(a.flags[name], value)
	}
	return a, nil
}

// editExit prints the outcome of a config edit and returns the exit code:
// refusals are bad input (1), anything else a runtime failure (2).
func editExit(err error, what string, stdout, stderr io.Writer, done string) int {
	if err == nil {
		fmt.Fprintln(stdout, done)
		return exitOK
	}
	fmt.Fprintf(stderr, "newshound: %s: %v\n", what, err)
	if errors.Is(err, config.ErrRefused) {
		return exitInput
	}
	return exitRuntime
}
