package dashboard

import (
	"net/url"
	"strconv"
	"strings"
)

// Targets are how many days a threat or a mitigation of each risk may stay
// open before the dashboard counts it "over target" (0: no target). Ages
// count from when it first appeared on the default branch.
type Targets struct {
	Critical int `yaml:"critical"`
	High     int `yaml:"high"`
	Medium   int `yaml:"medium"`
	Low      int `yaml:"low"`
}

// DefaultTargets: two weeks for critical, a month for high, a quarter for
// medium, none for low.
var DefaultTargets = Targets{Critical: 14, High: 30, Medium: 90}

// For is the target of a risk, in days (0: none).
func (t Targets) For(risk string) int {
	switch risk {
	case "critical":
		return t.Critical
	case "high":
		return t.High
	case "medium":
		return t.Medium
	case "low":
		return t.Low
	}
	return 0
}

// linker makes the links of the dashboard's rows from what the store
// keeps (the forge and the repository's path in its key, a commit, a file
// path, a request number), in the URL shapes of GitHub and GitLab.
type linker struct {
	github, gitlab string // web roots, without a trailing slash ("" unknown)
}

func newLinker(githubAPI, gitlabURL string) linker {
	return linker{github: githubWeb(githubAPI), gitlab: strings.TrimRight(gitlabURL, "/")}
}

// githubWeb is the web root of a GitHub API URL: github.com for
// api.github.com, the host for GitHub Enterprise Server (/api/v3).
func githubWeb(api string) string {
	u, err := url.Parse(api)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	if u.Host == "api.github.com" {
		return "https://github.com"
	}
	return u.Scheme + "://" + u.Host
}

// repoWeb is the web address of a repository key's repository, with
// GitLab's "/-" marker for the pages under it.
func (l linker) repoWeb(key string) (root, sub string) {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) != 3 {
		return "", ""
	}
	var base string
	switch parts[0] {
	case "github":
		base = l.github
	case "gitlab":
		base, sub = l.gitlab, "/-"
	}
	if base == "" || parts[2] == "" {
		return "", ""
	}
	return base + "/" + escapePath(parts[2]), sub
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// Repo is the repository's page on its forge.
func (l linker) Repo(key string) string {
	root, _ := l.repoWeb(key)
	return root
}

// File is a file at a commit ("" without a commit).
func (l linker) File(key, sha, path string) string {
	root, sub := l.repoWeb(key)
	if root == "" || sha == "" || path == "" {
		return ""
	}
	return root + sub + "/blob/" + url.PathEscape(sha) + "/" + escapePath(path)
}

// Pull is a pull request (GitHub) or merge request (GitLab).
func (l linker) Pull(key string, n int) string {
	root, sub := l.repoWeb(key)
	if root == "" || n <= 0 {
		return ""
	}
	if sub == "" {
		return root + "/pull/" + strconv.Itoa(n)
	}
	return root + sub + "/merge_requests/" + strconv.Itoa(n)
}

// Issue is an issue by number.
func (l linker) Issue(key string, n int) string {
	root, sub := l.repoWeb(key)
	if root == "" || n <= 0 {
		return ""
	}
	return root + sub + "/issues/" + strconv.Itoa(n)
}
