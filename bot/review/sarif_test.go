package review

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID string `json:"id"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID  string `json:"ruleId"`
			Level   string `json:"level"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func sarifOf(t *testing.T, rep *Report) sarifDoc {
	t.Helper()
	var b bytes.Buffer
	if err := rep.SARIF(&b, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "tmbot" || doc.Runs[0].Tool.Driver.Version != "1.2.3" {
		t.Fatalf("not a SARIF 2.1.0 log of tmbot 1.2.3: %+v", doc)
	}
	rules := map[string]bool{}
	for _, r := range doc.Runs[0].Tool.Driver.Rules {
		rules[r.ID] = true
	}
	for _, r := range doc.Runs[0].Results {
		if !rules[r.RuleID] {
			t.Errorf("result of rule %s, which is not declared", r.RuleID)
		}
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" || r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("result without a file and line: %+v", r)
		}
	}
	return doc
}

func TestSARIFOfRealReports(t *testing.T) {
	rep := buildReport(t, "alpinepay-blocking")
	doc := sarifOf(t, rep)
	var threats int
	for _, r := range doc.Runs[0].Results {
		if r.RuleID == RuleNewUnmitigated {
			threats++
			if r.Locations[0].PhysicalLocation.ArtifactLocation.URI != alpinepayPath {
				t.Errorf("threat result in %s", r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
			}
			if strings.Contains(r.Message.Text, "prompt-injection-support") && (r.Level != "error" || r.Locations[0].PhysicalLocation.Region.StartLine != rep.Models[0].NewUnmitigated[0].Line) {
				t.Errorf("the blocking threat: %+v", r)
			}
		}
	}
	if threats != len(rep.Models[0].NewUnmitigated) {
		t.Errorf("%d threat results, want %d", threats, len(rep.Models[0].NewUnmitigated))
	}

	inv := sarifOf(t, buildReport(t, "alpinepay-invalid"))
	n := 0
	for _, r := range inv.Runs[0].Results {
		if r.RuleID == RuleValidation && r.Level == "error" {
			n++
		}
	}
	if n == 0 {
		t.Error("no validation errors in the SARIF of an invalid model")
	}
	sarifOf(t, buildReport(t, "no-models"))
}

func TestSARIFLevels(t *testing.T) {
	head := handModel("s").comp("a", "A", "service").
		threat("t", "T", model.Medium, model.Medium, nil, "a").m
	mr := handReport("s.threatmodel.yaml", nil, head, []policy.Finding{
		{Rule: "r-error", Severity: policy.Error, Message: "e", File: "s.threatmodel.yaml", Line: 4},
		{Rule: "r-warning", Severity: policy.Warning, Message: "w", File: "s.threatmodel.yaml", Line: 5},
		{Rule: "r-notice", Severity: policy.Notice, Message: "n", File: "s.threatmodel.yaml", Line: 6},
		{Rule: policy.RulePolicyError, Severity: policy.Error, Message: "broken", File: "policies/x.cue", Line: 3, Policy: "policies/x.cue"},
	})
	mr.Errors = []model.Diagnostic{{File: "s.threatmodel.yaml", Line: 2, Column: 3, Severity: model.SeverityError, Message: "bad"}}
	rep := handReportOf(mr)
	doc := sarifOf(t, rep)
	got := map[string]string{}
	lines := map[string]int{}
	for _, r := range doc.Runs[0].Results {
		got[r.RuleID] = r.Level
		lines[r.RuleID] = r.Locations[0].PhysicalLocation.Region.StartLine
		if r.RuleID == policy.RulePolicyError && !strings.Contains(r.Message.Text, "policies/x.cue:3") {
			t.Errorf("a finding from a policy file names it: %q", r.Message.Text)
		}
	}
	for rule, level := range map[string]string{"r-error": "error", "r-warning": "warning", "r-notice": "note",
		RuleValidation: "error", RuleNewUnmitigated: "warning", policy.RulePolicyError: "error"} {
		if got[rule] != level {
			t.Errorf("rule %s: level %q, want %q", rule, got[rule], level)
		}
	}
	if lines["r-notice"] != 6 || lines[RuleValidation] != 2 || lines[RuleNewUnmitigated] != 1000 || lines[policy.RulePolicyError] != 1 {
		t.Errorf("lines: %v", lines)
	}
}
