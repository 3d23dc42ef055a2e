package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
	"github.com/tmbot/tmbot/bot/markdown/markdowntest"
	"github.com/tmbot/tmbot/bot/review"
)

// A hostile model: every free-text field tries to speak for its author
// through the bot (mentions, @all, links, images, HTML, headings, the end
// of a <details>, a table break, quick actions, bidirectional overrides,
// zero-width characters).
const canary = "PWNED"

var (
	hostileLine = "Name " + canary + " @all @alice [click](https://evil.example) ![img](https://evil.example/x.png) " +
		"<img src=x onerror=alert(1)> </details> <b>bold</b> https://evil.example/login www.evil.example #1 !1 " +
		"safe\u202eevil\u202c zero\u200bwidth"
	hostileText = canary + " first line\n# " + canary + " heading\n/close\n/assign @alice\n</details>\n| a | b |\n---\n> quote\n" + hostileLine
	hostileKey  = "<img src=x> @all [x](https://evil.example) \u202e" + canary
)

const (
	hostilePath = "models/hostile.threatmodel.json"
	brokenPath  = "models/broken.threatmodel.json"
)

// hostileModel is the hostile model; the mitigation fix-two is owned by
// owner (a handle the forge knows, or not).
func hostileModel(t *testing.T, owner string) []byte {
	t.Helper()
	m := map[string]any{
		"version": 1,
		"system":  map[string]any{"id": "hostile", "name": hostileLine, "description": hostileText, "owner": "@all"},
		"components": map[string]any{
			"web": map[string]any{"name": hostileLine, "kind": "web_app", "description": hostileText, "internet_facing": true},
			"db":  map[string]any{"name": hostileLine, "kind": "database"},
		},
		"flows": map[string]any{"web-db": map[string]any{"from": "web", "to": "db", "protocol": hostileLine, "description": hostileText}},
		"threats": map[string]any{
			"open-threat":    map[string]any{"title": hostileLine, "description": hostileText, "targets": []string{"web"}, "likelihood": "high", "impact": "high"},
			"planned-threat": map[string]any{"title": hostileLine, "description": hostileText, "targets": []string{"web-db"}, "likelihood": "high", "impact": "medium", "mitigations": []string{"fix-it", "fix-two"}},
		},
		"mitigations": map[string]any{
			"fix-it":  map[string]any{"title": hostileLine, "description": hostileText, "status": "planned", "owner": "@all", "due": "2027-01-31"},
			"fix-two": map[string]any{"title": "Second " + hostileLine, "status": "in_progress", "owner": owner},
		},
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func brokenModel() []byte {
	b, _ := json.Marshal(map[string]any{"version": 1, "system": map[string]any{"id": "broken", "name": hostileLine}, hostileKey: hostileText})
	return b
}

// checkInert fails the test when body (Markdown the bot wrote) is not
// inert; mentions are the handles it may mention on purpose.
func checkInert(t *testing.T, where, body string, references bool, mentions ...string) {
	t.Helper()
	if !strings.Contains(body, canary) {
		t.Errorf("%s does not show the user text at all:\n%s", where, body)
	}
	checkMarkdown(t, where, body, references, mentions...)
}

// helpLine is the link to a rule's documentation in a GitLab finding's note.
var helpLine = regexp.MustCompile(`\n\[What this check looks for\]\(` + regexp.QuoteMeta(review.DocsURL) + `[A-Za-z0-9._#/-]*\)\n`)

func checkMarkdown(t *testing.T, where, body string, references bool, mentions ...string) {
	t.Helper()
	seen := map[string]bool{}
	// The bot links a GitLab finding to its rule's documentation on
	// purpose (review.DocsURL, a plain path): that line alone is taken out;
	// any other link, even to the same host, comes from user text.
	body = helpLine.ReplaceAllString(body, "\n")
	for _, p := range markdowntest.Problems(body, markdowntest.Options{Canary: canary, References: references, Mentions: mentions}) {
		if !seen[p] {
			seen[p] = true
			t.Errorf("%s: %s", where, p)
		}
	}
}

func checkTitle(t *testing.T, where, title string) {
	t.Helper()
	for _, p := range markdowntest.TitleProblems(title) {
		t.Errorf("%s %q: %s", where, title, p)
	}
}

// checkPlain fails when plain text (annotations, a status's description)
// passes an invisible character on unmarked.
func checkPlain(t *testing.T, where, s string) {
	t.Helper()
	for _, r := range s {
		if markdowntest.Invisible(r) {
			t.Errorf("%s %q carries U+%04X unmarked", where, s, r)
		}
	}
}

// TestHostileModelGitHub: a pull request that adds a hostile model gets a
// review comment, a check run (summary and annotations) that are inert;
// when the model lands, its tracking issues and the summary issue are
// inert too, and only the owner GitHub confirms (a collaborator who can be
// assigned) is mentioned.
func TestHostileModelGitHub(t *testing.T) {
	gh := githubtest.New(t, testAppID)
	gh.AddInstallation(testInst, "alpine")
	gh.AddRepo(testInst, testRepo, "main")
	gh.SetPermission(testRepo, "alice", "write")
	gh.PutFile(testRepo, sha("base"), "README.md", []byte("hostile\n"))
	gh.SetBranch(testRepo, "main", sha("base"))
	gh.PutFile(testRepo, sha("hostile-head"), hostilePath, hostileModel(t, "@alice"))
	gh.PutFile(testRepo, sha("hostile-head"), brokenPath, brokenModel())
	gh.AddPull(testRepo, githubtest.Pull{Number: 1, Title: hostileLine, BaseRef: "main", BaseSHA: sha("base"), HeadSHA: sha("hostile-head")})
	gh.SetPullFiles(testRepo, 1, []githubtest.PullFile{{Path: hostilePath}, {Path: brokenPath}})
	svc := startService(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "tmbot.db"))

	sendEvent(t, svc, "pull_request", pullRequestPayload("opened", 1, sha("hostile-head"), time.Now()))
	waitFor(t, "the review", func() bool {
		return len(gh.Comments(testRepo, 1)) == 1 && len(gh.CheckRuns(testRepo, sha("hostile-head"))) == 1
	})
	comment := gh.Comments(testRepo, 1)[0]
	if !strings.HasPrefix(comment.Body, review.Marker) || !strings.Contains(comment.Body, "open-threat") {
		t.Fatalf("not the review comment:\n%s", comment.Body)
	}
	checkInert(t, "review comment", comment.Body, false)
	run := gh.CheckRuns(testRepo, sha("hostile-head"))[0]
	checkInert(t, "check summary", run.Summary, false)
	checkPlain(t, "check title", run.Title)
	if len(run.Annotations) == 0 {
		t.Error("no annotations")
	}
	for _, a := range run.Annotations {
		checkPlain(t, "annotation title", a.Title)
		checkPlain(t, "annotation message", a.Message)
	}

	// The model lands on the default branch.
	gh.PutFile(testRepo, sha("hostile-main"), hostilePath, hostileModel(t, "@alice"))
	gh.SetBranch(testRepo, "main", sha("hostile-main"))
	sendEvent(t, svc, "push", pushPayload(sha("hostile-main")))
	waitFor(t, "the tracking issues", func() bool { return len(gh.Issues(testRepo)) == 3 })
	waitIdle(t, svc.url)
	var sawAlice bool
	for _, is := range gh.Issues(testRepo) {
		checkTitle(t, "issue title", is.Title)
		switch {
		case strings.Contains(is.Body, "tmbot:summary"):
			checkInert(t, "summary issue", is.Body, true)
		case strings.Contains(is.Body, "fix-two"):
			checkInert(t, "issue of fix-two", is.Body, false, "alice")
			sawAlice = strings.Contains(is.Body, "@alice") && !strings.Contains(is.Body, "`@alice`")
		default:
			checkInert(t, "issue of fix-it", is.Body, false)
		}
	}
	if !sawAlice {
		t.Error("the issue of fix-two does not mention its owner @alice, whom GitHub confirms")
	}
}

// TestHostileModelGitLab: the same on GitLab: the review note, the
// discussions on failing lines, the commit status, the tracking issues and
// the summary issue are inert; @all never notifies; only the owner GitLab
// confirms (a member who can be assigned) is mentioned.
func TestHostileModelGitLab(t *testing.T) {
	g := gitlabtest.New(t)
	g.AddUser(glBot, true)
	tok := g.AddToken(glBot)
	g.AddProject(glProject, "main")
	g.AddMember(glProject, glBot, gitlabtest.Developer)
	g.AddMember(glProject, "alice", gitlabtest.Developer)
	g.PutFile(glProject, sha("base"), "README.md", []byte("hostile\n"))
	g.SetBranch(glProject, "main", sha("base"))
	g.PutFile(glProject, sha("hostile-head"), hostilePath, hostileModel(t, "@alice"))
	g.PutFile(glProject, sha("hostile-head"), brokenPath, brokenModel())
	g.PutFile(glProject, sha("hostile-head"), "README.md", []byte("hostile\n"))
	g.AddMergeRequest(glProject, gitlabtest.MergeRequest{IID: 1, Title: hostileLine, Author: "alice",
		SourceBranch: "hostile", BaseSHA: sha("base"), HeadSHA: sha("hostile-head")})
	svc := startGitLabService(t, g, tok)

	sendGitLab(t, svc, gitlabtest.EventMergeRequest, g.MergeRequestHook(glProject, 1, "open", "", "alice"))
	waitFor(t, "the review", func() bool {
		return len(reviewNotes(g, 1)) == 1 && len(g.Statuses(glProject, sha("hostile-head"))) > 0 && len(g.Discussions(glProject, 1)) > 1
	})
	waitIdle(t, svc.url)
	withText := 0
	for _, n := range g.Notes(glProject, 1) {
		if n.Author != glBot {
			continue
		}
		if strings.Contains(n.Body, canary) {
			withText++
		}
		checkMarkdown(t, "note", n.Body, false)
	}
	if withText < 2 {
		t.Errorf("%d notes show the user text, want the review note and the invalid model's thread", withText)
	}
	for _, st := range g.Statuses(glProject, sha("hostile-head")) {
		checkPlain(t, "status description", st.Description)
	}

	g.PutFile(glProject, sha("hostile-main"), hostilePath, hostileModel(t, "@alice"))
	g.SetBranch(glProject, "main", sha("hostile-main"))
	sendGitLab(t, svc, gitlabtest.EventPush, g.PushHook(glProject, "main", sha("base"), sha("hostile-main"), "alice"))
	waitFor(t, "the tracking issues", func() bool { return len(g.Issues(glProject)) == 3 })
	waitIdle(t, svc.url)
	var sawAlice bool
	for _, is := range g.Issues(glProject) {
		checkTitle(t, "issue title", is.Title)
		switch {
		case strings.Contains(is.Description, "tmbot:summary"):
			checkInert(t, "summary issue", is.Description, true)
		case strings.Contains(is.Description, "fix-two"):
			checkInert(t, "issue of fix-two", is.Description, false, "alice")
			sawAlice = strings.Contains(is.Description, "@alice") && !strings.Contains(is.Description, "`@alice`")
		default:
			checkInert(t, "issue of fix-it", is.Description, false)
		}
	}
	if !sawAlice {
		t.Error("the issue of fix-two does not mention its owner @alice, whom GitLab confirms")
	}
}
