package review

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/tmbot/tmbot/bot/config"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/sandbox"
)

// Side is one end of a request.
type Side int

// The sides.
const (
	Base Side = iota
	Head
)

func (s Side) String() string {
	if s == Base {
		return "base"
	}
	return "head"
}

// FileChange is a file that differs between base and head.
type FileChange struct {
	Path    string // at the head; at the base when removed
	OldPath string // at the base, when renamed or moved
	// Status is added, removed, modified or renamed, as the forge lists
	// it; empty when unknown. An added file is read at the head only, a
	// removed one at the base only; an unknown one at both.
	Status string
}

// File statuses of a FileChange.
const (
	FileAdded    = "added"
	FileRemoved  = "removed"
	FileModified = "modified"
	FileRenamed  = "renamed"
)

// Source is a repository seen at a request's base and head: a local git
// repository, or a forge's pull or merge request. Files are read by commit,
// so a request from a fork is read through the base repository.
type Source interface {
	// ChangedFiles lists the files that differ between base and head.
	ChangedFiles(ctx context.Context) ([]FileChange, error)
	// ReadFile reads a file at one side; found is false when it does not
	// exist there.
	ReadFile(ctx context.Context, side Side, path string) (data []byte, found bool, err error)
}

// Options are the parts of a review that do not come from the repository.
type Options struct {
	Loader *model.Loader
	// Today is the date policies judge by (YYYY-MM-DD).
	Today string
	// OrgPolicies are the organisation's policy files (name → source),
	// from the service configuration. A repository cannot turn them off,
	// lower their severity or make their errors non-blocking, unless
	// OrgPoliciesOverridable.
	OrgPolicies            map[string][]byte
	OrgPoliciesOverridable bool
	// PolicyBudget bounds the evaluation of each of the repository's own
	// policies on each model file (zero: the defaults, 10 s and 512 MiB).
	PolicyBudget sandbox.Budget
	// Engines, if set, lends compiled policy engines, so that reviews
	// under the same policies do not compile them again.
	Engines *policy.Pool
	// Compute, if set, bounds how many reviews compute at once; a review
	// waits for it for each model file once that file is read, and gives
	// it back before reading the next.
	Compute *Limiter
	// Budget bounds how many model files and bytes one review reads
	// (zero values: DefaultBudget); a repository's `limits:` can lower it.
	Budget Budget
	// Config, if set, is the base's configuration as LoadConfig read it
	// (with ConfigErrors), for a caller that needed it first.
	Config       *config.Config
	ConfigErrors []ConfigError
	// Tracked tells, for a mitigation of a system, the URL and state (open
	// or closed) of its tracking issue, if it has one.
	Tracked func(system, mitigation string) (url, state string)
}

