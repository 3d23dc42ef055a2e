package forge

import "testing"

// TestIdentityWrote: ids decide when both are known (a GitLab user can
// take a username that was the bot's, never its id); logins otherwise,
// without regard to case; an unknown identity wrote nothing.
func TestIdentityWrote(t *testing.T) {
	gitlabBot := Identity{Login: "project_7_bot", ID: 42}
	githubBot := Identity{Login: "tmbot[bot]"}
	for _, c := range []struct {
		who   Identity
		login string
		id    int64
		want  bool
	}{
		{gitlabBot, "project_7_bot", 42, true},
		{gitlabBot, "renamed_bot", 42, true},
		{gitlabBot, "project_7_bot", 43, false},
		{gitlabBot, "project_7_bot", 0, true},
		{githubBot, "TMBot[bot]", 9001, true},
		{githubBot, "tmbot", 9001, false},
		{githubBot, "mallory", 0, false},
		{Identity{}, "", 0, false},
		{Identity{}, "mallory", 0, false},
	} {
		if got := c.who.Wrote(c.login, c.id); got != c.want {
			t.Errorf("%+v.Wrote(%q, %d) = %v, want %v", c.who, c.login, c.id, got, c.want)
		}
	}
}
