package gitlabtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Webhook payloads, built from the fake's state in the shape GitLab sends
// (doc/user/project/integrations/webhook_events.md; the examples in
// shared/reference/gitlab-webhooks). Event names go in X-Gitlab-Event.
const (
	EventMergeRequest = "Merge Request Hook"
	EventPush         = "Push Hook"
	EventIssue        = "Issue Hook"
	EventNote         = "Note Hook"
)

func (s *Server) hookProject(p *project) map[string]any {
	return map[string]any{"id": p.id, "name": p.name(), "description": "", "web_url": s.webURL(p, ""),
		"avatar_url": nil, "git_ssh_url": "git@example.com:" + p.path + ".git", "git_http_url": s.webURL(p, ".git"),
		"namespace": p.namespace(), "visibility_level": 0, "path_with_namespace": p.path,
		"default_branch": p.defaultBranch, "ci_config_path": nil, "homepage": s.webURL(p, ""),
		"url": s.webURL(p, ".git"), "ssh_url": "git@example.com:" + p.path + ".git", "http_url": s.webURL(p, ".git")}
}

func (s *Server) hookUser(name string) map[string]any {
	u := s.userByName(name)
	if u == nil {
		u = s.addUser(name, false)
	}
	return map[string]any{"id": u.id, "name": u.name, "username": u.username, "avatar_url": "", "email": "[REDACTED]"}
}

func hookTime(t any) any {
	if t == nil {
		return nil
	}
	str, _ := t.(string)
	return strings.Replace(strings.Replace(str, "T", " ", 1), ".000Z", " UTC", 1)
}

func (s *Server) hookMR(p *project, mr *mergeRequest, action, oldrev string) map[string]any {
	src := s.projects[mr.sourceProject]
	if src == nil {
		src = p
	}
	attrs := map[string]any{"id": mr.id, "iid": mr.IID, "target_branch": mr.TargetBranch, "source_branch": mr.SourceBranch,
		"source_project_id": src.id, "target_project_id": p.id, "author_id": s.hookUser(mr.Author)["id"],
		"title": mr.Title, "created_at": hookTime(ts(mr.createdAt)), "updated_at": hookTime(ts(mr.updatedAt)),
		"state": mrState(mr.State), "merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
		"description": "", "url": s.webURL(p, fmt.Sprintf("/-/merge_requests/%d", mr.IID)),
		"source": s.hookProject(src), "target": s.hookProject(p),
		"last_commit": map[string]any{"id": mr.head, "message": "a change", "title": "a change",
			"url": s.webURL(src, "/-/commit/"+mr.head)},
		"work_in_progress": mr.Draft, "draft": mr.Draft, "first_contribution": false, "labels": []any{},
		"blocking_discussions_resolved": true, "merge_commit_sha": nil, "head_pipeline_id": nil}
	if action != "" {
		attrs["action"] = action
	}
	if oldrev != "" {
		attrs["oldrev"] = oldrev
	}
	return attrs
}

// MergeRequestHook is a "Merge Request Hook" payload for a merge request
// as the fake has it, by user (the actor). action is open, close, reopen,
// update, merge…; oldrev, when not "", marks an update that changed the
// code (GitLab sends it only then).
func (s *Server) MergeRequestHook(path string, iid int64, action, oldrev, user string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	mr := s.mustMR(path, iid)
	payload := map[string]any{"object_kind": "merge_request", "event_type": "merge_request", "user": s.hookUser(user),
		"project": s.hookProject(p), "object_attributes": s.hookMR(p, mr, action, oldrev),
		"repository": map[string]any{"name": p.name(), "url": s.webURL(p, ".git"), "homepage": s.webURL(p, "")},
		"labels":     []any{}, "changes": map[string]any{}, "assignees": []any{}, "reviewers": []any{}}
	b, _ := json.Marshal(payload)
	return b
}

