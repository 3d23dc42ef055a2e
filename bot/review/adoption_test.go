package review

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// adoptedModel is a model as an import leaves it: many open threats,
// mitigations only proposed.
func adoptedModel() string {
	var b strings.Builder
	b.WriteString("version: 1\nsystem: {id: shop, name: Shop, owner: \"@shop/team\"}\ncomponents:\n  web: {name: Web, kind: web_app}\nthreats:\n")
	levels := []struct{ id, l, i string }{
		{"crit-1", "high", "high"}, {"crit-2", "high", "high"},
		{"high-1", "medium", "high"}, {"high-2", "high", "medium"}, {"high-3", "medium", "high"},
		{"med-1", "medium", "medium"}, {"med-2", "low", "high"}, {"low-1", "low", "low"},
	}
	for _, l := range levels {
		fmt.Fprintf(&b, "  %s:\n    title: Threat %s\n    targets: [web]\n    likelihood: %s\n    impact: %s\n    mitigations: [fix-%s]\n", l.id, l.id, l.l, l.i, l.id)
	}
	b.WriteString("mitigations:\n")
	for _, l := range levels {
		status := "proposed"
		if l.id == "high-3" {
			status = "planned"
		}
		fmt.Fprintf(&b, "  fix-%s: {title: Fix %s, status: %s}\n", l.id, l.id, status)
	}
	return b.String()
}

const adoptedPath = "models/shop.threatmodel.yaml"

// A pull request that adds a model with many open threats gets a summary:
// counts by risk, one command to plan them, the most severe by name, the
// full list collapsed; only high and critical without a plan block.
func TestAdoptionSummarisesANewModel(t *testing.T) {
	r := renderReviewer(t)
	rep := r.Review(context.Background(), []Change{{Path: adoptedPath, Head: []byte(adoptedModel())}})
	m := rep.Models[0]
	a := m.Adoption
	if a == nil {
		t.Fatalf("no adoption summary for an added model with %d threats", len(m.NewUnmitigated))
	}
	if a.Threats != 8 || a.ByRisk != (RiskCounts{2, 3, 2, 1}) || a.Unplanned != (RiskCounts{2, 2, 2, 1}) || a.NeedsPlans != 4 || a.Blocks != "high" {
		t.Errorf("adoption: %+v", a)
	}
	if strings.Join(a.Top, ",") != "crit-1,crit-2,high-1" {
		t.Errorf("top: %v", a.Top)
	}
	wantCmd := "tmbot plan models/shop.threatmodel.yaml --owner @shop/team --due 2027-02-20 --risk high"
	if a.Command != wantCmd {
		t.Errorf("command: %q, want %q", a.Command, wantCmd)
	}
	if !rep.Blocking || !strings.Contains(rep.Verdict, "Needs owners and dates: 4 threats of risk high or higher") {
		t.Errorf("blocking %v, verdict %q", rep.Blocking, rep.Verdict)
	}
	for _, f := range m.Findings {
		if f.Rule == ruleUnplannedRisk && strings.HasPrefix(f.Threat, "med-") && f.Severity != policy.Warning {
			t.Errorf("a medium threat blocks: %+v", f)
		}
	}
	md := rep.Markdown()
	for _, want := range []string{
		"#### A new threat model: 8 open threats",
		"| 🔴 Critical | 2 | 2 |", "| 🟠 High | 3 | 2 |",
		"```sh\n" + wantCmd + "\n```",
		"Needs owners and dates: 4 threats of risk high or higher have no plan",
		"**Most severe:**\n\n- 🔴 `crit-1` **Threat crit-1** (critical risk, no plan, line",
		"<details>\n<summary>All 8 open threats</summary>",
		"- ⚪ `low-1` **Threat low-1** (low risk, no plan, line",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "#### New threats without a decision") {
		t.Errorf("the comment lists the threats in full as well")
	}
	// The check summary says it once, with the command, rather than one
	// paragraph per threat.
	_, cs := rep.CheckSummary()
	summary := cs.Markdown(0)
	if !strings.Contains(summary, "❌ `models/shop.threatmodel.yaml`: needs owners and dates: 4 threats of risk high or higher without a plan; to plan them all: `"+wantCmd+"`") ||
		strings.Contains(summary, "(`unplanned-risk`)") {
		t.Errorf("check summary:\n%s", summary)
	}
	// The one command settles what blocks: after it, the review passes.
	lr := r.Loader.Load(context.Background(), adoptedPath, []byte(adoptedModel()))
	planned, _, err := model.Plan(adoptedPath, []byte(adoptedModel()), lr.Model, model.PlanOptions{Owner: "@shop/team", Due: "2027-02-20", MinRisk: model.RiskHigh})
	if err != nil {
		t.Fatal(err)
	}
	after := r.Review(context.Background(), []Change{{Path: adoptedPath, Head: planned}})
	if after.Blocking {
		t.Errorf("still blocking after the suggested tmbot plan: %s", after.Verdict)
	}
}

func TestAdoptionBlocksSetting(t *testing.T) {
	for _, c := range []struct {
		blocks   string
		blocking bool
		needs    int
	}{{"none", false, 0}, {"critical", true, 2}, {"medium", true, 6}} {
		r := renderReviewer(t)
		r.AdoptionBlocks = c.blocks
		rep := r.Review(context.Background(), []Change{{Path: adoptedPath, Head: []byte(adoptedModel())}})
		if rep.Blocking != c.blocking || rep.Models[0].Adoption.NeedsPlans != c.needs {
			t.Errorf("blocks %s: blocking %v needs %d; want %v %d (%s)", c.blocks, rep.Blocking, rep.Models[0].Adoption.NeedsPlans, c.blocking, c.needs, rep.Verdict)
		}
		if c.blocks == "none" && strings.Contains(rep.Models[0].Adoption.Command, "--risk") {
			t.Errorf("blocks none: the command limits the risk: %s", rep.Models[0].Adoption.Command)
		}
	}
}

// A model that existed on the base, or a small new one, is listed in full.
func TestAdoptionOnlyForNewModelsWithManyThreats(t *testing.T) {
	r := renderReviewer(t)
	base := "version: 1\nsystem: {id: shop, name: Shop}\n"
	rep := r.Review(context.Background(), []Change{{Path: adoptedPath, Base: []byte(base), Head: []byte(adoptedModel())}})
	if rep.Models[0].Adoption != nil || !strings.Contains(rep.Markdown(), "#### New threats without a decision") {
		t.Errorf("a modified model got the adoption summary")
	}
	small := "version: 1\nsystem: {id: s, name: S}\nthreats:\n  a: {title: A, likelihood: high, impact: high}\n"
	rep = r.Review(context.Background(), []Change{{Path: "s.threatmodel.yaml", Head: []byte(small)}})
	if rep.Models[0].Adoption != nil {
		t.Errorf("a new model with one threat got the adoption summary")
	}
}

// The owner in the suggested command comes from the model: it is quoted
// for the shell, so pasting the command runs tmbot plan and nothing else.
func TestAdoptionCommandQuotesTheOwner(t *testing.T) {
	src := strings.Replace(adoptedModel(), `owner: "@shop/team"`, `owner: "@a'; rm -rf ~ #"`, 1)
	rep := renderReviewer(t).Review(context.Background(), []Change{{Path: "x y.threatmodel.yaml", Head: []byte(src)}})
	want := `tmbot plan 'x y.threatmodel.yaml' --owner '@a'\''; rm -rf ~ #' --due 2027-02-20 --risk high`
	if got := rep.Models[0].Adoption.Command; got != want {
		t.Errorf("command:\n got %s\nwant %s", got, want)
	}
}
