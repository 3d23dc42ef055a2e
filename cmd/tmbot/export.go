package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tmbot/tmbot/bot/importer"
	"github.com/tmbot/tmbot/bot/model"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("export", flag.ContinueOnError)
	to := fl.String("to", "otm", "target format: otm")
	output := fl.String("o", "-", "file to write, - for standard output")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot export --to otm MODEL [-o OUT]")
		fmt.Fprintln(stderr, "Writes a valid model as an Open Threat Model 0.2 JSON document; tmbot import --from otm reads it back unchanged.")
		fl.PrintDefaults()
	}
	rest, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(rest) != 1 {
		fl.Usage()
		return exitUsage
	}
	if !oneOf(stderr, "to", *to, "otm") {
		return exitUsage
	}
	lim := model.DefaultLimits()
	data, err := readLimited(rest[0], lim.MaxBytes)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	loader, err := model.NewLoader(lim)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	lr := loader.Load(ctx, rest[0], data)
	if !lr.Valid {
		for _, d := range lr.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		fmt.Fprintf(stderr, "tmbot: %s is not valid; fix it before exporting\n", rest[0])
		return exitInvalid
	}
	out, err := importer.ExportOTM(lr.Model)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: export %s: %v\n", rest[0], err)
		return exitUsage
	}
	if *output == "-" {
		stdout.Write(out)
		return exitOK
	}
	if err := os.WriteFile(*output, out, 0o644); err != nil {
		fmt.Fprintf(stderr, "tmbot: write %s: %v\n", *output, err)
		return exitUsage
	}
	return exitOK
}
