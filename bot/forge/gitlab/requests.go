package gitlab

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/review"
)

// PullRequest implements forge.Client: the merge request with its diff
// refs (one call; a second, for the target branch's head, only while
// GitLab has not computed the diff yet). BaseSHA is the merge base
// (diff_refs.base_sha): the review compares what the request changes.
func (c *Client) PullRequest(ctx context.Context, repo forge.Repo, number int) (*forge.PullRequest, error) {
	op := fmt.Sprintf("read merge request %s!%d", repo.FullName(), number)
	mr, resp, err := c.gl.MergeRequests.GetMergeRequest(pid(repo), int64(number), nil, gl.WithContext(ctx))
	if err != nil {
		return nil, c.fail(ctx, repo, op, resp, err)
	}
	p, err := c.toPull(ctx, repo, &mr.BasicMergeRequest, &mr.DiffRefs)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (c *Client) toPull(ctx context.Context, repo forge.Repo, mr *gl.BasicMergeRequest, refs *gl.MergeRequestDiffRefs) (forge.PullRequest, error) {
	if repo.Forge == "" {
		repo.Forge = "gitlab"
	}
	if repo.ID == 0 {
		repo.ID = mr.ProjectID
	}
	head := mr.SHA
	if head == "" && refs != nil {
		head = refs.HeadSha
	}
	info := mrInfo{head: head, sourceBranch: mr.SourceBranch, sourceProject: mr.SourceProjectID, targetProject: mr.TargetProjectID}
	if refs != nil && (refs.HeadSha == "" || refs.HeadSha == head) {
		info.base, info.start = refs.BaseSha, refs.StartSha
	}
	base := info.base
	if base == "" {
		base = info.start
	}
	if base == "" {
		// GitLab computes the diff after the request opens: until then
		// the target branch's head stands for the base.
		sha, err := c.BranchHead(ctx, repo, mr.TargetBranch)
		if err != nil {
			return forge.PullRequest{}, err
		}
		base = sha
	} else {
		c.mrs.Put(mrKey(repo, int(mr.IID)), info)
	}
	state := mr.State
	switch state {
	case "opened", "locked":
		state = "open"
	case "merged", "closed":
	default:
		if mr.MergedAt != nil {
			state = "merged"
		}
	}
	headRepo := repo.FullName()
	if mr.SourceProjectID != 0 && mr.TargetProjectID != 0 && mr.SourceProjectID != mr.TargetProjectID {
		headRepo = "project:" + strconv.FormatInt(mr.SourceProjectID, 10)
	}
	author := ""
	if mr.Author != nil {
		author = mr.Author.Username
	}
	return forge.PullRequest{Repo: repo, Number: int(mr.IID), Title: mr.Title, BaseRef: mr.TargetBranch,
		BaseSHA: base, HeadSHA: head, HeadRepo: headRepo, Draft: mr.Draft, State: state,
		Author: author}, nil
}

// ListOpenPullRequests implements forge.Client: the open merge requests,
// all pages, each with its base. GitLab's list has no diff refs, so each
// request whose head the client has not seen costs one more call.
func (c *Client) ListOpenPullRequests(ctx context.Context, repo forge.Repo) ([]forge.PullRequest, error) {
	op := "list the open merge requests of " + repo.FullName()
	opts := &gl.ListProjectMergeRequestsOptions{State: gl.Ptr("opened"), OrderBy: gl.Ptr("created_at"), Sort: gl.Ptr("asc"),
		ListOptions: gl.ListOptions{PerPage: perPage}}
	var out []forge.PullRequest
	for {
		page, resp, err := c.gl.MergeRequests.ListProjectMergeRequests(pid(repo), opts, gl.WithContext(ctx))
		if err != nil {
			return nil, c.fail(ctx, repo, op, resp, err)
		}
		for _, mr := range page {
			info, ok := c.mrs.Get(mrKey(repo, int(mr.IID)))
			if ok && info.head == mr.SHA && info.base != "" {
				p, err := c.toPull(ctx, repo, mr, &gl.MergeRequestDiffRefs{BaseSha: info.base, StartSha: info.start, HeadSha: info.head})
				if err != nil {
					return nil, err
				}
				out = append(out, p)
				continue
			}
			p, err := c.PullRequest(ctx, repo, int(mr.IID))
			if err != nil {
				if errors.Is(err, forge.ErrNotFound) {
					continue // gone meanwhile
				}
				return nil, err
			}
			if p.State == "open" {
				out = append(out, *p)
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// ChangedFiles implements forge.Client: the merge request's diffs, all
// pages. A request from a fork is listed through the target project. The
// diffs are kept for the positions of the findings' discussions.
func (c *Client) ChangedFiles(ctx context.Context, pr *forge.PullRequest) ([]review.FileChange, error) {
	op := fmt.Sprintf("list the changes of merge request %s!%d", pr.Repo.FullName(), pr.Number)
	opts := &gl.ListMergeRequestDiffsOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	var out []review.FileChange
	var diffs []fileDiff
	for {
		page, resp, err := c.gl.MergeRequests.ListMergeRequestDiffs(pid(pr.Repo), int64(pr.Number), opts, gl.WithContext(ctx))
		if err != nil {
			return nil, c.fail(ctx, pr.Repo, op, resp, err)
		}
		for _, d := range page {
			fc := review.FileChange{Path: d.NewPath}
			if d.DeletedFile && d.OldPath != "" {
				fc.Path = d.OldPath
			}
			switch {
			case d.NewFile:
				fc.Status = review.FileAdded
			case d.DeletedFile:
				fc.Status = review.FileRemoved
			case d.RenamedFile && d.OldPath != d.NewPath:
				fc.Status = review.FileRenamed
			default:
				fc.Status = review.FileModified
			}
			if d.RenamedFile && d.OldPath != d.NewPath {
				fc.OldPath = d.OldPath
			}
			out = append(out, fc)
			if !d.DeletedFile {
				diffs = append(diffs, parseDiff(d.OldPath, d.NewPath, d.NewFile, d.Diff))
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if pr.HeadSHA != "" {
		c.diffs.Put(fmt.Sprintf("%s@%s", mrKey(pr.Repo, pr.Number), pr.HeadSHA), diffs)
	}
	return out, nil
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
