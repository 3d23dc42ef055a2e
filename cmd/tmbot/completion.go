package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// flagLine is a line of flag.PrintDefaults: "  -name type" or "  -name".
var flagLine = regexp.MustCompile(`(?m)^  -([A-Za-z0-9][A-Za-z0-9-]*)\b`)

// commandFlags lists a command's flags, read from its own usage (so that
// the completion never drifts from the flags the command has).
func commandFlags(ctx context.Context, c command) []string {
	var b bytes.Buffer
	c.run(ctx, []string{"-h"}, io.Discard, &b)
	var out []string
	for _, m := range flagLine.FindAllStringSubmatch(b.String(), -1) {
		if len(m[1]) == 1 {
			out = append(out, "-"+m[1])
		} else {
			out = append(out, "--"+m[1])
		}
	}
	sort.Strings(out)
	return out
}

func runCompletion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: tmbot completion bash|zsh|fish")
		fmt.Fprintln(w, "Prints a shell completion script for tmbot's commands and flags. Load it with:")
		fmt.Fprintln(w, "  bash: source <(tmbot completion bash)       (or save it in /etc/bash_completion.d/tmbot)")
		fmt.Fprintln(w, "  zsh:  tmbot completion zsh > \"${fpath[1]}/_tmbot\"")
		fmt.Fprintln(w, "  fish: tmbot completion fish > ~/.config/fish/completions/tmbot.fish")
	}
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh" && args[0] != "fish") {
		usage(stderr)
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return exitOK
		}
		return exitUsage
	}
	var names []string
	flags := map[string][]string{}
	for _, c := range commands() {
		names = append(names, c.name)
		if c.name != "completion" {
			flags[c.name] = commandFlags(ctx, c)
		}
	}
	flags["completion"] = nil
	switch args[0] {
	case "bash":
		writeBash(stdout, names, flags)
	case "zsh":
		// zsh runs the bash function through its bash compatibility.
		io.WriteString(stdout, "#compdef tmbot\nautoload -U +X bashcompinit && bashcompinit\n")
		writeBash(stdout, names, flags)
	case "fish":
		writeFish(stdout, names, flags)
	}
	return exitOK
}

func writeBash(w io.Writer, names []string, flags map[string][]string) {
	fmt.Fprintln(w, "# bash completion for tmbot (tmbot completion bash)")
	fmt.Fprintln(w, "_tmbot() {")
	fmt.Fprintln(w, `  local cur="${COMP_WORDS[COMP_CWORD]}"`)
	fmt.Fprintln(w, `  if [ "$COMP_CWORD" -eq 1 ]; then`)
	fmt.Fprintf(w, "    COMPREPLY=($(compgen -W %q -- \"$cur\"))\n", strings.Join(append(names, "help", "--version", "--help"), " "))
	fmt.Fprintln(w, "    return")
	fmt.Fprintln(w, "  fi")
	fmt.Fprintln(w, `  case "${COMP_WORDS[1]}" in`)
	for _, n := range names {
		words := flags[n]
		if n == "completion" {
			words = []string{"bash", "zsh", "fish"}
		}
		fmt.Fprintf(w, "    %s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", n, strings.Join(append(words, "--help"), " "))
	}
	fmt.Fprintf(w, "    help) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", strings.Join(names, " "))
	fmt.Fprintln(w, "  esac")
	fmt.Fprintln(w, "}")
	fmt.Fprintln(w, "complete -o default -F _tmbot tmbot")
}

func writeFish(w io.Writer, names []string, flags map[string][]string) {
	fmt.Fprintln(w, "# fish completion for tmbot (tmbot completion fish)")
	fmt.Fprintln(w, "complete -c tmbot -f -n __fish_use_subcommand -l version -d 'print the version'")
	for _, c := range commands() {
		fmt.Fprintf(w, "complete -c tmbot -f -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	fmt.Fprintf(w, "complete -c tmbot -f -n '__fish_seen_subcommand_from help' -a %s\n", fishQuote(strings.Join(names, " ")))
	fmt.Fprintln(w, "complete -c tmbot -f -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'")
	for _, n := range names {
		for _, f := range flags[n] {
			opt := "-l " + strings.TrimPrefix(f, "--")
			if !strings.HasPrefix(f, "--") {
				opt = "-s " + strings.TrimPrefix(f, "-")
			}
			fmt.Fprintf(w, "complete -c tmbot -n '__fish_seen_subcommand_from %s' %s\n", n, opt)
		}
	}
}

// fishQuote quotes a string for fish: single quotes, with \ and ' escaped.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
