package main

import (
	"fmt"
	"io"
	"strings"
)

const completionUsage = `usage: newshound completion bash|zsh|fish

Prints a shell completion script. Install it with, for example:
  bash: newshound completion bash > /etc/bash_completion.d/newshound
  zsh:  newshound completion zsh > "${fpath[1]}/_newshound"
  fish: newshound completion fish > ~/.config/fish/completions/newshound.fish`

// completionWords is what each command completes: subcommands and flags.
var completionWords = map[string]string{
	"run":        "--config --once --help",
	"check":      "--config --help",
	"match":      "--config --text --feed --jsonl --json --help",
	"backtest":   "--config --watch --query --since --limit --json --help",
	"watch":      "add rm ls --config --tag --color --to --json --help",
	"feed":       "add rm ls --config --tag --name --interval --json --help",
	"outbox":     "ls retry --config --all --json --help",
	"health":     "--config --url --help",
	"completion": "bash zsh fish",
	"version":    "--help",
}

func cmdCompletion(args []string, stdout, stderr io.Writer) int {
	a, code, ok := parseArgs("completion", args, nil, 1, 1, completionUsage, stdout, stderr)
	if !ok {
		return code
	}
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	cmds := strings.Join(names, " ")
	var b strings.Builder
	switch a.pos[0] {
	case "bash":
		fmt.Fprintf(&b, "# bash completion for newshound\n_newshound() {\n  local cur=${COMP_WORDS[COMP_CWORD]}\n"+
			"  if [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=($(compgen -W \"%s --help --version\" -- \"$cur\")); return; fi\n"+
			"  case \"${COMP_WORDS[COMP_CWORD-1]}\" in --config|--feed|--jsonl) COMPREPLY=($(compgen -f -- \"$cur\")); return;; esac\n"+
			"  local words\n  case \"${COMP_WORDS[1]}\" in\n", cmds)
		for _, n := range names {
			fmt.Fprintf(&b, "    %s) words=%q;;\n", n, completionWords[n])
		}
		b.WriteString("  esac\n  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\ncomplete -o default -F _newshound newshound\n")
	case "zsh":
		fmt.Fprintf(&b, "#compdef newshound\n_newshound() {\n  if (( CURRENT == 2 )); then compadd -- %s --help --version; return; fi\n"+
			"  case ${words[CURRENT-1]} in --config|--feed|--jsonl) _files; return;; esac\n  case ${words[2]} in\n", cmds)
		for _, n := range names {
			fmt.Fprintf(&b, "    %s) compadd -- %s;;\n", n, completionWords[n])
		}
		b.WriteString("  esac\n}\ncompdef _newshound newshound\n")
	case "fish":
		b.WriteString("# fish completion for newshound\ncomplete -c newshound -f\n")
		fmt.Fprintf(&b, "complete -c newshound -n __fish_use_subcommand -a '%s'\n", cmds)
		for _, n := range names {
			for _, w := range strings.Fields(completionWords[n]) {
				if flag, ok := strings.CutPrefix(w, "--"); ok {
					fmt.Fprintf(&b, "complete -c newshound -n '__fish_seen_subcommand_from %s' -l %s\n", n, flag)
				} else {
					fmt.Fprintf(&b, "complete -c newshound -n '__fish_seen_subcommand_from %s' -a %s\n", n, w)
				}
			}
		}
		b.WriteString("complete -c newshound -l config -r -F\n")
	default:
		fmt.Fprintf(stderr, "newshound: completion: unknown shell %q (bash, zsh or fish)\n", a.pos[0])
		return exitInput
	}
	fmt.Fprint(stdout, b.String())
	return exitOK
}
