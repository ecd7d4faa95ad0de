package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
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
	_, qerrs := configRegistry(cfg)
	list = append(list, qerrs...)
	list = append(list, checkWatchQueries(cfg, nil)...)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Pos.Line != list[j].Pos.Line {
			return list[i].Pos.Line < list[j].Pos.Line
		}
		return list[i].Pos.Col < list[j].Pos.Col
	})
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

// configRegistry builds the actor registry a config's queries are checked
// against: the built-in table, entities: and alias_files:. Alias files that
// cannot be imported are reported at their position in the config (missing
// files are already reported by config.Load).
func configRegistry(cfg *config.Config) (*matcher.Registry, config.ErrorList) {
	// The order of matcher.BuildRegistry (entities, then alias files), one
	// file at a time so that a bad file is reported at its entry.
	reg := matcher.NewRegistry()
	reg.AddGroups(cfg.Entities)
	var errs config.ErrorList
	for i, f := range cfg.AliasFiles {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		if err := reg.ImportFile(f); err != nil {
			p := config.Pos{Line: 1, Col: 1}
			if i < len(cfg.AliasFilePos) {
				p = cfg.AliasFilePos[i]
			}
			errs = append(errs, &config.Error{File: cfg.Path, Pos: p, Msg: err.Error()})
		}
	}
	return reg, errs
}

// checkWatchQueries checks every watch query of cfg with the matcher and
// reports each bad one at the exact place in the file where the problem is.
// Config watches may use /regex/ (the config is trusted). When only is
// non-nil, only the watches it accepts are checked.
func checkWatchQueries(cfg *config.Config, only func(config.Watch) bool) config.ErrorList {
	reg, _ := configRegistry(cfg)
	var errs config.ErrorList
	for _, w := range cfg.Watches {
		if only != nil && !only(w) {
			continue
		}
		err := matcher.Check(w.Query, reg, matcher.CompileOptions{AllowRegex: true})
		var se *matcher.SyntaxError
		switch {
		case err == nil:
		case errors.As(err, &se):
			errs = append(errs, cfg.QueryError(w, se.Pos, se.Msg))
		default:
			errs = append(errs, cfg.QueryError(w, 0, err.Error()))
		}
	}
	return errs
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
