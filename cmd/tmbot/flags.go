package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// parseFlags parses flags that may come before or after the positional
// arguments (tmbot validate x/ --format json).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, bool) {
	fs.SetOutput(stderr)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, true
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// oneOf checks a flag's value against its allowed values.
func oneOf(stderr io.Writer, flagName, value string, allowed ...string) bool {
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	fmt.Fprintf(stderr, "tmbot: --%s %q: expected one of %s\n", flagName, value, strings.Join(allowed, ", "))
	return false
}
