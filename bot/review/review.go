package review

import (
	"context"
	"sort"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// Change is one model file changed by a request, as any forge gives it:
// its content at the base and at the head, either absent.
type Change struct {
	// Path is the file's path at the head (at the base when deleted),
	// relative to the repository root, with forward slashes.
	Path string
	// OldPath is the base path of a file renamed or moved; empty otherwise.
	OldPath string
	// Base and Head hold the contents; nil means the file does not exist
	// on that side.
	Base, Head []byte
	// Baseline holds the model at the repository's baseline commit (its
	// base path), nil when there is no baseline or no such file there.
	Baseline []byte
}

// Reviewer turns changes into a report. It is not safe for concurrent use
// (its policy engine serialises evaluation); give each worker its own.
type Reviewer struct {
	Loader *model.Loader
	Engine *policy.Engine
	// Today is the date policies judge expiry by (YYYY-MM-DD).
	Today string
	// NonBlocking turns errors into a non-failing result (the
	// repository's `blocking: false`); invalid models still show.
	NonBlocking bool
	// Tracked tells the URL and state of a mitigation's tracking issue
	// (optional; see Options.Tracked).
	Tracked func(system, mitigation string) (url, state string)
	// AdoptionBlocks is the repository's adoption.blocks: the lowest risk
	// at which an unplanned threat of a newly added model blocks
	// (critical, high, medium or none; empty is high). See adoption.go.
	AdoptionBlocks string
	// Baseline is the repository's adoption.baseline (a commit), for the
	// comment; Change.Baseline holds each model as it was there. See
	// baseline.go.
	Baseline string
}

// Report is the whole review of a request: what the bot posts as its
// comment and check. The JSON form is documented in docs/review.md.
type Report struct {
	// Verdict is the one-line summary the comment and check start with.
	Verdict string        `json:"verdict"`
	Models  []ModelReport `json:"models"`
	// Blocking: the check fails.
	Blocking bool `json:"blocking"`
	// Summary counts across models.
	Summary Summary `json:"summary"`
	// ConfigErrors are problems with the repository's configuration or
	// policies (they block).
	ConfigErrors []ConfigError `json:"config_errors"`
	// NewConfigErrors are the errors of the request's own .tmbot.yaml,
	// when it changes it: the review used the base's configuration, as
	// every review does, and the new one would take over on merge, so
	// they block.
	NewConfigErrors []ConfigError `json:"new_config_errors,omitempty"`
	// OverBudget, when set, says the request was too large to review (too
	// many model files, or too many bytes): no model was reviewed, and
	// the check fails (see Budget).
	OverBudget *OverBudget `json:"over_budget,omitempty"`
	// nonBlocking: the repository's check does not block (blocking:
	// false), so policy errors are named as errors, not as blockers.
	nonBlocking bool
	// TrackingOff says that no tracking follows this review (tmbot ci: the
	// tracking issues are the service's): the comment and the check say
	// what the service would open, not what will be opened.
	TrackingOff bool `json:"tracking_off,omitempty"`
}

// Summary counts what the report holds across models.
type Summary struct {
	Models         int `json:"models"`
	Invalid        int `json:"invalid"`
	NewUnmitigated int `json:"new_unmitigated"`
	Unplanned      int `json:"unplanned"`
	Errors         int `json:"errors"`   // blocking findings and validation errors
	Warnings       int `json:"warnings"` // findings
	Notices        int `json:"notices"`
	WillOpen       int `json:"tracking_will_open"`
	WillClose      int `json:"tracking_will_close"`
}

// ConfigError is a configuration or policy file that could not be used.
type ConfigError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// ModelReport is the review of one model file.
type ModelReport struct {
	Path    string `json:"path"`
	OldPath string `json:"old_path,omitempty"`
	// Status of the file: added, removed, modified, renamed or unchanged.
	Status string `json:"status"`
	System string `json:"system"`
	Valid  bool   `json:"valid"`
	// Errors are the head's validation errors (file, line, column,
	// message); Warnings its validation warnings.
	Errors   []model.Diagnostic `json:"errors"`
	Warnings []model.Diagnostic `json:"warnings"`
	// NewUnmitigated are the new (added, raised or reopened) threats whose
	// status is open, highest risk first.
	NewUnmitigated []NewThreat      `json:"new_unmitigated"`
	Changes        *diff.Diff       `json:"changes"`
	Findings       []policy.Finding `json:"findings"`
	Tracking       TrackingPreview  `json:"tracking"`
	Blocking       bool             `json:"blocking"`
	// Adoption is set for a model the request adds with more than
	// AdoptionListMax open threats: the comment summarises them.
	Adoption *Adoption `json:"adoption,omitempty"`
	// Adopted, with an Adoption from the baseline, are the model's open
	// threats unchanged since the baseline, highest risk first.
	Adopted    []NewThreat   `json:"adopted_threats,omitempty"`
	head, base *model.Model  // for renderers (diagram, lines)
	headResult *model.Result // the head's load, for annotations
	// After slim: the system's name and the diagram, kept when the models
	// are dropped (see slim.go).
	name, diagram string
	slimmed       bool
	_             struct{} // keep the struct keyed
}

// NewThreat is a new threat with nothing settled yet.
type NewThreat struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Risk    string `json:"risk"`
	Planned bool   `json:"planned"`
	// Change: added, raised or reopened.
	Change string `json:"change"`
	Line   int    `json:"line"`
	// Mitigations lists the threat's mitigations with their status.
	Mitigations []MitigationRef `json:"mitigations"`
}

