package review

import (
	"context"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
)

// mapSource is a request whose base and head are maps of path to content.
type mapSource struct{ base, head map[string]string }

func (s mapSource) ChangedFiles(context.Context) ([]FileChange, error) {
	var out []FileChange
	for p, h := range s.head {
		if b, ok := s.base[p]; !ok || b != h {
			out = append(out, FileChange{Path: p})
		}
	}
	return out, nil
}

func (s mapSource) ReadFile(_ context.Context, side Side, path string) ([]byte, bool, error) {
	m := s.head
	if side == Base {
		m = s.base
	}
	data, ok := m[path]
	return []byte(data), ok, nil
}

// orgPolicy is an organisation policy that always yields an error.
var orgPolicy = map[string][]byte{"org/must-plan.cue": []byte(
	"input: _\nfindings: [{rule: \"must-plan\", severity: \"error\", message: \"The organisation requires a plan.\"}]\n")}

// reviewWithSettings reviews a request that adds the AlpinePay model, under
// the repository's .tmbot.yaml settings and the organisation's policy.
func reviewWithSettings(t *testing.T, settings string, overridable bool) *Report {
	t.Helper()
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	src := mapSource{base: map[string]string{".tmbot.yaml": settings},
		head: map[string]string{".tmbot.yaml": settings, alpinepayPath: string(readAlpinepay(t))}}
	rep, _, err := ReviewSource(context.Background(), src, Options{Loader: loader, Today: "2026-11-22",
		OrgPolicies: orgPolicy, OrgPoliciesOverridable: overridable})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// blocking: false makes a repository's own errors advisory, not the
// organisation's: their errors block unless the service allows otherwise.
func TestBlockingFalseDoesNotUnblockOrganisationErrors(t *testing.T) {
	settings := "blocking: false\npolicies: {defaults: false}\n"
	if rep := reviewWithSettings(t, settings, false); !rep.Blocking {
		t.Errorf("an organisation policy's error does not block under blocking: false:\n%s", rep.Markdown())
	}
	if rep := reviewWithSettings(t, settings, true); rep.Blocking {
		t.Errorf("with TMBOT_ORG_POLICIES_OVERRIDABLE, blocking: false still blocks:\n%s", rep.Markdown())
	}
}

// A repository's setting that tries to turn off or lower an organisation
// policy is refused, and the comment says so in plain words, naming the
// setting and the file.
func TestRefusedSettingIsSaidInTheComment(t *testing.T) {
	rep := reviewWithSettings(t, "policies:\n  defaults: false\n  disable: [must-plan]\n", false)
	md := rep.Markdown()
	for _, want := range []string{"must-plan", "setting-refused", "`.tmbot.yaml`", "policies.disable: must-plan", "cannot turn off"} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment does not say %q:\n%s", want, md)
		}
	}
	if !rep.Blocking {
		t.Error("the organisation policy's error does not block")
	}
	_, cs := rep.CheckSummary()
	summary := cs.Markdown(0)
	if !strings.Contains(summary, "setting-refused") {
		t.Errorf("the check summary does not say the setting was refused:\n%s", summary)
	}
}
