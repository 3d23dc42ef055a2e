package jobs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/review"
)

// backlogModel is a model with six open high-risk threats and nothing
// planned: as a new model, it blocks.
func backlogModel() []byte {
	var b strings.Builder
	b.WriteString("version: 1\nsystem: {id: shop, name: Shop, owner: \"@shop/team\"}\ncomponents:\n  web: {name: Web, kind: web_app}\nthreats:\n")
	for i := range 6 {
		fmt.Fprintf(&b, "  t%d: {title: Threat %d, targets: [web], likelihood: high, impact: medium, mitigations: [fix-%d]}\n", i, i, i)
	}
	b.WriteString("mitigations:\n")
	for i := range 6 {
		fmt.Fprintf(&b, "  fix-%d: {title: Fix %d, status: proposed}\n", i, i)
	}
	return []byte(b.String())
}

const backlogPath = "models/shop.threatmodel.yaml"

// restoredPull is a request that puts back a model as it was at the
// baseline commit (it was removed since), with configs on each side.
func (f *budgetFixture) restoredPull(t *testing.T, name, baseConfig, headConfig string) (forge.Repo, string) {
	t.Helper()
	base, head := tree{}, tree{backlogPath: backlogModel()}
	if baseConfig != "" {
		base[".tmbot.yaml"] = []byte(baseConfig)
	}
	if headConfig != "" {
		head[".tmbot.yaml"] = []byte(headConfig)
	}
	repo, args := f.pullOf(t, name, base, head, []githubtest.PullFile{{Path: backlogPath}})
	f.gh.PutFile(repo.FullName(), commit(name+"-baseline"), backlogPath, backlogModel())
	f.review(t, args)
	cs := f.gh.Comments(repo.FullName(), 1)
	if len(cs) != 1 {
		t.Fatalf("%s: %d comments, want 1", name, len(cs))
	}
	return repo, cs[0].Body
}

// TestBaselineFromTheBaseBranch: adoption.baseline in the base branch's
// .tmbot.yaml makes the model's threats from the baseline a summary that
// does not block; the same setting in the request's own .tmbot.yaml
// changes nothing (the configuration that judges a request is its
// base's).
func TestBaselineFromTheBaseBranch(t *testing.T) {
	f := newBudgetFixture(t, review.Budget{})
	cfg := "adoption:\n  baseline: " + commit("set-baseline") + "\n"

	repo, body := f.restoredPull(t, "set", cfg, "")
	run := f.check(t, repo, commit("set-head"))
	if run.Conclusion != forge.ConclusionOK {
		t.Errorf("with the base's baseline: conclusion %q, want success:\n%s", run.Conclusion, run.Summary)
	}
	wantAll(t, "the comment", body, "Adopted at the baseline: 6 open threats", commit("set-baseline")[:12], "tmbot plan models/shop.threatmodel.yaml")
	if strings.Contains(body, "A new threat model") {
		t.Errorf("the comment calls the restored model new:\n%s", body)
	}

	cfg = "adoption:\n  baseline: " + commit("own-baseline") + "\n"
	repo, body = f.restoredPull(t, "own", "", cfg)
	run = f.check(t, repo, commit("own-head"))
	if run.Conclusion != forge.ConclusionBlock {
		t.Errorf("a request that sets its own baseline: conclusion %q, want failure", run.Conclusion)
	}
	if strings.Contains(body, "Adopted at the baseline") || !strings.Contains(body, "A new threat model") {
		t.Errorf("a request's own baseline was applied:\n%s", body)
	}
}

// TestBaselineCommitUnknown: a baseline that names a commit the
// repository does not have is a configuration error, said in the comment,
// and the review goes on without it.
func TestBaselineCommitUnknown(t *testing.T) {
	f := newBudgetFixture(t, review.Budget{})
	cfg := "adoption:\n  baseline: " + commit("nowhere") + "\n"
	base, head := tree{".tmbot.yaml": []byte(cfg)}, tree{".tmbot.yaml": []byte(cfg), backlogPath: backlogModel()}
	repo, args := f.pullOf(t, "unknown", base, head, []githubtest.PullFile{{Path: backlogPath}})
	f.review(t, args)
	run := f.check(t, repo, commit("unknown-head"))
	if run.Conclusion != forge.ConclusionBlock {
		t.Errorf("conclusion %q, want failure", run.Conclusion)
	}
	cs := f.gh.Comments(repo.FullName(), 1)
	if len(cs) != 1 {
		t.Fatalf("%d comments, want 1", len(cs))
	}
	wantAll(t, "the comment", cs[0].Body, "adoption.baseline names commit "+commit("nowhere"), "A new threat model")
}