// MitigationRef names a mitigation and its status.
type MitigationRef struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

// TrackingPreview says which tracking issues the model's landing on the
// default branch will open and close (brief §6: planned or in_progress
// mitigations of at least one open threat are tracked).
type TrackingPreview struct {
	WillOpen  []Tracked `json:"will_open"`
	WillClose []Tracked `json:"will_close"`
	// ClosedByPeople are mitigations the head still plans whose tracking
	// issue a person closed: "issue closed, model not updated".
	ClosedByPeople []Tracked `json:"closed_by_people,omitempty"`
}

// Tracked is a mitigation with a tracking issue.
type Tracked struct {
	Mitigation string   `json:"mitigation"`
	Title      string   `json:"title"`
	Status     string   `json:"status"`
	Owner      string   `json:"owner,omitempty"`
	Due        string   `json:"due,omitempty"`
	Threats    []string `json:"threats"`
	// Reason, for WillClose: implemented, wont_do, removed, no open threat…
	Reason string `json:"reason,omitempty"`
	// Issue is the URL of the mitigation's tracking issue, once it exists.
	Issue string `json:"issue,omitempty"`
	// IssueClosed: a person closed the issue while the model still plans
	// the mitigation ("issue closed, model not updated").
	IssueClosed bool `json:"issue_closed,omitempty"`
}

// Review loads both sides of every change, diffs them, runs the policies and
// builds the report.
func (r *Reviewer) Review(ctx context.Context, changes []Change) *Report {
	rep := &Report{Models: []ModelReport{}, ConfigErrors: []ConfigError{}}
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			break
		}
		mr := r.reviewOne(ctx, c)
		mr.slim()
		rep.Models = append(rep.Models, mr)
	}
	sort.SliceStable(rep.Models, func(i, j int) bool { return rep.Models[i].Path < rep.Models[j].Path })
	rep.finish(r.NonBlocking)
	return rep
}

