package policy_test

import (
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
)

// orgRule is an organisation policy (org/must-plan.cue) that always
// yields one error; repoRule a repository's own that yields one warning.
const (
	orgRule  = "input: _\nfindings: [{rule: \"must-plan\", severity: \"error\", message: \"The organisation requires a plan.\"}]\n"
	repoRule = "input: _\nfindings: [{rule: \"own\", severity: \"warning\", message: \"The repository's own rule.\"}]\n"
)

func orgEngine(t *testing.T, o policy.Options) *policy.Engine {
	t.Helper()
	o.NoDefaults = true
	e, err := policy.NewEngine(o)
	if err != nil {
		t.Fatal(err)
	}
	e.AddFile(policy.File{Path: "org/must-plan.cue", Source: []byte(orgRule), Origin: policy.FromOrganisation})
	e.AddFile(policy.File{Path: ".tmbot/policies/own.cue", Source: []byte(repoRule), Origin: policy.FromRepository})
	return e
}

func byRule(fs []policy.Finding) map[string]policy.Finding {
	out := map[string]policy.Finding{}
	for _, f := range fs {
		out[f.Rule] = f
	}
	return out
}

// A repository's policies.disable cannot turn off an organisation policy:
// it still runs, its finding is mandatory, and a warning says the setting
// was refused, naming the setting and the file. The repository's own rule
// is turned off as asked.
func TestRepositoryCannotDisableAnOrganisationPolicy(t *testing.T) {
	e := orgEngine(t, policy.Options{Disable: []string{"must-plan", "own"}})
	fs := byRule(evalAll(t, e, input(t, nil, load(t, oneThreat), today)))
	org, ok := fs["must-plan"]
	if !ok || org.Severity != policy.Error || !org.Mandatory {
		t.Fatalf("the organisation policy was turned off or is not mandatory: %+v", fs)
	}
	if _, ok := fs["own"]; ok {
		t.Error("the repository's own rule was not turned off")
	}
	r, ok := fs[policy.RuleSettingRefused]
	if !ok || r.Severity != policy.Warning || r.File != ".tmbot.yaml" || r.Policy != "org/must-plan.cue" {
		t.Fatalf("no setting-refused warning on .tmbot.yaml: %+v", fs)
	}
	mustContain(t, "message", r.Message, ".tmbot.yaml", "policies.disable: must-plan", "org/must-plan.cue", "cannot turn off")
}

// A repository's policies.severity cannot lower an organisation rule's
// findings; it may raise them, and it may lower its own rules.
func TestRepositoryCannotLowerAnOrganisationRule(t *testing.T) {
	e := orgEngine(t, policy.Options{Severity: map[string]string{"must-plan": policy.Notice, "own": policy.Notice}})
	fs := byRule(evalAll(t, e, input(t, nil, load(t, oneThreat), today)))
	if f := fs["must-plan"]; f.Severity != policy.Error {
		t.Errorf("the organisation rule was lowered to %q", f.Severity)
	}
	if f := fs["own"]; f.Severity != policy.Notice {
		t.Errorf("the repository's own rule is %q, want notice as it asked", f.Severity)
	}
	r, ok := fs[policy.RuleSettingRefused]
	if !ok || r.Severity != policy.Warning || r.File != ".tmbot.yaml" {
		t.Fatalf("no setting-refused warning: %+v", fs)
	}
	mustContain(t, "message", r.Message, "policies.severity.must-plan: notice", "org/must-plan.cue", "cannot lower", "stays error")

	raised := orgEngine(t, policy.Options{Severity: map[string]string{"must-plan": policy.Error}})
	if fs := byRule(evalAll(t, raised, input(t, nil, load(t, oneThreat), today))); len(fs) != 2 {
		t.Errorf("a setting that changes nothing was refused: %+v", fs)
	}
}

// The service's TMBOT_ORG_POLICIES_OVERRIDABLE lets repositories turn off
// and lower organisation policies, without a word, and their findings are
// not mandatory.
func TestOrganisationPoliciesOverridableByTheService(t *testing.T) {
	e := orgEngine(t, policy.Options{OrgOverridable: true, Disable: []string{"must-plan"}})
	fs := evalAll(t, e, input(t, nil, load(t, oneThreat), today))
	if len(fs) != 1 || fs[0].Rule != "own" {
		t.Fatalf("want only the repository's rule, got:\n%s", dump(fs))
	}
	e = orgEngine(t, policy.Options{OrgOverridable: true, Severity: map[string]string{"must-plan": policy.Notice}})
	got := byRule(evalAll(t, e, input(t, nil, load(t, oneThreat), today)))
	if f := got["must-plan"]; f.Severity != policy.Notice || f.Mandatory {
		t.Errorf("overridable: got %+v", f)
	}
	if _, ok := got[policy.RuleSettingRefused]; ok {
		t.Error("a setting the service allows was refused")
	}
}
