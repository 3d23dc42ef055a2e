package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/review"
)

// ciCommand is the command a CI step runs, expanded with the step's
// environment as the shell would (the steps quote simply: no word of
// theirs holds a space).
func ciCommand(t *testing.T, line string, env map[string]string) []string {
	t.Helper()
	words := strings.Fields(os.Expand(line, func(k string) string { return env[k] }))
	for i, w := range words {
		words[i] = strings.Trim(w, `"'`)
	}
	if len(words) < 2 || filepath.Base(words[0]) != "tmbot" || words[1] != "ci" {
		t.Fatalf("the step runs %q, not tmbot ci", line)
	}
	return words[2:]
}

func getenvOf(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// runCIJob runs tmbot ci in-process as the step would, and checks that no
// secret reaches its output.
func runCIJob(t *testing.T, args []string, env map[string]string, secrets []string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = ciMain(context.Background(), args, getenvOf(env), &out, &errb)
	for _, s := range secrets {
		if s != "" && (strings.Contains(out.String(), s) || strings.Contains(errb.String(), s)) {
			t.Fatalf("a token reached tmbot ci's output:\n%s\n%s", out.String(), errb.String())
		}
	}
	return code, out.String(), errb.String()
}

// action is the part of action.yml the test reads.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name string            `yaml:"name"`
			If   string            `yaml:"if"`
			Env  map[string]string `yaml:"env"`
			Run  string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// The action at the repository root, run as GitHub Actions runs it on a
// pull request: the runner's variables, the step's env with the inputs'
// defaults (the token is ${{ github.token }}, the job's GITHUB_TOKEN), and
// the step's command. It posts one comment and one check run as
// github-actions[bot], and a second run of the job edits them in place.
func TestActionRunsTmbotCIOnAPullRequest(t *testing.T) {
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var act action
	if err := yaml.Unmarshal(data, &act); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if act.Runs.Using != "composite" || len(act.Runs.Steps) == 0 {
		t.Fatalf("action.yml: want a composite action with steps, got %q", act.Runs.Using)
	}
	if act.Inputs["token"].Default != "${{ github.token }}" {
		t.Fatalf("the token input defaults to %q, want the job's token", act.Inputs["token"].Default)
	}
	step := act.Runs.Steps[len(act.Runs.Steps)-1]

	gh := githubtest.NewActions(t)
	gh.AddInstallation(testInst, "alpine")
	gh.AddRepo(testInst, testRepo, "main")
	putModels(t, gh.PutFile)
	gh.AddPull(testRepo, githubtest.Pull{Number: 5, Title: "Add a support assistant", Author: "vendor", BaseRef: "main",
		BaseSHA: sha("base"), HeadRef: "assistant", HeadSHA: sha("head"), Files: []githubtest.PullFile{{Path: modelPath}}})
	token := gh.JobToken(testInst)

	dir := t.TempDir()
	event := filepath.Join(dir, "event.json")
	ev, _ := json.Marshal(map[string]any{"action": "opened", "number": 5,
		"pull_request": map[string]any{"number": 5, "head": map[string]any{"sha": sha("head")}}})
	if err := os.WriteFile(event, ev, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{ // what the runner sets
		"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event,
		"GITHUB_REPOSITORY": testRepo, "GITHUB_API_URL": strings.TrimSuffix(gh.URL(), "/"),
		"GITHUB_SERVER_URL": "https://github.com", "RUNNER_TEMP": dir, "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
	}
	for k, v := range step.Env { // the step's env, its expressions evaluated
		for name, in := range act.Inputs {
			v = strings.ReplaceAll(v, "${{ inputs."+name+" }}", in.Default)
		}
		env[k] = strings.ReplaceAll(v, "${{ github.token }}", token)
	}
	if env["GITHUB_TOKEN"] != token {
		t.Fatalf("the step does not pass the job's token as GITHUB_TOKEN: env %v", step.Env)
	}
	args := ciCommand(t, step.Run, env)

	for run := 1; run <= 2; run++ {
		code, out, errs := runCIJob(t, args, env, gh.Secrets())
		if code != exitInvalid {
			t.Fatalf("run %d: exit %d, want 1 (the head adds an unplanned threat)\n%s", run, code, errs)
		}
		if !strings.HasPrefix(out, review.Marker) || !strings.Contains(out, "assistant-prompt-injection") {
			t.Errorf("run %d: the log does not show the review (args %q):\n%s", run, args, out)
		}
		if !strings.Contains(errs, `check "Threat model": failure`) {
			t.Errorf("run %d: stderr does not give the check:\n%s", run, errs)
		}
	}
	comments := gh.Comments(testRepo, 5)
	if len(comments) != 1 || comments[0].User != "github-actions[bot]" {
		t.Fatalf("comments %+v: want one, by github-actions[bot]", comments)
	}
	runs := gh.CheckRuns(testRepo, sha("head"))
	if len(runs) != 1 || runs[0].Name != forge.CheckName || runs[0].Conclusion != "failure" || runs[0].AppID != githubtest.ActionsAppID {
		t.Fatalf("check runs %+v: want one %q run of GitHub Actions, failure", runs, forge.CheckName)
	}

	// A request that adds a model with planned mitigations: the service
	// would open tracking issues when it merges; tmbot ci says it does not.
	added := sha("adds-the-model")
	base, _ := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	gh.PutFile(testRepo, added, "second/alpinepay.threatmodel.yaml", base)
	gh.AddPull(testRepo, githubtest.Pull{Number: 6, BaseRef: "main", BaseSHA: sha("base"), HeadSHA: added,
		Files: []githubtest.PullFile{{Path: "second/alpinepay.threatmodel.yaml"}}})
	os.WriteFile(event, []byte(`{"number": 6, "pull_request": {"number": 6}}`), 0o600)
	_, _, errs := runCIJob(t, args, env, gh.Secrets())
	if !strings.Contains(errs, "tmbot ci does not track") {
		t.Errorf("tmbot ci does not say that it does not track:\n%s", errs)
	}
	if cs := gh.Comments(testRepo, 6); len(cs) != 1 || !strings.Contains(cs[0].Body, "the tmbot service would open") || strings.Contains(cs[0].Body, "tmbot will open") {
		t.Errorf("the comment promises tracking that tmbot ci does not do:\n%+v", cs)
	}
}

// putModels stores the AlpinePay model at the base and the head that adds
// an LLM assistant with an unplanned threat.
func putModels(t *testing.T, put func(repo, sha, path string, data []byte)) {
	t.Helper()
	base, err := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	head, err := os.ReadFile("../../examples/demo/unplanned/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	put(testRepo, sha("base"), modelPath, base)
	put(testRepo, sha("head"), modelPath, head)
}

// Outside a pull request, with a read-only token, or without a token,
// tmbot ci says what is wrong and names no secret.
func TestCIEnvironmentErrors(t *testing.T) {
	gh := githubtest.NewActions(t)
	gh.AddInstallation(testInst, "alpine")
	gh.AddRepo(testInst, testRepo, "main")
	putModels(t, gh.PutFile)
	gh.AddPull(testRepo, githubtest.Pull{Number: 5, BaseRef: "main", BaseSHA: sha("base"), HeadSHA: sha("head"),
		Files: []githubtest.PullFile{{Path: modelPath}}})
	token := gh.JobToken(testInst)
	event := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(event, []byte(`{"number": 5, "pull_request": {"number": 5}}`), 0o600)
	base := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event,
		"GITHUB_REPOSITORY": testRepo, "GITHUB_API_URL": gh.URL(), "GITHUB_TOKEN": token}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name string
		env  map[string]string
		code int
		want string
	}{
		{"not in CI", map[string]string{}, exitUsage, "runs inside GitHub Actions"},
		{"a push", with("GITHUB_EVENT_NAME", "push"), exitOK, "nothing to review"},
		{"no token", with("GITHUB_TOKEN", ""), exitUsage, "GITHUB_TOKEN is not set"},
		{"a bad repository", with("GITHUB_REPOSITORY", "alpine"), exitUsage, "GITHUB_REPOSITORY"},
		{"no event file", with("GITHUB_EVENT_PATH", filepath.Join(t.TempDir(), "none.json")), exitUsage, "GITHUB_EVENT_PATH"},
		{"GitLab without a project token", map[string]string{"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "1",
			"CI_PROJECT_ID": "3", "CI_PROJECT_PATH": "a/b", "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
			"CI_JOB_TOKEN": "glcbt-secret-job-token"}, exitUsage, "does not let a CI job token"},
		{"GitLab, not a merge request", map[string]string{"GITLAB_CI": "true"}, exitOK, "not a merge request pipeline"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := runCIJob(t, nil, c.env, append(gh.Secrets(), "glcbt-secret-job-token"))
			if code != c.code || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, stderr %q: want %d and %q", code, errs, c.code, c.want)
			}
		})
	}
	// A read-only token (a fork's, under pull_request): the error says how
	// to give the job the rights, and the check is not half-written.
	gh.SetInstallationPermissions(testInst, map[string]string{"contents": "read", "pull_requests": "read", "checks": "read", "issues": "read", "metadata": "read"})
	code, _, errs := runCIJob(t, nil, base, gh.Secrets())
	if code != exitUsage || !strings.Contains(errs, "pull_request_target") {
		t.Fatalf("read-only token: exit %d, stderr %q", code, errs)
	}
}