// ReviewSource reviews a request the way the bot does: the configuration
// and the repository's policies from the base (never from the request
// itself), the model files the request changes, both sides of each. A
// configuration that cannot be read is reported in the report (blocking),
// and the review goes on with the defaults so that the rest still shows.
// The error is for a source that cannot be read at all.
func ReviewSource(ctx context.Context, src Source, o Options) (*Report, *config.Config, error) {
	cfg, cfgErrs := o.Config, slices.Clone(o.ConfigErrors)
	if cfg == nil {
		var err error
		if cfg, cfgErrs, err = LoadConfig(ctx, src); err != nil {
			return nil, nil, err
		}
	}
	var extra []policy.File
	for _, name := range slices.Sorted(maps.Keys(o.OrgPolicies)) {
		extra = append(extra, policy.File{Path: name, Source: o.OrgPolicies[name], Origin: policy.FromOrganisation})
	}
	for _, p := range cfg.Policies.Files {
		data, found, err := src.ReadFile(ctx, Base, p)
		if err != nil {
			return nil, nil, fmt.Errorf("read policy %s at the base: %w", p, err)
		}
		if !found {
			cfgErrs = append(cfgErrs, ConfigError{File: config.FileName,
				Message: fmt.Sprintf("policies.files names %s, which is not on the base branch", p)})
			continue
		}
		extra = append(extra, policy.File{Path: p, Source: data, Origin: policy.FromRepository})
	}
	files, err := src.ChangedFiles(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("list changed files: %w", err)
	}
	var models []FileChange
	var newCfgErrs []ConfigError
	for _, f := range files {
		if cfg.IsModel(f.Path) || (f.OldPath != "" && cfg.IsModel(f.OldPath)) {
			models = append(models, f)
		}
		if f.Path == config.FileName && f.Status != FileRemoved {
			if newCfgErrs, err = checkNewConfig(ctx, src); err != nil {
				return nil, nil, err
			}
		}
	}
	budget, fromRepo, refused := o.Budget.effective(cfg.Limits)
	rep, err := checkBudget(ctx, src, models, budget, fromRepo, refused)
	if err != nil {
		return nil, nil, err
	}
	if rep == nil {
		done, err := o.Compute.acquire(ctx)
		if err != nil {
			return nil, nil, err
		}
		engine, release, err := o.Engines.Get(policy.Options{Disable: cfg.Policies.Disable, Severity: cfg.Policies.Severity,
			NoDefaults: !cfg.Policies.Defaults, OrgOverridable: o.OrgPoliciesOverridable, Budget: o.PolicyBudget}, extra)
		done()
		if err != nil {
			return nil, nil, err
		}
		defer release()
		r := &Reviewer{Loader: o.Loader, Engine: engine, Today: o.Today, NonBlocking: !cfg.Blocking, Tracked: o.Tracked,
			AdoptionBlocks: cfg.Adoption.Blocks, Baseline: cfg.Adoption.Baseline}
		if _, ok := src.(BaselineReader); !ok && r.Baseline != "" {
			cfgErrs = append(cfgErrs, ConfigError{File: config.FileName, Message: "adoption.baseline is set, but this review cannot read other commits: the baseline is not applied"})
		}
		if rep, err = r.reviewFiles(ctx, src, models, budget, fromRepo, refused, o.Compute); err != nil {
			return nil, nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("review stopped: %w", err)
		}
	}
	for _, e := range cfgErrs {
		rep.AddConfigError(e)
	}
	for _, e := range newCfgErrs {
		rep.AddNewConfigError(e)
	}
	return rep, cfg, nil
}

// maxNewConfigBytes bounds the .tmbot.yaml of a request (anyone who can
// open a request, from a fork too, writes it) that is parsed: a real one
// is a few hundred bytes.
const maxNewConfigBytes = 1 << 20

// checkNewConfig validates the .tmbot.yaml a request changes, at its
// head: the review is judged by the base's configuration, but an error in
// the new one should be found before the merge, not after.
func checkNewConfig(ctx context.Context, src Source) ([]ConfigError, error) {
	data, err := readSide(ctx, src, Head, config.FileName)
	if err != nil || data == nil {
		return nil, err
	}
	if len(data) > maxNewConfigBytes {
		return []ConfigError{{File: config.FileName, Message: fmt.Sprintf("the file is %d bytes, more than a configuration may be (%d): it is not read", len(data), maxNewConfigBytes)}}, nil
	}
	if _, err := config.Parse(config.FileName, data); err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return []ConfigError{{File: ce.File, Line: ce.Line, Message: ce.Msg}}, nil
		}
		return []ConfigError{{File: config.FileName, Message: err.Error()}}, nil
	}
	return nil, nil
}

func readSide(ctx context.Context, src Source, side Side, path string) ([]byte, error) {
	data, found, err := src.ReadFile(ctx, side, path)
	if err != nil {
		return nil, fmt.Errorf("read %s at the %s: %w", path, side, err)
	}
	if !found {
		return nil, nil
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// LoadConfig reads .tmbot.yaml from the base. Without one, the defaults
// apply; one that cannot be parsed gives the defaults and a ConfigError.
func LoadConfig(ctx context.Context, src Source) (*config.Config, []ConfigError, error) {
	data, found, err := src.ReadFile(ctx, Base, config.FileName)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s at the base: %w", config.FileName, err)
	}
	if !found {
		return config.Default(), nil, nil
	}
	cfg, err := config.Parse(config.FileName, data)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return config.Default(), []ConfigError{{File: ce.File, Line: ce.Line, Message: ce.Msg}}, nil
		}
		return config.Default(), []ConfigError{{File: config.FileName, Message: err.Error()}}, nil
	}
	return cfg, nil, nil
}