func (r *Reviewer) reviewOne(ctx context.Context, c Change) ModelReport {
	mr := ModelReport{Path: c.Path, OldPath: c.OldPath, Errors: []model.Diagnostic{}, Warnings: []model.Diagnostic{},
		NewUnmitigated: []NewThreat{}, Findings: []policy.Finding{}}
	switch {
	case c.Base == nil && c.Head != nil:
		mr.Status = "added"
	case c.Head == nil:
		mr.Status = "removed"
	case c.OldPath != "" && c.OldPath != c.Path:
		mr.Status = "renamed"
	default:
		mr.Status = "modified"
	}
	var base, head *model.Model
	var baseDiags []model.Diagnostic
	if c.Base != nil {
		basePath := c.Path
		if c.OldPath != "" {
			basePath = c.OldPath
		}
		// An invalid base is still diffed as far as it could be read: the
		// request may be the one that repairs it.
		res := r.Loader.Load(ctx, basePath, c.Base)
		if res.Model != nil {
			base = res.Model
		}
		baseDiags = res.Diagnostics
	}
	mr.Valid = true
	if c.Head != nil {
		res := r.Loader.Load(ctx, c.Path, c.Head)
		mr.headResult = res
		mr.Valid = res.Valid
		for _, d := range res.Diagnostics {
			if d.Severity == model.SeverityError {
				mr.Errors = append(mr.Errors, d)
			} else {
				mr.Warnings = append(mr.Warnings, d)
			}
		}
		if !res.Valid {
			// A head that fails validation gets its errors, not a diff.
			mr.Blocking = true
			if res.Model != nil {
				mr.System = res.Model.System.ID
			}
			mr.markPreExisting(nil, nil, baseDiags, nil)
			return mr
		}
		head = res.Model
		mr.System = head.System.ID
	} else if base != nil {
		mr.System = base.System.ID
	}
	mr.head, mr.base = head, base
	d := diff.Compare(base, head)
	mr.Changes = d
	mr.NewUnmitigated = newUnmitigated(d, head)
	if r.Engine != nil {
		// An error is ctx's: the review is abandoned, and its caller
		// sees ctx ended.
		mr.Findings, _ = r.Engine.Evaluate(ctx, policy.NewInput(c.Path, r.Today, base, head, d))
		if mr.Findings == nil {
			mr.Findings = []policy.Finding{}
		}
	}
	mr.markPreExisting(base, head, baseDiags, d)
	if c.Baseline != nil {
		if res := r.Loader.Load(ctx, c.Path, c.Baseline); res.Model != nil {
			r.adoptBaseline(&mr, res.Model)
		}
	}
	r.adopt(&mr)
	mr.Blocking = policy.Blocking(mr.Findings)
	mr.Tracking = previewTracking(base, head)
	if r.Tracked != nil && head != nil {
		for i := range mr.Tracking.WillOpen {
			t := &mr.Tracking.WillOpen[i]
			url, state := r.Tracked(head.System.ID, t.Mitigation)
			t.Issue, t.IssueClosed = url, state == "closed"
		}
		mr.Tracking.ClosedByPeople = closedByPeople(head, r.Tracked)
	}
	return mr
}

// newUnmitigated lists the diff's new threats that nothing mitigates yet,
// riskiest first, with their mitigations in head.
func newUnmitigated(d *diff.Diff, head *model.Model) []NewThreat {
	out := []NewThreat{}
	for _, n := range d.New {
		if !n.Unmitigated || head == nil {
			continue
		}
		t := head.Threats[n.ID]
		nt := NewThreat{ID: n.ID, Title: n.Title, Risk: n.Risk, Planned: n.Planned, Change: n.Change, Line: t.Pos.Line,
			Mitigations: []MitigationRef{}}
		for _, mid := range t.Mitigations {
			if m := head.Mitigations[mid]; m != nil {
				nt.Mitigations = append(nt.Mitigations, MitigationRef{ID: mid, Title: m.Title, Status: m.Status})
			}
		}
		out = append(out, nt)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return model.Risk(out[i].Risk).Rank() > model.Risk(out[j].Risk).Rank()
	})
	return out
}

