package gitlab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/review"
)

// The commit status and the findings' discussions
//
// A head gets one commit status named forge.StatusName ("threat-model"),
// success or failed, whose description is the check's title (cut to 255
// characters) and whose target_url is the check's DetailsURL. GitLab's
// statuses carry no annotations: each finding of severity error gets one
// resolvable discussion on the merge request instead, on the model's line,
// only when the diff shows that line (a position on the head's diff refs).
// A finding whose line the diff does not show gets no discussion: the
// merge request's one review note already lists it, and an unpositioned
// thread would only repeat it (and, being resolvable, could block the
// merge where "all threads must be resolved" is on). A discussion of the
// bot's without a position (written by earlier versions) is resolved. The
// first note of each starts with a hidden marker that names the finding (its file, title and
// message, not its line, so that an edit above it does not make a second
// one); nothing is stored: the discussions are found again by the marker,
// and only those the token's user started count (anyone can start a
// discussion with the marker: the bot neither resolves nor reuses it).
// A discussion whose finding is gone is resolved, and one whose finding
// comes back is unresolved.
//
// A status is written only when it differs from the one the head has (the
// client remembers what it wrote; after a restart, unless the check is
// Fresh, it reads the head's statuses first; a latest status someone else
// wrote does not count): GitLab keeps every status written, so rewriting
// an unchanged one would pile them up.

// findingPrefix starts the hidden marker of a finding's discussion.
const findingPrefix = `<!-- tmbot:finding key="`

func findingMarker(key string) string { return findingPrefix + key + `" -->` }

// findingKey reads the marker at the start of a note.
func findingKey(body string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(body), findingPrefix)
	if !ok {
		return "", false
	}
	k, _, ok := strings.Cut(rest, `"`)
	return k, ok && k != ""
}

// finding is an error of the check that gets a discussion.
type finding struct {
	key, path string
	line      int
	// threat is the id of the new open threat the finding stands for
	// (review.RuleNewUnmitigated), "" for any other finding.
	threat         string
	title, message string
	// help is where the rule is explained (review.CheckFinding.HelpURL).
	help string
}

// failures are the check's findings that get discussions: the errors on a
// file.
func failures(fs []review.CheckFinding) []finding {
	var out []finding
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Severity != policy.Error || f.Path == "" {
			continue
		}
		var threat string
		if f.Rule == review.RuleNewUnmitigated {
			threat = f.Element
		}
		k := findingKeyOf(f.Path, keyTitle(f.Title, threat), f.Message)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, finding{key: k, path: f.Path, line: max(f.StartLine, 1), threat: threat, title: f.Title, message: f.Message,
			help: f.HelpURL})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// findingKeyOf names a finding in its discussion's marker: its file,
// title and message, not its line. The title and the message are taken as
// earlier versions of the bot received them (the title cut to 255
// characters, the message to 64 KB), so that the discussions they opened
// are found again.
func findingKeyOf(path, title, message string) string {
	title, message = markdown.Cut(title, maxFindingTitle), markdown.CutBytes(message, maxFindingMessage)
	h := sha256.Sum256([]byte(path + "\x00" + title + "\x00" + message))
	return hex.EncodeToString(h[:8])
}

// keyTitle is the title a finding's key is made with: a new threat's
// title followed by ": " and its id, as earlier versions received it.
func keyTitle(title, threat string) string {
	if threat == "" {
		return title
	}
	return title + ": " + threat
}

// The bot's own caps on a finding's text in its note (GitLab's one limit
// is MaxNoteBody, which the whole note is cut to); the key of a finding
// (findingKeyOf) is made of its text cut to them too, as earlier versions
// received it.
const (
	maxFindingTitle   = 255
	maxFindingMessage = 64 * 1024
)

// helpLink: u may be written as a link's target as it is. The engine makes
// it from the project's documentation address and a rule's name; a name
// that is not a plain anchor, or any other address, gets no link.
func helpLink(u string) bool {
	rest, ok := strings.CutPrefix(u, review.DocsURL)
	return ok && !strings.ContainsFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.#/", r))
	})
}

