package review

import (
	"context"
	"errors"
	"sort"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
)

// BaselineReader is a Source that can read a file at any commit of the
// repository: the repository's adoption baseline (`adoption.baseline` in
// the base's .tmbot.yaml). Without it, a baseline is reported as not
// usable.
type BaselineReader interface {
	// ReadAt reads a file at a commit; found is false when it does not
	// exist there. An unknown commit is an error that wraps ErrNoCommit.
	ReadAt(ctx context.Context, commit, path string) (data []byte, found bool, err error)
}

// ErrNoCommit says that a commit is not in the repository.
var ErrNoCommit = errors.New("no such commit in the repository")

// adoptBaseline applies the repository's baseline to one model: the open
// threats of the head that are unchanged since the baseline (their id and
// content as at the baseline commit; a threat only renamed since counts as
// unchanged) are the model's backlog. They were on the default branch
// when the repository adopted tmbot, so they are summarised, not listed,
// and never block: a new threat of the request that is in the backlog
// (the file was removed and restored, or a risk lowered after the
// baseline is raised back) leaves the list of new threats, and its
// unplanned-risk finding is dropped. A threat that changed since
// the baseline is judged as usual. The summary is made when the backlog
// has a threat without a plan, or took one from the list.
func (r *Reviewer) adoptBaseline(mr *ModelReport, at *model.Model) {
	if at == nil || mr.head == nil || !mr.Valid {
		return
	}
	changed := map[string]bool{}
	for _, t := range diff.Compare(at, mr.head).Threats {
		if t.Change == diff.Added || t.Change == diff.Changed {
			changed[t.ID] = true
		}
	}
	var backlog []NewThreat
	unplanned := 0
	for _, id := range mr.head.ThreatOrder {
		t := mr.head.Threats[id]
		if changed[id] || !t.Unmitigated() {
			continue
		}
		nt := NewThreat{ID: id, Title: t.Title, Risk: string(t.Risk), Planned: t.Planned(mr.head),
			Change: "adopted", Line: t.Pos.Line, Mitigations: []MitigationRef{}}
		for _, mid := range t.Mitigations {
			if m := mr.head.Mitigations[mid]; m != nil {
				nt.Mitigations = append(nt.Mitigations, MitigationRef{ID: mid, Title: m.Title, Status: m.Status})
			}
		}
		if !nt.Planned {
			unplanned++
		}
		backlog = append(backlog, nt)
	}
	inBacklog := map[string]bool{}
	for _, t := range backlog {
		inBacklog[t.ID] = true
	}
	kept := mr.NewUnmitigated[:0:0]
	for _, t := range mr.NewUnmitigated {
		if !inBacklog[t.ID] {
			kept = append(kept, t)
		}
	}
	took := len(kept) < len(mr.NewUnmitigated)
	if unplanned == 0 && !took {
		return
	}
	mr.NewUnmitigated = kept
	// Their unplanned-risk findings are the summary's: not new, not
	// listed, not blocking.
	findings := mr.Findings[:0:0]
	for _, f := range mr.Findings {
		if f.Rule != ruleUnplannedRisk || !inBacklog[f.Threat] {
			findings = append(findings, f)
		}
	}
	mr.Findings = findings
	sort.SliceStable(backlog, func(i, j int) bool {
		return model.Risk(backlog[i].Risk).Rank() > model.Risk(backlog[j].Risk).Rank()
	})
	mr.Adopted = backlog
	mr.Adoption = r.summarise(mr, backlog, "none")
	mr.Adoption.Baseline = r.Baseline
}
