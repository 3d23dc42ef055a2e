package review

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tmbot/tmbot/bot/config"
)

// checkBudget answers, before any model file is read, whether a request
// is over budget: by the number of model files it changes, and, when the
// source can tell sizes without reading (a Sizer that knows them all), by
// their bytes. It returns the report of a request over budget, or nil;
// without the sizes, reviewFiles checks the bytes as it reads.
func checkBudget(ctx context.Context, src Source, files []FileChange, b Budget, fromRepo map[string]bool, refused []string) (*Report, error) {
	if len(files) > b.MaxFiles {
		return overBudgetReport(overFiles(b.MaxFiles, len(files), files[b.MaxFiles].Path, fromRepo[LimitFiles]), refused), nil
	}
	sz, ok := src.(Sizer)
	if !ok || len(files) == 0 {
		return nil, nil
	}
	var basePaths, headPaths []string
	for _, f := range files {
		if f.Status != FileAdded {
			basePaths = append(basePaths, f.basePath())
		}
		if f.Status != FileRemoved {
			headPaths = append(headPaths, f.Path)
		}
	}
	if rb, ok := src.(ReadBounder); ok && int64(len(basePaths)+len(headPaths)) <= b.MaxBytes/rb.MaxRead() {
		// Even reads cut at the bound cannot pass the budget: sizing
		// first would cost calls and settle nothing.
		return nil, nil
	}
	base, err := sz.Sizes(ctx, Base, basePaths)
	if errors.Is(err, ErrSizesUnknown) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("size the changed model files at the base: %w", err)
	}
	head, err := sz.Sizes(ctx, Head, headPaths)
	if errors.Is(err, ErrSizesUnknown) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("size the changed model files at the head: %w", err)
	}
	var total int64
	first := ""
	for _, f := range files {
		if f.Status != FileAdded {
			total += base[f.basePath()]
		}
		if f.Status != FileRemoved {
			total += head[f.Path]
		}
		if total > b.MaxBytes && first == "" {
			first = f.Path
		}
	}
	if total > b.MaxBytes {
		return overBudgetReport(overBytes(b.MaxBytes, total, false, first, fromRepo[LimitBytes]), refused), nil
	}
	return nil, nil
}

func (f FileChange) basePath() string {
	if f.OldPath != "" {
		return f.OldPath
	}
	return f.Path
}

// overBudgetReport is the report of a request not reviewed for its size:
// no model, and the reason, which blocks.
func overBudgetReport(ob *OverBudget, refused []string) *Report {
	if len(refused) > 0 {
		ob.Message += " Note: " + strings.Join(refused, "; ") + "."
	}
	rep := &Report{Models: []ModelReport{}, ConfigErrors: []ConfigError{}, OverBudget: ob}
	rep.finish(false)
	return rep
}

// reviewFiles reads and reviews the model files one at a time: both sides
// of one file (only the head of an added file, only the base of a removed
// one), then that file's validation, diff and policies, keeping only the
// file's report; then the next. The compute slot is held for each file's
// computing only, not while reading. Reading stops, and the request is
// over budget, as soon as the bytes read pass b.MaxBytes.
func (r *Reviewer) reviewFiles(ctx context.Context, src Source, files []FileChange, b Budget, fromRepo map[string]bool, refused []string, compute *Limiter) (*Report, error) {
	rep := &Report{Models: []ModelReport{}, ConfigErrors: []ConfigError{}}
	var read int64
	// The baseline: each model as it was there, read by its base path.
	br, _ := src.(BaselineReader)
	baseline := r.Baseline
	var baselineErr *ConfigError
	if br == nil {
		baseline = ""
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := Change{Path: f.Path, OldPath: f.OldPath}
		var err error
		if f.Status != FileAdded {
			if c.Base, err = readSide(ctx, src, Base, f.basePath()); err != nil {
				return nil, err
			}
			if read += int64(len(c.Base)); read > b.MaxBytes {
				return overBudgetReport(overBytes(b.MaxBytes, read, true, f.basePath(), fromRepo[LimitBytes]), refused), nil
			}
		}
		if f.Status != FileRemoved {
			if c.Head, err = readSide(ctx, src, Head, f.Path); err != nil {
				return nil, err
			}
			if read += int64(len(c.Head)); read > b.MaxBytes {
				return overBudgetReport(overBytes(b.MaxBytes, read, true, f.Path, fromRepo[LimitBytes]), refused), nil
			}
		}
		if c.Base == nil && c.Head == nil {
			continue
		}
		if baseline != "" && c.Head != nil {
			var found bool
			c.Baseline, found, err = br.ReadAt(ctx, baseline, f.basePath())
			switch {
			case errors.Is(err, ErrNoCommit):
				baselineErr = &ConfigError{File: config.FileName, Message: fmt.Sprintf(
					"adoption.baseline names commit %s, which is not in the repository: give a commit of the default branch (`git rev-parse origin/HEAD`)", baseline)}
				baseline, c.Baseline = "", nil
			case err != nil:
				return nil, fmt.Errorf("read %s at the baseline %s: %w", f.basePath(), baseline, err)
			case !found:
				c.Baseline = nil
			}
		}
		done, err := compute.acquire(ctx)
		if err != nil {
			return nil, err
		}
		mr := r.reviewOne(ctx, c)
		done()
		mr.slim()
		rep.Models = append(rep.Models, mr)
	}
	sort.SliceStable(rep.Models, func(i, j int) bool { return rep.Models[i].Path < rep.Models[j].Path })
	rep.finish(r.NonBlocking)
	if baselineErr != nil {
		rep.AddConfigError(*baselineErr)
	}
	return rep, nil
}
