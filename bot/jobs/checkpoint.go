package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/store"
)

// CheckpointMaxAge is how long a reconcile's checkpoint is trusted: an
// older one is read and listed afresh.
const CheckpointMaxAge = time.Hour

// checkpointFileBytes bounds the file contents a checkpoint keeps; past
// it, files are read again on a retry (the tree and the issues are kept).
const checkpointFileBytes = 8 << 20

// trackState is what a reconcile keeps across the attempts of one job
// (store.Checkpoint.State, JSON): what it read of the default branch at
// one commit, the issues as its own writes left them, and the comments it
// already wrote, so that a retry neither reads, lists nor comments again.
type trackState struct {
	Files      map[string]cpFile `json:"files,omitempty"`
	Tree       []string          `json:"tree,omitempty"`
	HaveTree   bool              `json:"have_tree,omitempty"`
	Issues     []forge.Issue     `json:"issues,omitempty"`
	HaveIssues bool              `json:"have_issues,omitempty"`
	Commented  map[string]bool   `json:"commented,omitempty"`
	// Pending are the creates (mitigation keys, "summary") sent without a
	// known outcome: the next attempt lists the issues again.
	Pending map[string]bool `json:"pending,omitempty"`
}

type cpFile struct {
	Data  []byte `json:"data,omitempty"`
	Found bool   `json:"found"`
}

// checkpoint is one reconcile's progress.
type checkpoint struct {
	d       *Runner
	repoKey string
	jobID   int64
	sha     string
	st      trackState
	bytes   int
}

// resumeCheckpoint reads the checkpoint of the repository; it is resumed
// (resumed true, its commit in sha) when it belongs to this queue job and
// is recent: no new work for the repository was queued since it was
// saved (queue.InsertTrackTx deletes it then), so its commit is still the
// branch's head as far as the bot knows. Outside a queue job (jobID 0)
// only its reads are reused, and only once the head is read again and
// found the same (see useFor).
func (d *Runner) resumeCheckpoint(ctx context.Context, repoKey string, jobID int64) (cp *checkpoint, resumed bool) {
	cp = &checkpoint{d: d, repoKey: repoKey, jobID: jobID}
	c, err := d.Store.GetCheckpoint(ctx, repoKey)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			d.Log.Warn("could not read the reconcile's checkpoint; starting afresh", "repo", repoKey, "err", err)
		}
		return cp, false
	}
	if c.JobID != jobID || time.Since(c.UpdatedAt) > CheckpointMaxAge {
		return cp, false
	}
	var st trackState
	if err := json.Unmarshal(c.State, &st); err != nil {
		return cp, false
	}
	cp.sha, cp.st = c.SHA, st
	for _, f := range st.Files {
		cp.bytes += len(f.Data)
	}
	return cp, jobID != 0
}

// useFor makes the checkpoint about commit sha: one about another commit
// is emptied.
func (cp *checkpoint) useFor(sha string) {
	if cp.sha != sha {
		cp.sha, cp.st, cp.bytes = sha, trackState{}, 0
	}
}

func (cp *checkpoint) save(ctx context.Context) error {
	data, err := json.Marshal(cp.st)
	if err != nil {
		return fmt.Errorf("encode the reconcile's checkpoint: %w", err)
	}
	return cp.d.Store.SaveCheckpoint(ctx, store.Checkpoint{RepoKey: cp.repoKey, JobID: cp.jobID, SHA: cp.sha, State: data})
}

func (cp *checkpoint) done(ctx context.Context) error {
	return cp.d.Store.DeleteCheckpoint(ctx, nil, cp.repoKey)
}

// readFile reads a file at the checkpoint's commit, once per job.
func (cp *checkpoint) readFile(ctx context.Context, client forge.Client, repo forge.Repo, path string) ([]byte, bool, error) {
	if f, ok := cp.st.Files[path]; ok {
		return bytes.Clone(f.Data), f.Found, nil
	}
	data, found, err := client.ReadFile(ctx, repo, cp.sha, path)
	if err != nil {
		return nil, false, err
	}
	if cp.bytes+len(data) <= checkpointFileBytes {
		if cp.st.Files == nil {
			cp.st.Files = map[string]cpFile{}
		}
		cp.st.Files[path] = cpFile{Data: bytes.Clone(data), Found: found}
		cp.bytes += len(data)
	}
	return data, found, nil
}

// tree lists the files at the checkpoint's commit, once per job.
func (cp *checkpoint) tree(ctx context.Context, client forge.Client, repo forge.Repo) ([]string, error) {
	if cp.st.HaveTree {
		return cp.st.Tree, nil
	}
	paths, err := client.ListTree(ctx, repo, cp.sha)
	if err != nil {
		return nil, err
	}
	cp.st.Tree, cp.st.HaveTree = paths, true
	return paths, nil
}

// issues lists the labelled issues, once per job; the job's own writes
// keep the list current (noteIssue).
func (cp *checkpoint) issues(ctx context.Context, client forge.Client, repo forge.Repo, label string, bot forge.Identity) ([]forge.Issue, error) {
	if cp.st.HaveIssues {
		return cp.st.Issues, nil
	}
	is, err := client.ListIssues(ctx, repo, label)
	if err != nil {
		return nil, err
	}
	// Only the issues the bot opened: a stranger's issue carrying a marker
	// must not stand in for the bot's (see ownIssues).
	is = ownIssues(is, bot)
	cp.st.Issues, cp.st.HaveIssues = is, true
	return is, nil
}

// noteIssue records what a write did to an issue: change is applied to the
// listed issue of that number (added when new).
func (cp *checkpoint) noteIssue(ctx context.Context, number int, change func(*forge.Issue)) error {
	for i := range cp.st.Issues {
		if cp.st.Issues[i].Number == number {
			change(&cp.st.Issues[i])
			return cp.save(ctx)
		}
	}
	is := forge.Issue{Number: number}
	change(&is)
	cp.st.Issues = append(cp.st.Issues, is)
	return cp.save(ctx)
}

// commented reports whether this job already wrote the comment key.
func (cp *checkpoint) commented(key string) bool { return cp.st.Commented[key] }

// noteComment records a comment written, before anything else is done.
func (cp *checkpoint) noteComment(ctx context.Context, key string) error {
	if cp.st.Commented == nil {
		cp.st.Commented = map[string]bool{}
	}
	cp.st.Commented[key] = true
	return cp.save(ctx)
}

// notePending records a create whose outcome is not known yet.
func (cp *checkpoint) notePending(ctx context.Context, key string) error {
	if cp.st.Pending == nil {
		cp.st.Pending = map[string]bool{}
	}
	cp.st.Pending[key] = true
	return cp.save(ctx)
}

// clearPending records that a create's outcome is known.
func (cp *checkpoint) clearPending(ctx context.Context, key string) error {
	if !cp.st.Pending[key] {
		return nil
	}
	delete(cp.st.Pending, key)
	return cp.save(ctx)
}