// gitlabJob is the part of the GitLab CI template the test reads.
type gitlabJobSpec struct {
	Image     string            `yaml:"image"`
	Variables map[string]string `yaml:"variables"`
	Rules     []struct {
		If string `yaml:"if"`
	} `yaml:"rules"`
	Script []string `yaml:"script"`
}

// The GitLab CI template, run as a merge request pipeline runs it: the
// predefined variables, the template's variables and the project's masked
// TMBOT_GITLAB_TOKEN, then the template's last command. It posts one note
// and one "threat-model" status, and a second run edits them in place.
func TestGitLabTemplateRunsTmbotCIOnAMergeRequest(t *testing.T) {
	data, err := os.ReadFile("../../deploy/gitlab-ci/tmbot.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]gitlabJobSpec
	if err := yaml.Unmarshal(data, &tpl); err != nil {
		t.Fatalf("the GitLab CI template: %v", err)
	}
	job, ok := tpl["tmbot"]
	if !ok || len(job.Script) == 0 {
		t.Fatalf("the template has no tmbot job with a script")
	}
	if len(job.Rules) != 1 || job.Rules[0].If != `$CI_PIPELINE_SOURCE == "merge_request_event"` {
		t.Fatalf("the job's rules %+v: want merge request pipelines only", job.Rules)
	}
	g, tok := fakeGitLab(t)
	id := g.ProjectID(glProject)
	dir := t.TempDir()
	env := map[string]string{ // GitLab's predefined variables of a merge request pipeline
		"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
		"CI_MERGE_REQUEST_IID": "1", "CI_PROJECT_ID": strconv.FormatInt(id, 10), "CI_PROJECT_PATH": glProject,
		"CI_PROJECT_DIR": dir, "CI_SERVER_URL": g.URL(), "CI_API_V4_URL": g.URL() + "/api/v4",
		"CI_JOB_TOKEN": "glcbt-the-jobs-own-token", "CI_COMMIT_SHA": sha("head"),
		"TMBOT_GITLAB_TOKEN": tok, // the project's masked variable
	}
	for k, v := range job.Variables {
		env[k] = v
	}
	args := ciCommand(t, job.Script[len(job.Script)-1], env)
	secrets := append(g.Secrets(), tok, "glcbt-the-jobs-own-token")
	for run := 1; run <= 2; run++ {
		code, _, errs := runCIJob(t, args, env, secrets)
		if code != exitInvalid || !strings.Contains(errs, `check "Threat model": failure`) {
			t.Fatalf("run %d: exit %d, want 1\n%s", run, code, errs)
		}
	}
	var ours int
	for _, n := range g.Notes(glProject, 1) {
		if n.Author == glBot && strings.HasPrefix(n.Body, review.Marker) {
			ours++
		}
	}
	if ours != 1 {
		t.Fatalf("%d review notes by the token's user, want 1: %+v", ours, g.Notes(glProject, 1))
	}
	var statuses int
	for _, s := range g.Statuses(glProject, sha("head")) {
		if s.Name == forge.StatusName {
			statuses++
			if s.Status != "failed" {
				t.Errorf("status %+v: want failed", s)
			}
		}
	}
	if statuses != 1 {
		t.Fatalf("%d %q statuses, want 1", statuses, forge.StatusName)
	}
}
