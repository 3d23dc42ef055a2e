package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tmbot/tmbot/bot/config"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/sarif"
)

func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return validateMain(ctx, args, os.Stdin, stdout, stderr)
}

// validateMain is tmbot validate with standard input given (tests).
func validateMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("validate", flag.ContinueOnError)
	format := fl.String("format", "text", "output format: text, json or sarif")
	maxBytes := fl.Int64("max-bytes", model.DefaultMaxBytes, "largest model file accepted, in bytes")
	maxDepth := fl.Int("max-depth", model.DefaultMaxDepth, "deepest nesting accepted (the root is 1)")
	maxAlias := fl.Int("max-alias-nodes", model.DefaultMaxAliasNodes, "most nodes YAML aliases may expand to")
	cueTimeout := fl.Duration("cue-timeout", 0, "time budget of one CUE model's evaluation (default 10s)")
	cueMemory := fl.Int64("cue-memory", 0, "memory budget of one CUE model's evaluation, in bytes (default 512 MiB)")
	stdinName := fl.String("stdin-name", "-", "with PATH -, the name standard input's diagnostics carry; its extension picks the syntax (.json, .cue; YAML otherwise)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot validate [--format text|json|sarif] PATH...")
		fmt.Fprintln(stderr, "Validates model files; folders are searched for *.threatmodel.{yaml,yml,json,cue}.")
		fmt.Fprintln(stderr, "A file named .tmbot.yaml is validated as the repository's configuration.")
		fmt.Fprintln(stderr, "PATH - reads one model from standard input (at most --max-bytes).")
		fmt.Fprintln(stderr, "Exit status: 0 valid, 1 invalid, 2 usage or I/O error.")
		fl.PrintDefaults()
	}
	paths, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if !oneOf(stderr, "format", *format, "text", "json", "sarif") {
		return exitUsage
	}
	if len(paths) == 0 {
		fl.Usage()
		return exitUsage
	}
	// A .tmbot.yaml named on the command line is validated as the
	// repository's configuration.
	var cfgPaths, modelPaths []string
	for _, p := range paths {
		if filepath.Base(p) == config.FileName {
			cfgPaths = append(cfgPaths, p)
		} else {
			modelPaths = append(modelPaths, p)
		}
	}
	var files []modelFile
	if len(modelPaths) > 0 {
		var err error
		if files, err = findModelFiles(modelPaths, *stdinName, stderr); err != nil {
			fmt.Fprintf(stderr, "tmbot: %v\n", err)
			return exitUsage
		}
	}
	lim := model.Limits{MaxBytes: *maxBytes, MaxDepth: *maxDepth, MaxAliasNodes: *maxAlias,
		CUE: model.CUEBudget{Timeout: *cueTimeout, MemoryBytes: *cueMemory}}
	loader, err := model.NewLoader(lim)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	var (
		diags   = []model.Diagnostic{}
		results []validatedFile
		valid   = true
	)
	for _, p := range cfgPaths {
		ds, err := validateConfig(p, *maxBytes)
		if err != nil {
			fmt.Fprintf(stderr, "tmbot: %v\n", err)
			return exitUsage
		}
		diags = append(diags, ds...)
		results = append(results, validatedFile{File: p, Valid: len(ds) == 0})
		valid = valid && len(ds) == 0
	}
	for _, mf := range files {
		f := mf.name
		data, err := mf.read(stdin, lim.MaxBytes)
		if err != nil {
			fmt.Fprintf(stderr, "tmbot: %v\n", err)
			return exitUsage
		}
		res := loader.Load(ctx, f, data)
		diags = append(diags, res.Diagnostics...)
		fr := validatedFile{File: f, Valid: res.Valid}
		if res.Model != nil {
			fr.System = res.Model.System.ID
		}
		results = append(results, fr)
		valid = valid && res.Valid
	}
	writeValidation(stdout, stderr, *format, valid, diags, results)
	if !valid {
		return exitInvalid
	}
	return exitOK
}

// validatedFile is one file's line in validate's JSON output.
type validatedFile struct {
	File   string `json:"file"`
	Valid  bool   `json:"valid"`
	System string `json:"system,omitempty"`
}

// writeValidation writes validate's diagnostics in a format: text (the
// default, with a count on stderr), json or sarif.
func writeValidation(stdout, stderr io.Writer, format string, valid bool, diags []model.Diagnostic, results []validatedFile) {
	switch format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			Valid       bool               `json:"valid"`
			Diagnostics []model.Diagnostic `json:"diagnostics"`
			Files       []validatedFile    `json:"files"`
		}{valid, diags, results})
	case "sarif":
		var out []sarif.Result
		for _, d := range diags {
			level := "error"
			if d.Severity == model.SeverityWarning {
				level = "warning"
			}
			out = append(out, sarif.Result{RuleID: "tmbot/validate", Level: level, Message: d.Message,
				File: filepath.ToSlash(d.File), Line: d.Line, Column: d.Column})
		}
		_ = sarif.Write(stdout, "tmbot", version, "", []sarif.Rule{{ID: "tmbot/validate", Name: "ThreatModelValidation",
			Description: "A threat-model file does not follow the format (docs/format.md)."}}, out)
	default:
		for _, d := range diags {
			fmt.Fprintln(stdout, d.String())
		}
		nerr := 0
		for _, r := range results {
			if !r.Valid {
				nerr++
			}
		}
		if valid {
			fmt.Fprintf(stderr, "%d model file(s) valid\n", len(results))
		} else {
			fmt.Fprintf(stderr, "%d of %d model file(s) invalid\n", nerr, len(results))
		}
	}
}

