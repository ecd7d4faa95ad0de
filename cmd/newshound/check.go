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

const checkUsage = `usage: newshound check [--config F]

Validates the config file; prints file:line:col: message per problem and
exits 1 when there is one.

  ` + configFlagHelp

// cmdCheck validates the config file: everything config.Load checks, plus
// every watch query (with the config's entities and alias files) and the
// alias files themselves. Each problem is printed as file:line:col: msg.
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	a, code, ok := parseArgs("check", args, map[string]flagKind{"config": flagValue}, 0, 0, checkUsage, stdout, stderr)
	if !ok {
		return code
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
