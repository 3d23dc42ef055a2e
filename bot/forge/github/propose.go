package github

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
)

var _ forge.ChangeProposer = (*Client)(nil)

// Proposing a change on GitHub
//
// ProposeChange makes one call when the pull request is open already and
// five for a new one (four when the branch holds the content already; a
// race with another call for the branch adds up to three), each a plain
// REST call:
//
//  1. GET /repos/{o}/{r}/pulls?head={owner}:{branch}&state=open: an open
//     pull request from the branch is the answer (its html_url), and
//     nothing is written. This is what makes the call idempotent: a second
//     call for the same branch costs this one read.
//  2. POST /repos/{o}/{r}/git/refs with refs/heads/{branch} at BaseSHA; a
//     422 "Reference already exists" (a run that stopped half-way, or a
//     pull request from the branch that was closed) goes on with the
//     branch as it is. The branch is not moved to BaseSHA then: what it
//     holds besides the file is left as it is.
//  3. GET /repos/{o}/{r}/contents/{path}?ref={branch}: the blob sha of the
//     file on the branch (a 404 when it is not there: the file is created).
//  4. PUT /repos/{o}/{r}/contents/{path} with message, content, sha and
//     branch: one commit on the branch. Left out when the file's blob sha
//     on the branch is already the git blob sha of Content (a retry after
//     the commit was made). A 409 (the branch moved in between) goes back
//     to step 3, once.
//  5. POST /repos/{o}/{r}/pulls with head {branch} and base BaseBranch. A
//     422 "A pull request already exists" (another call got there first)
//     reads the open one again (step 1) and answers it.
//
// Failures are mapped as everywhere in the adapter: a 404 of a repository
// that is gone is forge.ErrGone, rate limits are *forge.RateLimitError,
// and a 422 carries GitHub's reasons in the message. When the file on
// BaseSHA already has Content, there is nothing to propose: GitHub refuses
// the pull request (422 "No commits between … and …") and the error says
// so; the branch made in step 2 stays. The App needs the contents: write
// and pull_requests: write permissions.

// ProposeChange implements forge.ChangeProposer.
func (c *Client) ProposeChange(ctx context.Context, repo forge.Repo, p forge.Proposal) (string, error) {
	path := strings.Trim(p.Path, "/")
	op := fmt.Sprintf("propose a change of %s on branch %s of %s", path, p.Branch, repo.FullName())
	switch {
	case p.Branch == "" || p.BaseBranch == "" || p.BaseSHA == "" || path == "":
		return "", &Error{Forge: "github", Op: op, Message: "a branch, a base branch, a base commit and a path are needed"}
	case p.Branch == p.BaseBranch:
		return "", &Error{Forge: "github", Op: op, Message: "the branch must not be the base branch"}
	case strings.TrimSpace(p.Title) == "":
		return "", &Error{Forge: "github", Op: op, Message: "a pull request needs a title"}
	}
	message := p.Message
	if strings.TrimSpace(message) == "" {
		message = p.Title
	}

	// 1. An open pull request from the branch already?
	if url, found, err := c.openPullFrom(ctx, repo, p.Branch, op); err != nil || found {
		return url, err
	}

	// 2. The branch, at the base commit unless it exists.
	_, _, err := c.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, github.CreateRef{Ref: "refs/heads/" + p.Branch, SHA: p.BaseSHA})
	if err != nil && !refExists(err) {
		return "", c.proposeError(ctx, repo, op+": create the branch at "+shortSHA(p.BaseSHA), err)
	}

	// 3. The file on the branch, and 4. the commit when it differs. A 409
	// (the branch moved between the two: another call for the same
	// branch) reads the file again, once.
	for attempt := 0; ; attempt++ {
		err := c.commitFile(ctx, repo, p, path, message, op)
		if err == nil {
			break
		}
		if attempt == 0 && isStatus(err, http.StatusConflict) {
			continue
		}
		return "", err
	}

	// 5. The pull request.
	pr, _, err := c.gh.PullRequests.Create(ctx, repo.Owner, repo.Name, github.CreatePullRequest{
		Title: github.Ptr(p.Title), Head: p.Branch, Base: p.BaseBranch, Body: github.Ptr(forge.Cut(p.Body, MaxIssueBody)),
	})
	if err != nil {
		if pullExists(err) {
			url, found, lerr := c.openPullFrom(ctx, repo, p.Branch, op)
			if lerr != nil || found {
				return url, lerr
			}
		}
		return "", c.proposeError(ctx, repo, op+": open the pull request into "+p.BaseBranch, err)
	}
	return pr.GetHTMLURL(), nil
}

