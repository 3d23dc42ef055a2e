package review

import (
	"context"
	"slices"
	"strings"
	"testing"
)

const baselineCommit = "0123456789abcdef0123456789abcdef01234567"

// withThreat adds one threat (and its mitigation) to adoptedModel.
func withThreat(src, id, likelihood, impact string) string {
	th := "  " + id + ":\n    title: Threat " + id + "\n    targets: [web]\n    likelihood: " + likelihood + "\n    impact: " + impact + "\n    mitigations: [fix-" + id + "]\n"
	src = strings.Replace(src, "mitigations:\n  fix-", th+"mitigations:\n  fix-", 1)
	return src + "  fix-" + id + ": {title: Fix " + id + ", status: proposed}\n"
}

// TestBaselineSummarisesTheBacklogAndListsWhatIsNew: a model that was at
// the baseline keeps its unchanged open threats out of the list and out
// of the check, in one summary; a threat added by the request, and one
// whose risk it raises, are listed and judged as usual.
func TestBaselineSummarisesTheBacklogAndListsWhatIsNew(t *testing.T) {
	r := renderReviewer(t)
	r.Baseline = baselineCommit
	at := adoptedModel()
	head := withThreat(strings.Replace(at, "likelihood: low\n    impact: low", "likelihood: high\n    impact: high", 1), "brand-new", "high", "high")
	rep := r.Review(context.Background(), []Change{{Path: adoptedPath, Base: []byte(at), Head: []byte(head), Baseline: []byte(at)}})
	m := rep.Models[0]
	var listed []string
	for _, th := range m.NewUnmitigated {
		listed = append(listed, th.ID)
	}
	slices.Sort(listed)
	if strings.Join(listed, ",") != "brand-new,low-1" {
		t.Errorf("listed %v, want the new threat and the raised one", listed)
	}
	a := m.Adoption
	if a == nil || a.Baseline != baselineCommit || a.Threats != 7 || a.NeedsPlans != 0 || len(m.Adopted) != 7 {
		t.Fatalf("adoption %+v, %d adopted; want the 7 unchanged open threats from the baseline", a, len(m.Adopted))
	}
	if strings.Contains(a.Command, "--risk") {
		t.Errorf("the backlog's command limits the risk: %s", a.Command)
	}
	if !rep.Blocking {
		t.Errorf("not blocking: the new and the raised critical threats have no plan")
	}
	md := rep.Markdown()
	for _, want := range []string{"Adopted at the baseline: 7 open threats", "0123456789ab", "### ❌ What blocks the merge", "`brand-new`", "`low-1`", "tmbot plan models/shop.threatmodel.yaml"} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment does not say %q:\n%s", want, md)
		}
	}
}

// TestBaselineLiftsARestoredModel: a request that puts back a model as it
// was at the baseline (the file was removed since) would be a new model
// whose unplanned high-risk threats block; with the baseline they are the
// backlog: summarised, not blocking. Without the baseline it still blocks.
func TestBaselineLiftsARestoredModel(t *testing.T) {
	r := renderReviewer(t)
	change := Change{Path: adoptedPath, Head: []byte(adoptedModel())}
	if rep := r.Review(context.Background(), []Change{change}); !rep.Blocking {
		t.Fatalf("without a baseline the restored model does not block: %s", rep.Verdict)
	}
	r.Baseline = baselineCommit
	change.Baseline = []byte(adoptedModel())
	rep := r.Review(context.Background(), []Change{change})
	m := rep.Models[0]
	if rep.Blocking || len(m.NewUnmitigated) != 0 || m.Adoption == nil || m.Adoption.Baseline == "" || len(m.Adopted) != 8 {
		t.Errorf("blocking %v, %d listed, adoption %+v; want not blocking, none listed, 8 adopted (%s)", rep.Blocking, len(m.NewUnmitigated), m.Adoption, rep.Verdict)
	}
	for _, f := range m.Findings {
		if f.Rule == ruleUnplannedRisk && f.Severity == "error" {
			t.Errorf("a backlog threat's finding still blocks: %+v", f)
		}
	}
	if md := rep.Markdown(); strings.Contains(md, "#### Policy findings") || strings.Contains(md, "#### Warnings") || strings.Contains(md, "A new threat model") {
		t.Errorf("the backlog's findings are listed, or the model is called new:\n%s", md)
	}
}

// TestBaselineWithNothingToSettleSaysNothing: a model whose open threats
// at the baseline are all planned gets no summary.
func TestBaselineWithNothingToSettleSaysNothing(t *testing.T) {
	r := renderReviewer(t)
	r.Baseline = baselineCommit
	at := strings.ReplaceAll(adoptedModel(), "status: proposed", "status: planned")
	head := strings.Replace(at, "title: Threat low-1", "title: Threat low-1, renamed", 1)
	rep := r.Review(context.Background(), []Change{{Path: adoptedPath, Base: []byte(at), Head: []byte(head), Baseline: []byte(at)}})
	if m := rep.Models[0]; m.Adoption != nil || len(m.Adopted) != 0 {
		t.Errorf("a summary of a backlog with nothing to settle: %+v", m.Adoption)
	}
}
