package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/schemas"
)

func runSchema(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("schema", flag.ContinueOnError)
	format := fl.String("format", "cue", "cue or jsonschema")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot schema [--format cue|jsonschema]")
		fl.PrintDefaults()
	}
	rest, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(rest) > 0 || !oneOf(stderr, "format", *format, "cue", "jsonschema") {
		return exitUsage
	}
	if *format == "cue" {
		io.WriteString(stdout, schemas.ThreatModel)
		return exitOK
	}
	s, err := model.LoadSchema()
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s.JSONSchema()); err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	return exitOK
}