// commitFile reads the file's blob sha on the branch and, when the file
// differs from p.Content, commits p.Content there (one or two calls).
func (c *Client) commitFile(ctx context.Context, repo forge.Repo, p forge.Proposal, path, message, op string) error {
	var blob *string
	fc, _, _, err := c.gh.Repositories.GetContents(ctx, repo.Owner, repo.Name, path,
		&github.RepositoryContentGetOptions{Ref: p.Branch})
	switch mapped := c.mapError(op+": read the file on the branch", err); {
	case err == nil && fc == nil:
		return &Error{Forge: "github", Op: op, Message: path + " is a directory on the branch"}
	case err == nil:
		blob = fc.SHA
	case errors.Is(mapped, forge.ErrNotFound) && !noCommit(mapped):
		// Not there yet: the commit creates it.
	default:
		return c.notFound(ctx, repo, mapped)
	}
	if blob != nil && *blob == gitBlobSHA(p.Content) {
		return nil
	}
	content := p.Content
	if content == nil {
		content = []byte{} // go-github would send "content": null for nil
	}
	_, _, err = c.gh.Repositories.UpdateFile(ctx, repo.Owner, repo.Name, escapePath(path), &github.RepositoryContentFileOptions{
		Message: github.Ptr(message), Content: content, SHA: blob, Branch: github.Ptr(p.Branch),
	})
	if err != nil {
		return c.proposeError(ctx, repo, op+": commit the file", err)
	}
	return nil
}

// openPullFrom finds the open pull request whose head is the branch of the
// repository itself (one call).
func (c *Client) openPullFrom(ctx context.Context, repo forge.Repo, branch, op string) (string, bool, error) {
	head := repo.Owner + ":" + branch
	prs, _, err := c.gh.PullRequests.List(ctx, repo.Owner, repo.Name, &github.PullRequestListOptions{
		State: "open", Head: head, ListOptions: github.ListOptions{PerPage: perPage}})
	if err != nil {
		return "", false, c.proposeError(ctx, repo, op+": look for an open pull request from "+head, err)
	}
	for _, pr := range prs {
		// GitHub filters by head; this guards against a filter it ignored.
		// A fork's head is never the repository's own branch.
		if pr.GetState() == "open" && pr.GetHead().GetRef() == branch &&
			pr.GetHead().GetRepo().GetID() == pr.GetBase().GetRepo().GetID() {
			return pr.GetHTMLURL(), true, nil
		}
	}
	return "", false, nil
}

// proposeError maps a failure of ProposeChange's calls: a 422 says
// GitHub's reasons, and a 404 of a repository that is gone is
// forge.ErrGone.
func (c *Client) proposeError(ctx context.Context, repo forge.Repo, op string, err error) error {
	mapped := c.mapError(op, err)
	var e *Error
	if errors.As(mapped, &e) && e.Status == http.StatusUnprocessableEntity {
		if d := validationDetails(err); d != "" {
			e.Message += ": " + d
		}
	}
	return c.notFound(ctx, repo, mapped)
}

// refExists: the answer to creating a ref that exists.
func refExists(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnprocessableEntity &&
		strings.Contains(strings.ToLower(er.Message), "reference already exists")
}

// pullExists: the answer to opening a second pull request from a head.
func pullExists(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	return strings.Contains(strings.ToLower(er.Message+" "+validationDetails(err)), "a pull request already exists")
}

// noCommit: a 404 that says the ref is unknown, not the file.
func noCommit(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.HasPrefix(e.Message, "No commit found")
}

// gitBlobSHA is git's object id of a file's content, which the contents
// API reports as its sha.
func gitBlobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}