// modelFile is a model file to validate: one named on the command line
// (root empty), or one found in a folder (root is the folder, rel its path
// below it).
type modelFile struct {
	name      string
	root, rel string
	stdin     bool // PATH - : the model is standard input
}

// read reads the file, but no more than a little past limit bytes: the
// loader refuses larger files by their size, and reading a huge file whole
// would cost what the limit is there to prevent. A file found in a folder
// is opened through the folder (os.Root), so a symbolic link cannot take
// the read outside it, even one that changed since the folder was searched.
func (m modelFile) read(stdin io.Reader, limit int64) ([]byte, error) {
	if m.stdin {
		data, err := io.ReadAll(io.LimitReader(stdin, limit+1))
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return data, nil
	}
	if m.root == "" {
		return readLimited(m.name, limit)
	}
	root, err := os.OpenRoot(m.root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(m.rel)
	if err != nil {
		return nil, fmt.Errorf("open %s: it cannot be read, or it is a symbolic link that leaves %s", m.name, m.root)
	}
	return readAllLimited(f, m.name, limit)
}

// readLimited reads a file named on the command line, no more than a
// little past limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return readAllLimited(f, path, limit)
}

func readAllLimited(f *os.File, name string, limit int64) ([]byte, error) {
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// findModelFiles expands folders into the model files below them. A file
// named on the command line is taken whatever its name. The name of a file
// found in a folder is the folder argument joined with its path below it.
//
// A folder may hold a checkout nobody vouches for (a fork's, in CI): a
// symbolic link in it that leads outside the folder is not followed, and
// is named in a warning on stderr, so that validating the folder never
// reads (and prints parts of) files elsewhere on the machine.
func findModelFiles(paths []string, stdinName string, stderr io.Writer) ([]modelFile, error) {
	var files []modelFile
	stdinSeen := false
	for _, p := range paths {
		if p == "-" {
			if stdinSeen {
				return nil, errors.New("-: standard input can be read once; give - once")
			}
			stdinSeen = true
			files = append(files, modelFile{name: stdinName, stdin: true})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file or folder", p)
			}
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, modelFile{name: p})
			continue
		}
		realRoot, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", p, err)
		}
		var found []modelFile
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (d.Name() == ".git" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if d.IsDir() || !model.IsModelFile(d.Name()) {
				return nil
			}
			rel, err := filepath.Rel(p, path)
			if err != nil {
				return err
			}
			name := filepath.Join(p, rel)
			if d.Type()&fs.ModeSymlink != 0 && !linkStaysIn(path, realRoot) {
				fmt.Fprintf(stderr, "tmbot: warning: skipping %s: it is a symbolic link that leads outside %s (or nowhere), and links that leave the folder are not followed\n", name, p)
				return nil
			}
			found = append(found, modelFile{name: name, root: p, rel: rel})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", p, err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no threat-model files (*.threatmodel.yaml, .yml, .json or .cue) in this folder", p)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].name < found[j].name })
		files = append(files, found...)
	}
	return files, nil
}

// linkStaysIn reports whether the symbolic link at path leads to a file
// inside the folder realRoot (a path with no links in it).
func linkStaysIn(path, realRoot string) bool {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(realRoot, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// validateConfig validates a repository configuration file (.tmbot.yaml)
// as the bot reads it, and gives its error as a diagnostic: at the line
// the parser names, at the column of the line's first character (the key
// of an unknown key), or at 1:1 when the parser names no line. Files over
// maxBytes are refused as models are.
func validateConfig(path string, maxBytes int64) ([]model.Diagnostic, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > maxBytes {
		return []model.Diagnostic{{File: path, Line: 1, Column: 1, Severity: model.SeverityError,
			Message: fmt.Sprintf("the file is larger than %d bytes (--max-bytes)", maxBytes)}}, nil
	}
	_, perr := config.Parse(path, data)
	if perr == nil {
		return nil, nil
	}
	d := model.Diagnostic{File: path, Line: 1, Column: 1, Severity: model.SeverityError, Message: perr.Error()}
	var ce *config.Error
	if errors.As(perr, &ce) {
		d.Message = ce.Msg
		if ce.Line > 0 {
			d.Line = ce.Line
			lines := strings.Split(string(data), "\n")
			if ce.Line <= len(lines) {
				l := lines[ce.Line-1]
				d.Column = len(l) - len(strings.TrimLeft(l, " \t")) + 1
			}
		}
	}
	return []model.Diagnostic{d}, nil
}
