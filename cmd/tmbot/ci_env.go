package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
)

// maxEventBytes bounds the GitHub event file read: GitHub caps webhook
// payloads, which the event file carries, at 25 MB.
const maxEventBytes = 25 << 20

// ciJob is the request a CI job is about, and the client that posts to it
// with the job's token.
type ciJob struct {
	system string // "GitHub Actions" or "GitLab CI"
	repo   forge.Repo
	number int
	client forge.Client
}

// errNoRequest says the job runs for something other than a pull or merge
// request: there is nothing to review.
var errNoRequest = errors.New("no pull or merge request")

// ciJobFromEnv reads the environment GitHub Actions or GitLab CI sets.
// Its errors name variables, never their values when they are secrets.
func ciJobFromEnv(getenv func(string) string) (*ciJob, error) {
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return githubJob(getenv)
	case getenv("GITLAB_CI") == "true":
		return gitlabJob(getenv)
	}
	return nil, errors.New("tmbot ci runs inside GitHub Actions (GITHUB_ACTIONS=true) or GitLab CI (GITLAB_CI=true); elsewhere, tmbot review reviews a local checkout")
}

func githubJob(getenv func(string) string) (*ciJob, error) {
	switch ev := getenv("GITHUB_EVENT_NAME"); ev {
	case "pull_request", "pull_request_target":
	default:
		return nil, fmt.Errorf("%w: the workflow runs for the %q event; run tmbot ci on pull_request or pull_request_target", errNoRequest, ev)
	}
	owner, name, ok := strings.Cut(getenv("GITHUB_REPOSITORY"), "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("GITHUB_REPOSITORY %q: expected OWNER/NAME", getenv("GITHUB_REPOSITORY"))
	}
	number, err := githubEventNumber(getenv("GITHUB_EVENT_PATH"))
	if err != nil {
		return nil, err
	}
	token := getenv("GITHUB_TOKEN")
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("GITHUB_TOKEN is not set: pass the job's token to the step (env: GITHUB_TOKEN: ${{ github.token }}), with permissions pull-requests: write and checks: write")
	}
	c, err := ghforge.NewTokenClient(ghforge.TokenConfig{Token: token, BaseURL: getenv("GITHUB_API_URL")})
	if err != nil {
		return nil, fmt.Errorf("GITHUB_API_URL: %w", err)
	}
	return &ciJob{system: "GitHub Actions", repo: forge.Repo{Forge: "github", Owner: owner, Name: name},
		number: number, client: c}, nil
}

// githubEventNumber reads the pull request's number from the event file.
func githubEventNumber(path string) (int, error) {
	if path == "" {
		return 0, errors.New("GITHUB_EVENT_PATH is not set: GitHub Actions sets it to the event's file")
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read the event file named by GITHUB_EVENT_PATH: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEventBytes+1))
	if err != nil {
		return 0, fmt.Errorf("read the event file named by GITHUB_EVENT_PATH: %w", err)
	}
	if len(data) > maxEventBytes {
		return 0, fmt.Errorf("the event file named by GITHUB_EVENT_PATH is over %d bytes", maxEventBytes)
	}
	var ev struct {
		Number      int `json:"number"`
		PullRequest struct {
			Number int `json:"number"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return 0, fmt.Errorf("the event file named by GITHUB_EVENT_PATH is not JSON: %w", err)
	}
	n := ev.PullRequest.Number
	if n == 0 {
		n = ev.Number
	}
	if n <= 0 {
		return 0, fmt.Errorf("%w: the event file names no pull request", errNoRequest)
	}
	return n, nil
}

func gitlabJob(getenv func(string) string) (*ciJob, error) {
	iidText := getenv("CI_MERGE_REQUEST_IID")
	if iidText == "" {
		return nil, fmt.Errorf("%w: the pipeline is not a merge request pipeline (CI_MERGE_REQUEST_IID is not set); run the job with rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"", errNoRequest)
	}
	iid, err := strconv.Atoi(iidText)
	if err != nil || iid <= 0 {
		return nil, fmt.Errorf("CI_MERGE_REQUEST_IID %q: expected a positive number", iidText)
	}
	id, err := strconv.ParseInt(getenv("CI_PROJECT_ID"), 10, 64)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("CI_PROJECT_ID %q: expected a positive number", getenv("CI_PROJECT_ID"))
	}
	path := getenv("CI_PROJECT_PATH")
	i := strings.LastIndex(path, "/")
	if i <= 0 || i == len(path)-1 {
		return nil, fmt.Errorf("CI_PROJECT_PATH %q: expected NAMESPACE/PROJECT", path)
	}
	api := getenv("CI_API_V4_URL")
	if api == "" {
		api = getenv("CI_SERVER_URL")
	}
	token := getenv("TMBOT_GITLAB_TOKEN")
	if strings.TrimSpace(token) == "" {
		if getenv("CI_JOB_TOKEN") != "" {
			return nil, errors.New("TMBOT_GITLAB_TOKEN is not set, and GitLab does not let a CI job token (CI_JOB_TOKEN) read merge requests, comment on them or set commit statuses; " +
				"add a project access token with the api scope and the Developer role as a masked CI/CD variable named TMBOT_GITLAB_TOKEN (docs/ci.md)")
		}
		return nil, errors.New("TMBOT_GITLAB_TOKEN is not set: add a project access token with the api scope and the Developer role as a masked CI/CD variable of that name (docs/ci.md)")
	}
	c, err := glforge.New(api, token, nil)
	if err != nil {
		return nil, fmt.Errorf("CI_API_V4_URL: %w", err)
	}
	return &ciJob{system: "GitLab CI", repo: forge.Repo{Forge: "gitlab", ID: id, Owner: path[:i], Name: path[i+1:]},
		number: iid, client: c}, nil
}
