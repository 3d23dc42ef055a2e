// Package config reads a repository's .tmbot.yaml: which files are threat
// models, which policies run, whether the check blocks, and how mitigations
// are tracked. The configuration that judges a request is always read from
// the base branch; this package only parses. It imports nothing of the
// project.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/commitid"
)

// FileName is the configuration file at the root of the default branch.
const FileName = ".tmbot.yaml"

// Config is a repository's configuration. The zero value is not useful:
// start from Default.
type Config struct {
	// Models are glob patterns (with **) of the model files, relative to
	// the repository root.
	Models []string `yaml:"models"`
	// Blocking: policy errors fail the check (an invalid model always
	// does).
	Blocking bool `yaml:"blocking"`
	// Drafts: review draft pull requests too.
	Drafts   bool     `yaml:"drafts"`
	Policies Policies `yaml:"policies"`
	Tracking Tracking `yaml:"tracking"`
	// Limits lower the service's budget of a review (see Limits).
	Limits   Limits   `yaml:"limits"`
	Adoption Adoption `yaml:"adoption"`
}

// Limits lower the budget of one review for this repository: how many
// model files a request may change and how many bytes they may hold.
// Zero keeps the service's limit; a value above it is ignored (a
// repository can only lower its limits, never raise them).
type Limits struct {
	MaxFiles int      `yaml:"max_files"`
	MaxBytes ByteSize `yaml:"max_bytes"`
}

// Adoption says how a pull request that adds a model (often one imported
// from another tool) is judged: its threats are all new at once.
type Adoption struct {
	// Blocks is the lowest risk at which a threat of a newly added model
	// that has no plan fails the check: critical, high (the default),
	// medium, or none.
	Blocks string `yaml:"blocks"`
	// Baseline is a commit of the default branch (its full id, 40 or 64
	// hex digits) at which the repository adopted tmbot: the open threats
	// a model had there, and that have not changed since, are summarised
	// in a request's review instead of listed, and never block. Empty: no
	// baseline.
	Baseline string `yaml:"baseline"`
}

// Policies says which policies run.
type Policies struct {
	// Files are the repository's own policy files (CUE), read from the
	// base branch.
	Files []string `yaml:"files"`
	// Disable lists default or repository rules not to run.
	Disable []string `yaml:"disable"`
	// Severity overrides a rule's severity: error, warning or notice.
	Severity map[string]string `yaml:"severity"`
	// Defaults: run the embedded default policies.
	Defaults bool `yaml:"defaults"`
}

// Tracking says how mitigations are tracked as issues.
type Tracking struct {
	// Enabled: open, update and close tracking issues when models land on
	// the default branch.
	Enabled bool `yaml:"enabled"`
	// Labels are put on every tracking issue; risk:<level> is added.
	Labels []string `yaml:"labels"`
	// Assign mitigation owners that are users.
	Assign bool `yaml:"assign"`
	// SummaryIssue keeps one issue per repository listing open threats.
	SummaryIssue bool `yaml:"summary_issue"`
	// OnHumanClose says what the bot does when a person closes an issue
	// whose mitigation the model still plans: "comment" (say once what
	// to change) or "pull_request" (open a pull request that marks the
	// mitigation implemented, with the issue linked).
	OnHumanClose string `yaml:"on_human_close"`
}

// DefaultModels are the model file patterns of a repository without
// configuration.
var DefaultModels = []string{"**/*.threatmodel.yaml", "**/*.threatmodel.yml", "**/*.threatmodel.json", "**/*.threatmodel.cue"}

// Default returns the configuration of a repository without .tmbot.yaml.
func Default() *Config {
	return &Config{
		Models:   append([]string(nil), DefaultModels...),
		Blocking: true,
		Drafts:   true,
		Policies: Policies{Defaults: true, Severity: map[string]string{}},
		Tracking: Tracking{Enabled: true, Labels: []string{"threat-model"}, Assign: true, SummaryIssue: true, OnHumanClose: "comment"},
		Adoption: Adoption{Blocks: "high"},
	}
}

// Error is a configuration that cannot be used, with where and why.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// Parse reads a .tmbot.yaml over the defaults. Unknown keys are errors
// (they are usually typos); name is used in errors.
func Parse(name string, data []byte) (*Config, error) {
	c := Default()
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		msg := err.Error()
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			fmt.Sscanf(m[1], "%d", &line)
			msg = m[2]
		}
		if m, ok := unknownKeyMessage(msg); ok {
			msg = m
		} else {
			msg = strings.Replace(msg, "not found in type config.", "is not a setting of ", 1)
		}
		return nil, &Error{File: name, Line: line, Msg: msg + " (the settings are described in docs/configuration.md)"}
	}
	for rule, sev := range c.Policies.Severity {
		switch sev {
		case "error", "warning", "notice":
		default:
			return nil, &Error{File: name, Msg: fmt.Sprintf("policies.severity.%s: %q is not a severity: allowed: error|warning|notice", rule, sev)}
		}
	}
	switch c.Tracking.OnHumanClose {
	case "comment", "pull_request":
	default:
		return nil, &Error{File: name, Msg: fmt.Sprintf("tracking.on_human_close: %q: allowed: comment|pull_request", c.Tracking.OnHumanClose)}
	}
	if c.Limits.MaxFiles < 0 {
		return nil, &Error{File: name, Msg: fmt.Sprintf("limits.max_files: %d: give a positive number of files, or leave it out", c.Limits.MaxFiles)}
	}
	switch c.Adoption.Blocks {
	case "critical", "high", "medium", "none":
	default:
		return nil, &Error{File: name, Msg: fmt.Sprintf("adoption.blocks: %q: allowed: critical|high|medium|none", c.Adoption.Blocks)}
	}
	if c.Adoption.Baseline != "" {
		b, ok := commitid.Parse(c.Adoption.Baseline)
		if !ok {
			return nil, &Error{File: name, Msg: fmt.Sprintf("adoption.baseline: %q is not a commit id: give the full id (40 hex digits; 64 in a SHA-256 repository) of a commit of the default branch, for example the output of `git rev-parse origin/HEAD`, or of `git rev-list -1 --before=2026-01-31 origin/HEAD` for the branch as it was at a date",
				c.Adoption.Baseline)}
		}
		c.Adoption.Baseline = b
	}
	if len(c.Models) == 0 {
		return nil, &Error{File: name, Msg: "models: give at least one pattern, such as \"**/*.threatmodel.yaml\""}
	}
	for _, p := range c.Models {
		if _, err := globRegexp(p); err != nil {
			return nil, &Error{File: name, Msg: fmt.Sprintf("models: %q: %v", p, err)}
		}
	}
	return c, nil
}

// IsModel reports whether a repository path is a model file under this
// configuration.
func (c *Config) IsModel(p string) bool {
	for _, g := range c.Models {
		if re, err := globRegexp(g); err == nil && re.MatchString(p) {
			return true
		}
	}
	return false
}

// globRegexp turns a glob with ** into a regular expression: ** matches
// any number of folders, * anything but /, ? one character but /.
func globRegexp(g string) (*regexp.Regexp, error) {
	g = path.Clean(strings.TrimPrefix(g, "/"))
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch c := g[i]; {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