// PushHook is a "Push Hook" payload: user pushed after (before before) to
// a branch of a project.
func (s *Server) PushHook(path, branch, before, after, user string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	u := s.hookUser(user)
	payload := map[string]any{"object_kind": "push", "event_name": "push", "before": before, "after": after,
		"ref": "refs/heads/" + branch, "ref_protected": branch == p.defaultBranch, "checkout_sha": after,
		"message": nil, "user_id": u["id"], "user_name": u["name"], "user_username": u["username"], "user_email": "",
		"user_avatar": "", "project_id": p.id, "project": s.hookProject(p),
		"commits": []any{map[string]any{"id": after, "message": "a change", "title": "a change",
			"added": []string{}, "modified": []string{}, "removed": []string{}}},
		"total_commits_count": 1, "push_options": map[string]any{},
		"repository": map[string]any{"name": p.name(), "url": s.webURL(p, ".git"), "homepage": s.webURL(p, ""),
			"git_http_url": s.webURL(p, ".git"), "git_ssh_url": "git@example.com:" + p.path + ".git", "visibility_level": 0}}
	b, _ := json.Marshal(payload)
	return b
}

// IssueHook is an "Issue Hook" payload for an issue as the fake has it, by
// user (the actor): action is open, close, reopen or update.
func (s *Server) IssueHook(path string, iid int64, action, user string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	is := p.issues[iid]
	if is == nil {
		s.t.Fatalf("gitlabtest: no issue %s#%d", path, iid)
	}
	labels := []any{}
	for i, l := range is.Labels {
		labels = append(labels, map[string]any{"id": 200 + i, "title": l, "color": "#ffffff", "project_id": p.id,
			"type": "ProjectLabel"})
	}
	attrs := map[string]any{"id": is.ID, "iid": is.IID, "title": is.Title, "description": is.Description,
		"state": is.State, "action": action, "project_id": p.id, "author_id": s.hookUser(is.Author)["id"],
		"created_at": hookTime(ts(is.CreatedAt)), "updated_at": hookTime(ts(is.UpdatedAt)),
		"closed_at": hookTime(ts(is.ClosedAt)), "due_date": nilIfEmpty(is.DueDate), "url": is.WebURL,
		"labels": labels, "confidential": false}
	payload := map[string]any{"object_kind": "issue", "event_type": "issue", "user": s.hookUser(user),
		"project": s.hookProject(p), "object_attributes": attrs, "labels": labels, "changes": map[string]any{},
		"repository": map[string]any{"name": p.name(), "url": s.webURL(p, ".git"), "homepage": s.webURL(p, "")}}
	b, _ := json.Marshal(payload)
	return b
}

// NoteHook is a "Note Hook" payload: user commented body on a merge
// request (the note is added to the fake too).
func (s *Server) NoteHook(path string, iid int64, user, body string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	mr := s.mustMR(path, iid)
	s.addUser(user, false)
	n := s.addNote(mr, &Note{Body: body, Author: user}, "", true)
	attrs := map[string]any{"id": n.ID, "note": body, "noteable_type": "MergeRequest", "author_id": s.hookUser(user)["id"],
		"created_at": hookTime(ts(n.CreatedAt)), "updated_at": hookTime(ts(n.UpdatedAt)), "project_id": p.id,
		"attachment": nil, "line_code": nil, "commit_id": "", "noteable_id": mr.id, "system": false,
		"st_diff": nil, "action": "create", "url": s.webURL(p, fmt.Sprintf("/-/merge_requests/%d#note_%d", mr.IID, n.ID))}
	payload := map[string]any{"object_kind": "note", "event_type": "note", "user": s.hookUser(user),
		"project_id": p.id, "project": s.hookProject(p), "object_attributes": attrs,
		"repository":    map[string]any{"name": p.name(), "url": s.webURL(p, ".git"), "homepage": s.webURL(p, "")},
		"merge_request": s.hookMR(p, mr, "", "")}
	b, _ := json.Marshal(payload)
	return b
}

// SignStandard signs a webhook body as Standard Webhooks (and GitLab's
// signing token) do: "v1," + base64(HMAC-SHA256(key, id.timestamp.body)).
// A key written "whsec_<base64>" is the base64-decoded bytes.
func SignStandard(key, id string, timestamp int64, body []byte) string {
	k := []byte(key)
	if rest, ok := strings.CutPrefix(key, "whsec_"); ok {
		if dec, err := base64.StdEncoding.DecodeString(rest); err == nil {
			k = dec
		}
	}
	m := hmac.New(sha256.New, k)
	fmt.Fprintf(m, "%s.%d.", id, timestamp)
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}
