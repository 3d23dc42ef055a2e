// Package forgefake is an in-memory forge.Client for unit tests of the
// code written against the interface (bot/jobs): repositories, commits,
// requests, comments, checks and issues held in maps, with no HTTP.
//
// It is strict: a repository, commit, request or issue it was not given is
// an error (a test that forgot to seed something fails instead of passing
// by accident), and a comment id it does not know is forge.ErrNotFound, as
// the interface says. It records every call, and fails a chosen call
// either before it acts (the forge refused) or after (the write was made
// and the answer lost, as when the connection drops or the job crashes).
//
// The adapters are tested against fakes at the HTTP layer (githubtest,
// gitlabtest); this one stands for neither forge's quirks. It imports
// bot/forge and bot/review (for the file-change type) only.
package forgefake

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/review"
)

// Fake is the in-memory forge. Its methods are safe for concurrent use.
type Fake struct {
	mu     sync.Mutex
	bot    forge.Identity
	repos  map[string]*repoState // by full name
	calls  []string
	faults []*fault
	nextID int64
}

var _ forge.Client = (*Fake)(nil)

type repoState struct {
	repo     forge.Repo
	commits  map[string]map[string][]byte // sha → path → content
	branches map[string]string
	pulls    map[int]*pullState
	issues   []*issueState
	writers  map[string]bool
}

type pullState struct {
	pr       forge.PullRequest
	changes  []review.FileChange
	comments []forge.Comment
	// checks holds, per head, every check run made for it: a second one
	// for a head is a duplicate the test can see.
	checks map[string][]forge.Check
}

type issueState struct {
	issue    forge.Issue
	comments []string
}

type fault struct {
	method string
	nth    int
	err    error
	after  bool
}

// New makes an empty forge on which the bot writes as bot.
func New(bot forge.Identity) *Fake {
	return &Fake{bot: bot, repos: map[string]*repoState{}}
}

// AddRepo adds a repository with no commits.
func (f *Fake) AddRepo(repo forge.Repo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.repos[repo.FullName()] = &repoState{repo: repo, commits: map[string]map[string][]byte{},
		branches: map[string]string{}, pulls: map[int]*pullState{}, writers: map[string]bool{}}
}

// AddCommit adds a commit holding files (path → content).
func (f *Fake) AddCommit(repo forge.Repo, sha string, files map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tree := map[string][]byte{}
	for p, c := range files {
		tree[p] = []byte(c)
	}
	f.mustRepo(repo).commits[sha] = tree
}

// SetBranch points a branch at a commit.
func (f *Fake) SetBranch(repo forge.Repo, branch, sha string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mustRepo(repo).branches[branch] = sha
}

// AddPull opens a request that changes the files given.
func (f *Fake) AddPull(pr forge.PullRequest, changes []review.FileChange) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mustRepo(pr.Repo).pulls[pr.Number] = &pullState{pr: pr, changes: slices.Clone(changes), checks: map[string][]forge.Check{}}
}

// AddWriter lets a user push to the repository.
func (f *Fake) AddWriter(repo forge.Repo, user string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mustRepo(repo).writers[user] = true
}

// AddComment comments on a request as author and returns the comment's id.
func (f *Fake) AddComment(repo forge.Repo, number int, author, body string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.mustRepo(repo).pulls[number]
	if p == nil {
		panic(fmt.Sprintf("forgefake: no request %s#%d", repo.FullName(), number))
	}
	f.nextID++
	p.comments = append(p.comments, forge.Comment{ID: f.nextID, Body: body, Author: author})
	return f.nextID
}

// Comments are a request's comments, oldest first.
func (f *Fake) Comments(repo forge.Repo, number int) []forge.Comment {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.mustRepo(repo).pulls[number]; p != nil {
		return slices.Clone(p.comments)
	}
	return nil
}

// Checks are the check runs made for a request's head sha, in order of
// creation, each as last set.
func (f *Fake) Checks(repo forge.Repo, number int, sha string) []forge.Check {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.mustRepo(repo).pulls[number]; p != nil {
		return slices.Clone(p.checks[sha])
	}
	return nil
}

// Calls are the names of the methods called, in order (failed calls
// included).
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Count is how many times method was called.
func (f *Fake) Count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == method {
			n++
		}
	}
	return n
}

// Fail makes the nth call (from 1, counting every call since the start)
// of method return err without acting: the forge refused it.
func (f *Fake) Fail(method string, nth int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault{method: method, nth: nth, err: err})
}

// LoseAnswer makes the nth call of method act and then return err: the
// write was made, and the caller never learnt it (a dropped connection, a
// crash before the answer was kept).
func (f *Fake) LoseAnswer(method string, nth int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault{method: method, nth: nth, err: err, after: true})
}

// call records a call of method and returns the fault to inject in it,
// if any. f.mu is held.
func (f *Fake) call(method string) *fault {
	f.calls = append(f.calls, method)
	n := 0
	for _, c := range f.calls {
		if c == method {
			n++
		}
	}
	for _, ft := range f.faults {
		if ft.method == method && ft.nth == n {
			return ft
		}
	}
	return nil
}

// do runs the body of a call under the lock, with its fault injected.
// A cancelled context fails the call, as it fails a real client's.
func (f *Fake) do(ctx context.Context, method string, body func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.call(method)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("forgefake: %s: %w", method, err)
	}
	if ft != nil && !ft.after {
		return ft.err
	}
	if err := body(); err != nil {
		return err
	}
	if ft != nil {
		return ft.err
	}
	return nil
}

// mustRepo is for the seeding methods: a test that seeds an unknown
// repository is wrong, not the code under test.
func (f *Fake) mustRepo(repo forge.Repo) *repoState {
	r := f.repos[repo.FullName()]
	if r == nil {
		panic(fmt.Sprintf("forgefake: no repository %s (AddRepo first)", repo.FullName()))
	}
	return r
}

func (f *Fake) repo(repo forge.Repo) (*repoState, error) {
	r := f.repos[repo.FullName()]
	if r == nil {
		return nil, fmt.Errorf("forgefake: no repository %s", repo.FullName())
	}
	return r, nil
}

func (f *Fake) pull(repo forge.Repo, number int) (*pullState, error) {
	r, err := f.repo(repo)
	if err != nil {
		return nil, err
	}
	p := r.pulls[number]
	if p == nil {
		return nil, fmt.Errorf("forgefake: no request %s#%d", repo.FullName(), number)
	}
	return p, nil
}

func (f *Fake) commit(repo forge.Repo, sha string) (map[string][]byte, error) {
	r, err := f.repo(repo)
	if err != nil {
		return nil, err
	}
	tree, ok := r.commits[sha]
	if !ok {
		return nil, fmt.Errorf("forgefake: no commit %s in %s", sha, repo.FullName())
	}
	return tree, nil
}

func (f *Fake) issue(repo forge.Repo, number int) (*issueState, error) {
	r, err := f.repo(repo)
	if err != nil {
		return nil, err
	}
	if number < 1 || number > len(r.issues) {
		return nil, fmt.Errorf("forgefake: issue %s#%d: %w", repo.FullName(), number, forge.ErrNotFound)
	}
	return r.issues[number-1], nil
}
