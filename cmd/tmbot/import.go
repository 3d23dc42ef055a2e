package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tmbot/tmbot/bot/importer"
	"github.com/tmbot/tmbot/bot/model"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("import", flag.ContinueOnError)
	from := fl.String("from", "", "source format: "+strings.Join(importer.Formats(), ", "))
	output := fl.String("o", "-", "file to write (a .json name writes JSON), - for standard output")
	reportFile := fl.String("report", "", "write the report of guesses to this file as JSON (default: as text on standard error)")
	acceptUntil := fl.String("accept-until", "", fmt.Sprintf("expiry (YYYY-MM-DD) for accepted risks that have none (default %d days from today)", importer.DefaultAcceptDays))
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot import --from FORMAT FILE [-o OUT] [--report FILE] [--accept-until DATE]")
		fmt.Fprintln(stderr, "Converts a threat model from another tool into a tmbot model that validates. See docs/migrating.md.")
		fl.PrintDefaults()
	}
	rest, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(rest) != 1 || *from == "" {
		fl.Usage()
		return exitUsage
	}
	if !oneOf(stderr, "from", *from, importer.Formats()...) {
		return exitUsage
	}
	src := rest[0]
	data, err := readLimited(src, importer.MaxSourceBytes)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	if len(data) > importer.MaxSourceBytes {
		fmt.Fprintf(stderr, "tmbot: %s: the file is larger than the limit of %d bytes (16 MiB)\n", src, importer.MaxSourceBytes)
		return exitUsage
	}
	res, err := importer.Import(ctx, *from, src, data, importer.Options{AcceptUntil: *acceptUntil})
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: import: %v\n", err)
		return exitUsage
	}
	var out []byte
	name := "imported.threatmodel.yaml"
	if strings.HasSuffix(strings.ToLower(*output), ".json") {
		name = "imported.threatmodel.json"
		out, err = res.Doc.JSON()
	} else {
		out, err = res.Doc.YAML(fmt.Sprintf("Imported from %s (%s) by tmbot import.\nCheck the guesses in the import report; see docs/migrating.md.", src, *from))
	}
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	// The output must validate: check it with the real validator before
	// writing anything.
	loader, err := model.NewLoader(model.DefaultLimits())
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	if lr := loader.Load(ctx, name, out); !lr.Valid {
		fmt.Fprintf(stderr, "tmbot: the imported model does not validate; please report this with the source file:\n")
		for _, d := range lr.Errors() {
			fmt.Fprintf(stderr, "  %s: %s\n", d.Field, d.Message)
		}
		return exitInvalid
	}
	if *output != "-" {
		res.Report.Output = *output
	}
	if *reportFile != "" {
		rb, err := res.Report.JSON()
		if err == nil {
			err = os.WriteFile(*reportFile, rb, 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "tmbot: write report %s: %v\n", *reportFile, err)
			return exitUsage
		}
	} else {
		res.Report.WriteText(stderr)
	}
	if *output == "-" {
		if _, err := stdout.Write(out); err != nil {
			return exitUsage
		}
		return exitOK
	}
	if err := os.WriteFile(*output, out, 0o644); err != nil {
		fmt.Fprintf(stderr, "tmbot: write %s: %v\n", *output, err)
		return exitUsage
	}
	return exitOK
}
