package jobs

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
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

// TestBaselineOnGitLab: the same through GitLab: the base's baseline is
// read, the model at that commit too, and the restored model's status is
// success with the summary in the note.
func TestBaselineOnGitLab(t *testing.T) {
	ctx := context.Background()
	g := gitlabtest.New(t)
	g.AddUser("project_7_bot", true)
	tok := g.AddToken("project_7_bot")
	id := g.AddProject("acme/svc", "main")
	g.AddMember("acme/svc", "project_7_bot", gitlabtest.Developer)
	g.PutFile("acme/svc", commit("gl-baseline"), backlogPath, backlogModel())
	g.PutFile("acme/svc", commit("gl-base"), ".tmbot.yaml", []byte("adoption:\n  baseline: "+commit("gl-baseline")+"\n"))
	g.SetBranch("acme/svc", "main", commit("gl-base"))
	g.PutFile("acme/svc", commit("gl-head"), ".tmbot.yaml", []byte("adoption:\n  baseline: "+commit("gl-baseline")+"\n"))
	g.PutFile("acme/svc", commit("gl-head"), backlogPath, backlogModel())
	g.AddMergeRequest("acme/svc", gitlabtest.MergeRequest{IID: 1, Title: "Restore the model", Author: "alice", SourceBranch: "feature",
		BaseSHA: commit("gl-base"), HeadSHA: commit("gl-head")})
	client, err := glforge.New(g.URL(), tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := jobRunner(t, func(forge.Repo) (forge.Client, error) { return client, nil })
	repo := forge.Repo{Forge: "gitlab", ID: id, Owner: "acme", Name: "svc", DefaultBranch: "main"}
	if err := d.ReviewPR(ctx, reviewArgs(repo, forge.TriggerChanged)); err != nil {
		t.Fatalf("review: %v", err)
	}
	if sts := g.Statuses("acme/svc", commit("gl-head")); len(sts) != 1 || sts[0].Status != "success" {
		t.Errorf("statuses: %+v, want one success", sts)
	}
	notes := g.Notes("acme/svc", 1)
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "Adopted at the baseline: 6 open threats") {
		t.Errorf("notes: %+v", notes)
	}
}
