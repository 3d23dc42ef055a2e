package githubtest

import (
	"maps"
	"net/http"
	"strings"
)

// What the App may do, and whose writing it may edit
//
// An installation token carries the permissions the account's owner
// granted the App (by default those tmbot asks for: contents, pull requests
// and metadata read; issues and checks write). A call that needs a write
// permission the installation lacks answers 403 "Resource not accessible by
// integration", as GitHub does: comments on requests and issues need issues
// or pull requests write, issues need issues write, check runs need checks
// write.
//
// The App edits only what its "<slug>[bot]" user wrote: an edit of another
// user's comment or issue answers 403 as well (the App asks for no right to
// rewrite people's words).

// defaultPermissions are the permissions tmbot's App asks for.
var defaultPermissions = map[string]string{"contents": "read", "pull_requests": "read", "issues": "write",
	"checks": "write", "metadata": "read"}

// msgNotAccessible is GitHub's answer to a call the token has no right to.
const msgNotAccessible = "Resource not accessible by integration"

// SetInstallationPermissions sets the permissions an installation's owner
// granted (name → "read" or "write"; a name left out is not granted). New
// tokens carry them; every call is checked against them at once.
func (s *Server) SetInstallationPermissions(id int64, perms map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := s.installations[id]; in != nil {
		in.perms = maps.Clone(perms)
	}
}

// permissionsOf are an installation's permissions.
func (s *Server) permissionsOf(id int64) map[string]string {
	if in := s.installations[id]; in != nil && in.perms != nil {
		return in.perms
	}
	return defaultPermissions
}

// mayWrite answers 403 and returns false unless the request's installation
// has write permission on one of perms.
func (s *Server) mayWrite(rp *reply, perms ...string) bool {
	granted := s.permissionsOf(rp.install)
	for _, p := range perms {
		if granted[p] == "write" {
			return true
		}
	}
	s.fail(rp, http.StatusForbidden, msgNotAccessible, docsREST)
	return false
}

// mayEdit answers 403 and returns false unless the App wrote what author
// wrote.
func (s *Server) mayEdit(rp *reply, author string) bool {
	if strings.EqualFold(author, s.BotLogin()) {
		return true
	}
	s.fail(rp, http.StatusForbidden, msgNotAccessible, docsREST)
	return false
}

// permission serves GET /repos/{o}/{r}/collaborators/{user}/permission: a
// user's role on the repository, and the permission it amounts to.
func (s *Server) permission(rp *reply, rr *repo, user string) {
	u := strings.ToLower(user)
	if !s.users[u] {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	role := rr.perms[u]
	if role == "" {
		role = "none"
	}
	perm := role
	switch role {
	case "maintain":
		perm = "write"
	case "triage":
		perm = "read"
	}
	s.write(rp, http.StatusOK, map[string]any{"permission": perm, "role_name": role, "user": s.userJSON(user)})
}
