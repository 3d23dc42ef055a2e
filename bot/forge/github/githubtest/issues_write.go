package githubtest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// allowCreation applies the creation limit to a request that creates
// content; false when it answered 403.
func (s *Server) allowCreation(rp *reply) bool {
	limit := s.ext.creationLimit
	if limit <= 0 {
		return true
	}
	now := time.Now()
	keep := s.ext.creations[:0]
	for _, t := range s.ext.creations {
		if now.Sub(t) < time.Minute {
			keep = append(keep, t)
		}
	}
	s.ext.creations = keep
	if len(keep) >= limit {
		wait := int(math.Ceil(keep[0].Add(time.Minute).Sub(now).Seconds()))
		rp.w.Header().Set("Retry-After", strconv.Itoa(max(wait, 1)))
		s.fail(rp, http.StatusForbidden, "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later. If you reach out to GitHub Support for help, please include the request ID "+rp.w.Header().Get("X-GitHub-Request-Id")+".", docsSecondaryRate)
		return false
	}
	s.ext.creations = append(s.ext.creations, now)
	return true
}

// assignable: users with a permission on the repository can be assigned.
func (s *Server) assignable(rr *repo, user string) bool {
	switch rr.perms[strings.ToLower(user)] {
	case "admin", "maintain", "write", "triage", "read":
		return true
	}
	return false
}

func (s *Server) validationFailed(rp *reply, doc string, errs ...map[string]any) {
	s.write(rp, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": errs,
		"documentation_url": doc, "status": "422"})
}

// checkIssueFields validates a title, body, labels and assignees; it
// answers 422 and returns false for bad ones.
func (s *Server) checkIssueFields(rp *reply, rr *repo, doc string, title, body *string, labels, assignees *[]string) bool {
	if title != nil {
		if strings.TrimSpace(*title) == "" {
			s.validationFailed(rp, doc, map[string]any{"resource": "Issue", "code": "missing_field", "field": "title"})
			return false
		}
		if len([]rune(*title)) > maxIssueTitle {
			s.validationFailed(rp, doc, map[string]any{"resource": "Issue", "code": "custom", "field": "title",
				"message": "title is too long (maximum is 256 characters)"})
			return false
		}
	}
	if body != nil && len([]rune(*body)) > maxIssueBody {
		s.validationFailed(rp, doc, map[string]any{"resource": "Issue", "code": "custom", "field": "body",
			"message": "body is too long (maximum is 65536 characters)"})
		return false
	}
	if labels != nil {
		for _, l := range *labels {
			if len([]rune(strings.TrimSpace(l))) > maxLabelName {
				s.validationFailed(rp, doc, map[string]any{"resource": "Label", "code": "custom", "field": "name",
					"message": "name is too long (maximum is 50 characters)"})
				return false
			}
		}
	}
	if assignees != nil {
		var bad []string
		for _, a := range *assignees {
			if !s.assignable(rr, a) {
				bad = append(bad, a)
			}
		}
		if len(bad) > 0 {
			s.validationFailed(rp, doc, map[string]any{"value": strings.Join(bad, ", "), "resource": "Issue",
				"field": "assignees", "code": "invalid",
				"message": "assignees " + strings.Join(bad, ", ") + " cannot be assigned to this issue"})
			return false
		}
	}
	return true
}

