package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tmbot/tmbot/bot/model"
)

func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("plan", flag.ContinueOnError)
	owner := fl.String("owner", "", "team or user handle that owns the plans, such as @org/team (required)")
	due := fl.String("due", "", "due date YYYY-MM-DD (required)")
	risk := fl.String("risk", "", "plan only open threats of this risk or higher: low, medium, high or critical (default: all)")
	dryRun := fl.Bool("dry-run", false, "print the edited model instead of writing the file")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot plan MODEL --owner @team --due YYYY-MM-DD [--risk high] [--dry-run]")
		fmt.Fprintln(stderr, "Gives the open threats' mitigations an owner and a due date, and makes proposed ones planned;")
		fmt.Fprintln(stderr, "a threat with no mitigation gets a planned one. Edits the YAML file in place, keeping its comments and layout.")
		fl.PrintDefaults()
	}
	rest, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(rest) != 1 || *owner == "" || *due == "" {
		fl.Usage()
		return exitUsage
	}
	if *risk != "" && !oneOf(stderr, "risk", *risk, "low", "medium", "high", "critical") {
		return exitUsage
	}
	file := rest[0]
	lim := model.DefaultLimits()
	src, err := readLimited(file, lim.MaxBytes)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	loader, err := model.NewLoader(lim)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	lr := loader.Load(ctx, file, src)
	if !lr.Valid {
		for _, d := range lr.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		fmt.Fprintf(stderr, "tmbot: %s is not valid; fix it before planning\n", file)
		return exitInvalid
	}
	out, changes, err := model.Plan(file, src, lr.Model, model.PlanOptions{Owner: *owner, Due: *due, MinRisk: model.Risk(*risk)})
	if err != nil {
		if errors.Is(err, model.ErrPlanOnlyYAML) {
			fmt.Fprintf(stderr, "tmbot: %s: %v; set owner, due and status in the file by hand\n", file, err)
		} else {
			fmt.Fprintf(stderr, "tmbot: plan: %v\n", err)
		}
		return exitUsage
	}
	// The edited file must still be valid before it replaces the old one.
	if after := loader.Load(ctx, file, out); !after.Valid {
		fmt.Fprintf(stderr, "tmbot: plan: the edited model would not be valid; nothing written. Please report this:\n")
		for _, d := range after.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		return exitInvalid
	}
	for _, c := range changes {
		fmt.Fprintf(stderr, "threat %s: mitigation %s: %s\n", c.Threat, c.Mitigation, c.What)
	}
	if len(changes) == 0 {
		fmt.Fprintln(stderr, "no open threat needs a plan; nothing changed")
	}
	if *dryRun {
		stdout.Write(out)
		return exitOK
	}
	if len(changes) == 0 {
		return exitOK
	}
	if err := writeInPlace(file, out); err != nil {
		fmt.Fprintf(stderr, "tmbot: write %s: %v\n", file, err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "wrote %s: %d changes\n", file, len(changes))
	return exitOK
}

// writeInPlace replaces a file through a temporary file in its folder, so
// that a failure leaves the old file whole; the file's mode is kept.
func writeInPlace(file string, data []byte) error {
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmbot-plan-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