// findingBody is the first note of a finding's discussion. A new open
// threat is told without its id and without its long message: the thread
// sits on the threat's line, and the review note, which names every new
// threat by its id, explains it; so the id is named in one note only.
// Other findings (an invalid model, a configuration error, a policy's
// error) carry their message.
//
// The title, path and message are a model's or a policy's text: written
// with bot/markdown, so none of it is markup, a mention or a quick action.
func findingBody(f finding) string {
	var b strings.Builder
	b.WriteString(findingMarker(f.key) + "\n")
	title, msg := strings.TrimSpace(f.title), strings.TrimSpace(f.message)
	if f.threat != "" {
		msg = "The threat on this line blocks the merge request. The tmbot review note explains it and says how to settle it."
	}
	if title == "" {
		title = "Threat model finding"
	}
	fmt.Fprintf(&b, "**%s** (%s)\n", markdown.Text(title, maxFindingTitle), markdown.Code(fmt.Sprintf("%s:%d", f.path, f.line), 0))
	if msg != "" {
		b.WriteString("\n" + markdown.Paragraph(msg, maxFindingMessage) + "\n")
	}
	if helpLink(f.help) {
		b.WriteString("\n[What this check looks for](" + f.help + ")\n")
	}
	b.WriteString("\n_tmbot resolves this thread when the finding is gone._\n")
	return forge.Cut(b.String(), MaxNoteBody)
}

func fingerprint(parts ...any) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(parts)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// statusDescription is the status's one line.
func statusDescription(chk forge.Check) string {
	d := markdown.PlainLine(chk.Title, 0)
	if d == "" {
		d = "Threat model review"
		if chk.Conclusion == forge.ConclusionBlock {
			d = "Threat model review: changes needed"
		}
	}
	return forge.Cut(d, MaxStatusDescription)
}

// SetCheck implements forge.Client: the head's commit status, then the
// findings' discussions (see above).
func (c *Client) SetCheck(ctx context.Context, pr *forge.PullRequest, chk forge.Check) error {
	if pr.HeadSHA == "" {
		return &Error{Forge: "gitlab", Op: "set the status of " + pr.Repo.FullName(), Message: "no head commit"}
	}
	key := pr.Repo.Key() + "@" + pr.HeadSHA
	unlock := c.locks.Lock(key)
	defer unlock()
	if err := c.setStatus(ctx, pr, chk, key); err != nil {
		return err
	}
	return c.syncFindings(ctx, pr, failures(chk.Findings))
}

func (c *Client) setStatus(ctx context.Context, pr *forge.PullRequest, chk forge.Check, key string) error {
	op := fmt.Sprintf("set the status of %s at %s", pr.Repo.FullName(), shortSHA(pr.HeadSHA))
	state := gl.Success
	if chk.Conclusion == forge.ConclusionBlock {
		state = gl.Failed
	}
	desc := statusDescription(chk)
	fp := fingerprint(string(state), desc, chk.DetailsURL)
	old, cached := c.statuses.Get(key)
	if cached && old == fp {
		return nil
	}
	if !cached && !chk.Fresh {
		cur, resp, err := c.gl.Commits.GetCommitStatuses(pid(pr.Repo), pr.HeadSHA, &gl.GetCommitStatusesOptions{
			Name: gl.Ptr(forge.StatusName), ListOptions: gl.ListOptions{PerPage: perPage}}, gl.WithContext(ctx))
		if err != nil {
			mapped := c.fail(ctx, pr.Repo, op+": read the statuses", resp, err)
			if !errors.Is(mapped, forge.ErrNotFound) || isGone(mapped) {
				return mapped
			}
			cur = nil // no statuses to read: write one
		}
		var latest *gl.CommitStatus
		for _, s := range cur {
			if s.Name == forge.StatusName && (latest == nil || s.ID > latest.ID) {
				latest = s
			}
		}
		if latest != nil && latest.Status == string(state) && latest.Description == desc && latest.TargetURL == chk.DetailsURL {
			// Only the bot's own status stands for it: any developer can
			// write a status with its name.
			bot, err := c.Bot(ctx)
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			if bot.Wrote(latest.Author.Username, latest.Author.ID) {
				c.statuses.Put(key, fp)
				return nil
			}
		}
	}
	opts := &gl.SetCommitStatusOptions{State: state, Name: gl.Ptr(forge.StatusName), Description: gl.Ptr(desc),
		Ref: c.statusRef(pr)}
	if chk.DetailsURL != "" {
		opts.TargetURL = gl.Ptr(chk.DetailsURL)
	}
	if _, resp, err := c.gl.Commits.SetCommitStatus(pid(pr.Repo), pr.HeadSHA, opts, gl.WithContext(ctx)); err != nil {
		return c.fail(ctx, pr.Repo, op, resp, err)
	}
	c.statuses.Put(key, fp)
	return nil
}

