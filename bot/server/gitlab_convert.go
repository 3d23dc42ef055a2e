package server

import (
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/store"
)

// gitlabRepo is a project as the forge names it: the namespace's full path
// and the project's path, installation 0, the project's id.
func gitlabRepo(id int64, pathWithNamespace, defaultBranch string) forge.Repo {
	owner, name := "", pathWithNamespace
	if i := strings.LastIndex(pathWithNamespace, "/"); i >= 0 {
		owner, name = pathWithNamespace[:i], pathWithNamespace[i+1:]
	}
	return forge.Repo{Forge: "gitlab", ID: id, Owner: owner, Name: name, DefaultBranch: defaultBranch}
}

// gitlabTime reads the times of GitLab's payloads ("2013-12-03T17:23:34Z",
// or "2013-12-03 17:23:34 UTC" in older ones); now when it cannot.
func gitlabTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Now().UTC()
}

// gitlabState of a merge request as the forge has it (GitLab's "opened"
// and "locked", which is merging, are open).
func gitlabPullState(state string) string {
	switch state {
	case "merged", "closed":
		return state
	}
	return "open"
}

// gitlabStored reads what the store knows of a request (ok false when
// nothing).
func (d *delivery) gitlabStored(key string) (store.Pull, bool) {
	p, err := d.s.store.GetPull(d.ctx(), key)
	return p, err == nil
}
