package githubtest

import (
	"crypto/sha1"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Server) labelJSON(rr *repo, name string) map[string]any {
	sum := sha1.Sum([]byte(strings.ToLower(name)))
	id := int64(sum[0])<<24 | int64(sum[1])<<16 | int64(sum[2])<<8 | int64(sum[3])
	return map[string]any{"id": id, "node_id": fmt.Sprintf("LA_%d", id), "name": name, "color": "ededed",
		"default": false, "description": nil,
		"url": fmt.Sprintf("%s%s/repos/%s/labels/%s", s.srv.URL, s.prefix, rr.fullName(), name)}
}

func (s *Server) issueURLs(rr *repo, number int, out map[string]any) {
	api := fmt.Sprintf("%s%s/repos/%s", s.srv.URL, s.prefix, rr.fullName())
	out["url"] = fmt.Sprintf("%s/issues/%d", api, number)
	out["repository_url"] = api
	out["comments_url"] = fmt.Sprintf("%s/issues/%d/comments", api, number)
	out["labels_url"] = fmt.Sprintf("%s/issues/%d/labels{/name}", api, number)
	out["events_url"] = fmt.Sprintf("%s/issues/%d/events", api, number)
}

// issueJSON is an issue as GitHub shows it; single adds closed_by, which
// only the answer about one issue has.
func (s *Server) issueJSON(rr *repo, is *issue, single bool) map[string]any {
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Format(time.RFC3339)
	}
	labels := []any{}
	for _, l := range is.Labels {
		labels = append(labels, s.labelJSON(rr, l))
	}
	assignees := []any{}
	for _, a := range is.Assignees {
		assignees = append(assignees, s.userJSON(a))
	}
	var assignee, body, reason any
	if len(assignees) > 0 {
		assignee = assignees[0]
	}
	if is.Body != "" {
		body = is.Body
	}
	if is.StateReason != "" {
		reason = is.StateReason
	}
	out := map[string]any{
		"id": is.id, "node_id": fmt.Sprintf("I_%d", is.id), "number": is.Number, "title": is.Title, "body": body,
		"state": is.State, "state_reason": reason, "locked": false, "user": s.userJSON(is.User),
		"labels": labels, "assignee": assignee, "assignees": assignees, "milestone": nil,
		"comments":   s.commentCount(rr, is.Number),
		"created_at": ts(is.CreatedAt), "updated_at": ts(is.UpdatedAt), "closed_at": ts(is.ClosedAt),
		"author_association": "NONE",
		"html_url":           fmt.Sprintf("https://github.com/%s/issues/%d", rr.fullName(), is.Number),
	}
	s.issueURLs(rr, is.Number, out)
	if single {
		out["closed_by"] = nil
		if is.State == "closed" && is.ClosedBy != "" {
			out["closed_by"] = s.userJSON(is.ClosedBy)
		}
	}
	return out
}

// pullIssueJSON is a pull request as the issues API shows it.
func (s *Server) pullIssueJSON(rr *repo, p *pull, single bool) map[string]any {
	is := &issue{id: p.id, Issue: Issue{Number: p.Number, Title: p.Title, User: p.Author, State: "open",
		Labels: s.issuesOf(rr).pullLabels[p.Number], CreatedAt: p.createdAt, UpdatedAt: p.createdAt}}
	if p.State != "open" {
		is.State, is.ClosedAt = "closed", p.createdAt
	}
	out := s.issueJSON(rr, is, single)
	var merged any
	if p.State == "merged" {
		merged = p.createdAt.Format(time.RFC3339)
	}
	out["html_url"] = fmt.Sprintf("https://github.com/%s/pull/%d", rr.fullName(), p.Number)
	out["draft"] = p.Draft
	out["pull_request"] = map[string]any{
		"url":       fmt.Sprintf("%s%s/repos/%s/pulls/%d", s.srv.URL, s.prefix, rr.fullName(), p.Number),
		"html_url":  fmt.Sprintf("https://github.com/%s/pull/%d", rr.fullName(), p.Number),
		"diff_url":  fmt.Sprintf("https://github.com/%s/pull/%d.diff", rr.fullName(), p.Number),
		"patch_url": fmt.Sprintf("https://github.com/%s/pull/%d.patch", rr.fullName(), p.Number),
		"merged_at": merged,
	}
	return out
}

func (s *Server) listIssues(rp *reply, rr *repo) {
	ri := s.issuesOf(rr)
	if ri.disabled {
		s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
		return
	}
	q := rp.r.URL.Query()
	state, sortBy, dir := q.Get("state"), q.Get("sort"), q.Get("direction")
	if state == "" {
		state = "open"
	}
	if sortBy == "" {
		sortBy = "created"
	}
	if dir == "" {
		dir = "desc"
	}
	if (state != "open" && state != "closed" && state != "all") ||
		(sortBy != "created" && sortBy != "updated" && sortBy != "comments") || (dir != "asc" && dir != "desc") {
		s.validationFailed(rp, docsIssues)
		return
	}
	var want []string
	for _, l := range strings.Split(q.Get("labels"), ",") {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			want = append(want, l)
		}
	}
	type entry struct {
		number   int
		created  time.Time
		updated  time.Time
		comments int
		json     func() map[string]any
	}
	hasAll := func(labels []string) bool {
		have := map[string]bool{}
		for _, l := range labels {
			have[strings.ToLower(l)] = true
		}
		for _, w := range want {
			if !have[w] {
				return false
			}
		}
		return true
	}
	match := func(st string, labels []string) bool {
		return (state == "all" || state == st) && hasAll(labels)
	}
	var es []entry
	for _, is := range ri.issues {
		if is.deleted || !match(is.State, is.Labels) {
			continue
		}
		es = append(es, entry{is.Number, is.CreatedAt, is.UpdatedAt, s.commentCount(rr, is.Number),
			func() map[string]any { return s.issueJSON(rr, is, false) }})
	}
	for _, p := range rr.pulls {
		st := "open"
		if p.State != "open" {
			st = "closed"
		}
		if !match(st, ri.pullLabels[p.Number]) {
			continue
		}
		es = append(es, entry{p.Number, p.createdAt, p.createdAt, s.commentCount(rr, p.Number),
			func() map[string]any { return s.pullIssueJSON(rr, p, false) }})
	}
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		less := a.number < b.number
		switch {
		case sortBy == "created" && !a.created.Equal(b.created):
			less = a.created.Before(b.created)
		case sortBy == "updated" && !a.updated.Equal(b.updated):
			less = a.updated.Before(b.updated)
		case sortBy == "comments" && a.comments != b.comments:
			less = a.comments < b.comments
		}
		if dir == "desc" {
			return !less
		}
		return less
	})
	lo, hi, _ := s.paginate(rp, len(es))
	out := []any{}
	for _, e := range es[lo:hi] {
		out = append(out, e.json())
	}
	s.write(rp, http.StatusOK, out)
}

func (s *Server) getIssue(rp *reply, rr *repo, num string) {
	ri := s.issuesOf(rr)
	n, _ := strconv.Atoi(num)
	if p := rr.pulls[n]; p != nil {
		s.write(rp, http.StatusOK, s.pullIssueJSON(rr, p, true))
		return
	}
	is := ri.issues[n]
	switch {
	case ri.disabled:
		s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
	case is == nil:
		s.fail(rp, http.StatusNotFound, "Not Found", docsIssues)
	case is.deleted:
		s.fail(rp, http.StatusGone, msgIssueDeleted, docsIssues)
	default:
		s.write(rp, http.StatusOK, s.issueJSON(rr, is, true))
	}
}