func previewTracking(base, head *model.Model) TrackingPreview {
	p := TrackingPreview{WillOpen: []Tracked{}, WillClose: []Tracked{}}
	before, after := base.TrackedMitigations(), head.TrackedMitigations()
	if head != nil {
		for _, mid := range head.MitigationOrder {
			threats, ok := after[mid]
			if !ok {
				continue
			}
			if _, had := before[mid]; had {
				continue
			}
			m := head.Mitigations[mid]
			p.WillOpen = append(p.WillOpen, Tracked{Mitigation: mid, Title: m.Title, Status: m.Status, Owner: m.Owner, Due: m.Due, Threats: threats})
		}
	}
	if base != nil {
		for _, mid := range base.MitigationOrder {
			threats, ok := before[mid]
			if !ok {
				continue
			}
			if _, still := after[mid]; still {
				continue
			}
			m := base.Mitigations[mid]
			t := Tracked{Mitigation: mid, Title: m.Title, Status: m.Status, Owner: m.Owner, Due: m.Due, Threats: threats}
			switch hm := mitigationIn(head, mid); {
			case hm == nil:
				t.Reason = "removed from the model"
			case hm.Status == model.MitigationImplemented || hm.Status == model.MitigationVerified:
				t.Reason, t.Status = "done: "+hm.Status, hm.Status
			case hm.Status == model.MitigationWontDo || hm.Status == model.MitigationProposed:
				t.Reason, t.Status = "no longer planned: "+hm.Status, hm.Status
			default:
				t.Reason = "no open threat needs it any more"
			}
			p.WillClose = append(p.WillClose, t)
		}
	}
	return p
}

// closedByPeople lists the head's tracked mitigations whose issue is closed
// though the model still plans them.
func closedByPeople(head *model.Model, tracked func(system, mitigation string) (string, string)) []Tracked {
	var out []Tracked
	tracks := head.TrackedMitigations()
	for _, mid := range head.MitigationOrder {
		threats, ok := tracks[mid]
		if !ok {
			continue
		}
		url, state := tracked(head.System.ID, mid)
		if state != "closed" {
			continue
		}
		m := head.Mitigations[mid]
		out = append(out, Tracked{Mitigation: mid, Title: m.Title, Status: m.Status, Owner: m.Owner, Due: m.Due,
			Threats: threats, Issue: url, IssueClosed: true})
	}
	return out
}

func mitigationIn(m *model.Model, id string) *model.Mitigation {
	if m == nil {
		return nil
	}
	return m.Mitigations[id]
}

// finish computes the summary, blocking and verdict.
func (rep *Report) finish(nonBlocking bool) {
	rep.nonBlocking = nonBlocking
	s := &rep.Summary
	s.Models = len(rep.Models)
	for i := range rep.Models {
		m := &rep.Models[i]
		if !m.Valid {
			s.Invalid++
		}
		s.Errors += len(m.Errors)
		s.NewUnmitigated += len(m.NewUnmitigated)
		for _, n := range m.NewUnmitigated {
			if !n.Planned {
				s.Unplanned++
			}
		}
		for _, f := range m.Findings {
			switch f.Severity {
			case policy.Error:
				s.Errors++
			case policy.Warning:
				s.Warnings++
			case policy.Notice:
				s.Notices++
			}
		}
		s.WillOpen += len(m.Tracking.WillOpen)
		s.WillClose += len(m.Tracking.WillClose)
		if m.Blocking && !nonBlocking {
			rep.Blocking = true
		}
		for _, f := range m.Findings {
			if f.Rule == policy.RulePolicyError {
				rep.Blocking = true // a broken policy never passes, whatever the setting
			}
			if f.Mandatory && f.Severity == policy.Error {
				rep.Blocking = true // an organisation policy's error blocks, whatever the setting
			}
		}
		if !m.Valid {
			rep.Blocking = true // an invalid model always blocks
		}
	}
	if len(rep.ConfigErrors) > 0 || len(rep.NewConfigErrors) > 0 || rep.OverBudget != nil {
		rep.Blocking = true
	}
	rep.Verdict = verdict(rep)
}

// AddNewConfigError records an error of the request's own .tmbot.yaml;
// it blocks.
func (rep *Report) AddNewConfigError(e ConfigError) {
	rep.NewConfigErrors = append(rep.NewConfigErrors, e)
	rep.Blocking = true
	rep.Verdict = verdict(rep)
}

// AddConfigError records a configuration problem; it blocks.
func (rep *Report) AddConfigError(e ConfigError) {
	rep.ConfigErrors = append(rep.ConfigErrors, e)
	rep.Blocking = true
	rep.Verdict = verdict(rep)
}
