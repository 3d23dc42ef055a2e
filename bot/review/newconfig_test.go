package review

import (
	"context"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// A request that changes .tmbot.yaml is judged by the base's
// configuration, and its own is validated: an error in it is shown in the
// comment, blocks, and is in the JSON report, the check and SARIF.
func TestNewConfigurationIsValidated(t *testing.T) {
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	review := func(head string) *Report {
		src := mapSource{base: map[string]string{".tmbot.yaml": "blocking: true\n"},
			head: map[string]string{".tmbot.yaml": head}}
		rep, _, err := ReviewSource(context.Background(), src, Options{Loader: loader, Today: "2026-11-22"})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := review("blocking: true\npolices:\n  disable: [stride-flows]\n")
	if !rep.Blocking || len(rep.NewConfigErrors) != 1 || len(rep.ConfigErrors) != 0 {
		t.Fatalf("blocking %v, new config errors %+v, config errors %+v", rep.Blocking, rep.NewConfigErrors, rep.ConfigErrors)
	}
	if !strings.Contains(rep.Verdict, "new .tmbot.yaml in this change has 1 error: fix it before merging") {
		t.Errorf("verdict %q", rep.Verdict)
	}
	md := rep.Markdown()
	for _, want := range []string{"### The new configuration", "- `.tmbot.yaml:2`: unknown key \"polices\" (did you mean \"policies\"?)"} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q:\n%s", want, md)
		}
	}
	js, _ := rep.JSON()
	if !strings.Contains(string(js), `"new_config_errors"`) {
		t.Error("not in the JSON report")
	}
	if _, cs := rep.CheckSummary(); !strings.Contains(cs.Markdown(0), "the new configuration, `.tmbot.yaml:2`") {
		t.Errorf("summary:\n%s", cs.Markdown(0))
	}
	if fs := rep.CheckFindings(); len(fs) != 1 || fs[0].Path != ".tmbot.yaml" || fs[0].StartLine != 2 || fs[0].Severity != policy.Error || fs[0].Rule != RuleConfiguration {
		t.Errorf("check findings: %+v", fs)
	}
	if ok := review("blocking: false\n"); ok.Blocking || len(ok.NewConfigErrors) != 0 {
		t.Errorf("a good new configuration: %+v", ok.NewConfigErrors)
	}
}