// uniqueLogins drops repeated logins (GitHub compares them without case).
func uniqueLogins(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, l := range in {
		if k := strings.ToLower(l); l != "" && !seen[k] {
			seen[k] = true
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) createIssue(rp *reply, rr *repo) {
	ri := s.issuesOf(rr)
	if ri.disabled {
		s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
		return
	}
	if !s.mayWrite(rp, "issues") {
		return
	}
	var in struct {
		Title     *string   `json:"title"`
		Body      *string   `json:"body"`
		Labels    *[]string `json:"labels"`
		Assignee  *string   `json:"assignee"`
		Assignees *[]string `json:"assignees"`
	}
	if !s.decode(rp, &in) {
		return
	}
	if in.Title == nil {
		s.invalid(rp, "Invalid request.\n\n\"title\" wasn't supplied.")
		return
	}
	var assignees []string
	if in.Assignees != nil {
		assignees = append(assignees, *in.Assignees...)
	}
	if in.Assignee != nil {
		assignees = append(assignees, *in.Assignee)
	}
	assignees = uniqueLogins(assignees)
	if !s.checkIssueFields(rp, rr, docsIssueCreate, in.Title, in.Body, in.Labels, &assignees) {
		return
	}
	now := time.Now().UTC()
	is := &issue{Issue: Issue{Number: s.nextNumber(rr), Title: *in.Title, User: s.BotLogin(), State: "open",
		Assignees: assignees, CreatedAt: now, UpdatedAt: now}}
	if in.Body != nil {
		is.Body = *in.Body
	}
	if in.Labels != nil {
		is.Labels = ri.ensureLabels(*in.Labels)
	}
	s.nextID++
	is.id = s.nextID
	ri.issues[is.Number] = is
	rp.w.Header().Set("Location", fmt.Sprintf("%s%s/repos/%s/issues/%d", s.srv.URL, s.prefix, rr.fullName(), is.Number))
	s.write(rp, http.StatusCreated, s.issueJSON(rr, is, true))
}

func (s *Server) editIssue(rp *reply, rr *repo, num string) {
	ri := s.issuesOf(rr)
	n, _ := strconv.Atoi(num)
	is := ri.issues[n]
	switch {
	case ri.disabled && rr.pulls[n] == nil:
		s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
		return
	case rr.pulls[n] != nil:
		s.invalid(rp, "githubtest does not edit pull requests through the issues API")
		return
	case is == nil:
		s.fail(rp, http.StatusNotFound, "Not Found", docsIssues)
		return
	case is.deleted:
		s.fail(rp, http.StatusGone, msgIssueDeleted, docsIssues)
		return
	case !s.mayWrite(rp, "issues") || !s.mayEdit(rp, is.User):
		return
	}
	var in struct {
		Title       *string   `json:"title"`
		Body        *string   `json:"body"`
		State       *string   `json:"state"`
		StateReason *string   `json:"state_reason"`
		Labels      *[]string `json:"labels"`
		Assignee    *string   `json:"assignee"`
		Assignees   *[]string `json:"assignees"`
	}
	if !s.decode(rp, &in) {
		return
	}
	var assignees *[]string
	if in.Assignees != nil || in.Assignee != nil {
		var as []string
		if in.Assignees != nil {
			as = append(as, *in.Assignees...)
		}
		if in.Assignee != nil {
			as = append(as, *in.Assignee)
		}
		as = uniqueLogins(as)
		assignees = &as
	}
	if !s.checkIssueFields(rp, rr, docsIssueUpdate, in.Title, in.Body, in.Labels, assignees) {
		return
	}
	state := is.State
	if in.State != nil {
		if *in.State != "open" && *in.State != "closed" {
			s.validationFailed(rp, docsIssueUpdate, map[string]any{"resource": "Issue", "code": "invalid", "field": "state"})
			return
		}
		state = *in.State
	}
	reason := ""
	if in.StateReason != nil {
		reason = *in.StateReason
		ok := false
		switch reason {
		case "completed", "not_planned":
			ok = state == "closed"
		case "reopened":
			ok = state == "open"
		}
		if !ok {
			s.validationFailed(rp, docsIssueUpdate, map[string]any{"resource": "Issue", "code": "invalid", "field": "state_reason",
				"message": fmt.Sprintf("state_reason %q is not valid for a %s issue", reason, state)})
			return
		}
	}
	now := time.Now().UTC()
	if in.Title != nil {
		is.Title = *in.Title
	}
	if in.Body != nil {
		is.Body = *in.Body
	}
	if in.Labels != nil {
		is.Labels = ri.ensureLabels(*in.Labels)
	}
	if assignees != nil {
		is.Assignees = *assignees
	}
	switch {
	case state == "closed" && is.State == "open":
		if reason == "" {
			reason = "completed"
		}
		is.State, is.StateReason, is.ClosedBy, is.ClosedAt = "closed", reason, s.BotLogin(), now
	case state == "closed" && reason != "":
		is.StateReason = reason
	case state == "open" && is.State == "closed":
		is.State, is.StateReason, is.ClosedBy, is.ClosedAt = "open", "reopened", "", time.Time{}
	}
	is.UpdatedAt = now
	s.write(rp, http.StatusOK, s.issueJSON(rr, is, true))
}
