package model

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tmbot/tmbot/bot/catalog"
)

// Syntax is the syntax of a model file.
type Syntax string

// The syntaxes.
const (
	YAML Syntax = "yaml"
	JSON Syntax = "json"
	CUE  Syntax = "cue"
)

// Suffixes of model files, by syntax.
var modelSuffixes = []struct {
	suffix string
	syntax Syntax
}{
	{".threatmodel.yaml", YAML}, {".threatmodel.yml", YAML}, {".threatmodel.json", JSON}, {".threatmodel.cue", CUE},
}

// IsModelFile reports whether a file name is that of a threat model.
func IsModelFile(name string) bool {
	for _, s := range modelSuffixes {
		if strings.HasSuffix(name, s.suffix) {
			return true
		}
	}
	return false
}

// SyntaxOf tells the syntax of a file from its name: .json and .cue by
// their extension, anything else is read as YAML (JSON is also YAML, but
// the JSON reader is faster and stricter).
func SyntaxOf(name string) Syntax {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return JSON
	case ".cue":
		return CUE
	}
	return YAML
}

// Loader loads and validates model files. It is safe for concurrent use.
type Loader struct {
	schema  *Schema
	catalog *catalog.Catalog
	limits  Limits
	fast    map[*regexp.Regexp]*fastRe
	cache   *loadCache // nil: no cache
}

// NewLoader compiles the schema and loads the catalog once.
func NewLoader(lim Limits) (*Loader, error) {
	s, err := LoadSchema()
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Load()
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	l := &Loader{schema: s, catalog: cat, limits: lim.withDefaults(), fast: fastMatchers(s)}
	l.SetCacheLimits(DefaultCacheLimits())
	return l, nil
}

// Result is a loaded model file.
type Result struct {
	// Model is nil when the file could not be read at all (syntax or a
	// limit); otherwise it holds what could be decoded, even when invalid.
	Model       *Model
	Diagnostics []Diagnostic // sorted by position
	Valid       bool         // no diagnostic of severity error
}

// Errors returns the diagnostics of severity error.
func (r *Result) Errors() []Diagnostic {
	var out []Diagnostic
	for _, d := range r.Diagnostics {
		if d.Severity == SeverityError {
			out = append(out, d)
		}
	}
	return out
}

// Load reads and validates one model file. name is used in diagnostics and
// tells the syntax (see SyntaxOf). A file (or, for YAML and JSON, entries of
// a file) seen before comes from the Loader's cache (see cache.go): the
// Result is the caller's own, but its Model may share maps, slices and
// values with other loads' models, so treat models as read-only.
func (l *Loader) Load(ctx context.Context, name string, data []byte) *Result {
	if int64(len(data)) > l.limits.MaxBytes {
		return failResult(name, 1, 1, fmt.Sprintf("the file is larger than the limit of %d bytes (%s) for a model file; split the model",
			l.limits.MaxBytes, sizeText(l.limits.MaxBytes)))
	}
	syn := SyntaxOf(name)
	var key [32]byte
	files := l.cache.filesOn()
	if files {
		key = fileKey(syn, name, data)
		if res := l.cache.getFile(key); res != nil {
			return res.renamed(name)
		}
	}
	res, keep := l.load(ctx, name, syn, data)
	if files && keep {
		l.cache.putFile(key, res.renamed(name), int64(len(data)))
	}
	return res
}

// load reads and validates a file; keep is false when the result depends
// on more than the bytes (a CUE evaluation that failed: it may have run out
// of time).
func (l *Loader) load(ctx context.Context, name string, syn Syntax, data []byte) (res *Result, keep bool) {
	if l.cache.entriesOn() {
		switch syn {
		case YAML:
			if res := l.loadYAMLEntries(name, data); res != nil {
				return res, true
			}
		case JSON:
			return l.loadJSONEntries(name, data), true
		}
	}
	root, err := l.parse(ctx, name, data)
	if err != nil {
		return parseFailure(name, err), syn != CUE
	}
	return l.validate(name, root, nil), true
}

func (l *Loader) parse(ctx context.Context, name string, data []byte) (*Node, error) {
	switch SyntaxOf(name) {
	case JSON:
		return parseJSON(data, l.limits)
	case CUE:
		return l.parseCUE(ctx, name, data)
	default:
		return parseYAML(data, l.limits)
	}
}

func failResult(name string, line, col int, msg string) *Result {
	return &Result{Diagnostics: []Diagnostic{{File: name, Line: line, Column: col, Severity: SeverityError, Message: msg}}}
}

// parseFailure is the result of a file that could not be parsed.
func parseFailure(name string, err error) *Result {
	var se *SyntaxError
	var le *LimitError
	switch {
	case errors.As(err, &se):
		return failResult(name, se.Line, se.Column, se.Msg)
	case errors.As(err, &le):
		return failResult(name, max(le.Line, 1), max(le.Col, 1), le.Msg)
	default:
		return failResult(name, 1, 1, err.Error())
	}
}

func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