// statusRef is the ref the status is for: the source branch of a request
// within the project (so that it joins the branch's pipeline, which the
// merge request shows), refs/merge-requests/<iid>/head for one from a
// fork (the target project has no branch with its commits), and none —
// GitLab then picks the branch that holds the commit — when the client has
// not read the request.
func (c *Client) statusRef(pr *forge.PullRequest) *string {
	if info, ok := c.mrs.Get(mrKey(pr.Repo, pr.Number)); ok && info.sourceProject != 0 {
		if info.sourceProject == info.targetProject && info.sourceBranch != "" {
			return gl.Ptr(info.sourceBranch)
		}
		if info.sourceProject != info.targetProject {
			return gl.Ptr(fmt.Sprintf("refs/merge-requests/%d/head", pr.Number))
		}
	}
	if pr.HeadRepo != "" && !strings.EqualFold(pr.HeadRepo, pr.Repo.FullName()) {
		return gl.Ptr(fmt.Sprintf("refs/merge-requests/%d/head", pr.Number))
	}
	return nil
}

// syncFindings keeps one discussion per finding (see above).
func (c *Client) syncFindings(ctx context.Context, pr *forge.PullRequest, fs []finding) error {
	mk := mrKey(pr.Repo, pr.Number)
	fkey := mk // the discussions belong to the request, whatever its head
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	fp := fingerprint(keys)
	if old, ok := c.findings.Get(fkey); ok && old == fp {
		return nil
	}
	if none, ok := c.noDisc.Get(mk); ok && none && len(fs) == 0 {
		c.findings.Put(fkey, fp)
		return nil
	}
	op := fmt.Sprintf("keep the findings' discussions of %s!%d", pr.Repo.FullName(), pr.Number)
	bot, err := c.Bot(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	ours := map[string]*gl.Discussion{}
	opts := &gl.ListMergeRequestDiscussionsOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	for {
		page, resp, err := c.gl.Discussions.ListMergeRequestDiscussions(pid(pr.Repo), int64(pr.Number), opts, gl.WithContext(ctx))
		if err != nil {
			mapped := c.fail(ctx, pr.Repo, op, resp, err)
			if errors.Is(mapped, forge.ErrNotFound) && !isGone(mapped) {
				// The request is gone meanwhile (or the instance has no
				// discussions API): the status says it all.
				c.findings.Put(fkey, fp)
				return nil
			}
			return mapped
		}
		for _, d := range page {
			if len(d.Notes) == 0 || d.Notes[0] == nil || !bot.Wrote(d.Notes[0].Author.Username, d.Notes[0].Author.ID) {
				continue
			}
			if k, ok := findingKey(d.Notes[0].Body); ok {
				if _, dup := ours[k]; !dup {
					ours[k] = d
				}
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	wanted := map[string]bool{}
	for _, f := range fs {
		wanted[f.key] = true
		if d, ok := ours[f.key]; ok {
			if d.Notes[0].Position == nil {
				continue // an earlier version's unpositioned thread: resolved below
			}
			if resolved(d) {
				if err := c.resolve(ctx, pr, d.ID, false); err != nil {
					return err
				}
			}
			continue
		}
		if err := c.createFinding(ctx, pr, f); err != nil {
			return err
		}
	}
	for k, d := range ours {
		if (wanted[k] && d.Notes[0].Position != nil) || resolved(d) || !d.Notes[0].Resolvable {
			continue
		}
		if err := c.resolve(ctx, pr, d.ID, true); err != nil {
			return err
		}
	}
	c.noDisc.Put(mk, len(fs) == 0)
	c.findings.Put(fkey, fp)
	return nil
}

func resolved(d *gl.Discussion) bool { return len(d.Notes) > 0 && d.Notes[0].Resolved }

func (c *Client) resolve(ctx context.Context, pr *forge.PullRequest, id string, done bool) error {
	verb := "resolve"
	if !done {
		verb = "unresolve"
	}
	_, resp, err := c.gl.Discussions.ResolveMergeRequestDiscussion(pid(pr.Repo), int64(pr.Number), id,
		&gl.ResolveMergeRequestDiscussionOptions{Resolved: gl.Ptr(done)}, gl.WithContext(ctx))
	if err != nil {
		mapped := c.fail(ctx, pr.Repo, fmt.Sprintf("%s discussion %s on %s!%d", verb, id, pr.Repo.FullName(), pr.Number), resp, err)
		if isStatus(mapped, http.StatusNotFound) && !isGone(mapped) {
			return nil // deleted meanwhile
		}
		return mapped
	}
	return nil
}

// createFinding opens a finding's discussion on its line, when the diff
// shows it. A finding the diff does not show, or whose position GitLab
// refuses, gets none: the review note lists it.
func (c *Client) createFinding(ctx context.Context, pr *forge.PullRequest, f finding) error {
	op := fmt.Sprintf("open a discussion on %s!%d", pr.Repo.FullName(), pr.Number)
	pos, err := c.findingPosition(ctx, pr, f)
	if err != nil || pos == nil {
		return err
	}
	_, resp, err := c.gl.Discussions.CreateMergeRequestDiscussion(pid(pr.Repo), int64(pr.Number),
		&gl.CreateMergeRequestDiscussionOptions{Body: gl.Ptr(findingBody(f)), Position: pos}, gl.WithContext(ctx))
	if err == nil {
		return nil
	}
	mapped := c.fail(ctx, pr.Repo, op, resp, err)
	switch {
	case errors.Is(mapped, forge.ErrNotFound) && !isGone(mapped):
		return nil // the request is gone meanwhile
	case isStatus(mapped, http.StatusBadRequest):
		// GitLab could not place it on the line (the diff moved on):
		// the review note has it.
		return nil
	}
	return mapped
}

// findingPosition places a finding on the head's diff, or gives nil when
// the diff does not show its line (or the request moved on to another
// head). It may read the request once, for its diff refs.
func (c *Client) findingPosition(ctx context.Context, pr *forge.PullRequest, f finding) (*gl.PositionOptions, error) {
	mk := mrKey(pr.Repo, pr.Number)
	diffs, ok := c.diffs.Get(mk + "@" + pr.HeadSHA)
	if !ok {
		return nil, nil
	}
	var fd *fileDiff
	for i := range diffs {
		if diffs[i].newPath == f.path {
			fd = &diffs[i]
			break
		}
	}
	if fd == nil {
		return nil, nil
	}
	newLine, oldLine, shown := fd.position(f.line)
	if !shown {
		return nil, nil
	}
	info, ok := c.mrs.Get(mk)
	if !ok || info.head != pr.HeadSHA || info.base == "" {
		if _, err := c.PullRequest(ctx, pr.Repo, pr.Number); err != nil {
			return nil, err
		}
		if info, ok = c.mrs.Get(mk); !ok || info.head != pr.HeadSHA || info.base == "" {
			return nil, nil
		}
	}
	oldPath := fd.oldPath
	if oldPath == "" {
		oldPath = fd.newPath
	}
	pos := &gl.PositionOptions{BaseSHA: gl.Ptr(info.base), StartSHA: gl.Ptr(info.start), HeadSHA: gl.Ptr(info.head),
		PositionType: gl.Ptr("text"), NewPath: gl.Ptr(fd.newPath), OldPath: gl.Ptr(oldPath), NewLine: gl.Ptr(int64(newLine))}
	if info.start == "" {
		pos.StartSHA = gl.Ptr(info.base)
	}
	if oldLine != 0 {
		pos.OldLine = gl.Ptr(int64(oldLine))
	}
	return pos, nil
}

func isGone(err error) bool { return errors.Is(err, forge.ErrGone) }
