package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
)

func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("diff", flag.ContinueOnError)
	format := fl.String("format", "text", "output format: text, json or markdown")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot diff [--format text|json|markdown] BASE HEAD")
		fmt.Fprintln(stderr, "Shows what changed between two versions of a model file, matched by id.")
		fl.PrintDefaults()
	}
	files, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(files) != 2 {
		fl.Usage()
		return exitUsage
	}
	if !oneOf(stderr, "format", *format, "text", "json", "markdown") {
		return exitUsage
	}
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	var models [2]*model.Model
	for i, f := range files {
		data, err := readLimited(f, model.DefaultMaxBytes)
		if err != nil {
			fmt.Fprintf(stderr, "tmbot: %v\n", err)
			return exitUsage
		}
		res := loader.Load(ctx, f, data)
		for _, d := range res.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		if res.Model == nil {
			fmt.Fprintf(stderr, "tmbot: %s cannot be read as a threat model\n", f)
			return exitUsage
		}
		models[i] = res.Model
	}
	d := diff.Compare(models[0], models[1])
	switch *format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			fmt.Fprintf(stderr, "tmbot: %v\n", err)
			return exitUsage
		}
	case "markdown":
		io.WriteString(stdout, d.Markdown())
	default:
		io.WriteString(stdout, d.Text())
	}
	return exitOK
}
