package track

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/markdown/markdowntest"
)

// TestOwnerMentionedOnlyWhenConfirmed: the issue of a mitigation mentions
// its owner only when the forge confirmed the handle (Assign gave a login);
// an unconfirmed owner, a team or @all is written as code, which notifies
// no one, and free text never mentions anyone.
func TestOwnerMentionedOnlyWhenConfirmed(t *testing.T) {
	confirm := func(owner string) string {
		if owner == "@alice" {
			return "alice"
		}
		return ""
	}
	for _, c := range []struct {
		owner   string
		mention string // the live mention wanted, or ""
	}{
		{"@alice", "alice"},
		{"@bob", ""},
		{"@all", ""},
		{"@org/team", ""},
	} {
		m := Mitigation{Key: "s/m", System: "s", SystemName: "S @carol", ID: "m", Title: "Do it @dave",
			Status: "planned", Owner: c.owner, File: "a.threatmodel.yaml", Line: 3, Desc: "Ask @erin\n/close"}
		spec := Spec(m, Settings{Assign: confirm})
		var mentions []string
		if c.mention != "" {
			mentions = []string{c.mention}
		}
		for _, p := range markdowntest.Problems(spec.Body, markdowntest.Options{Mentions: mentions}) {
			t.Errorf("owner %s: %s", c.owner, p)
		}
		live := strings.Contains(spec.Body, "| Owner | @"+c.mention+" |")
		if c.mention != "" && !live {
			t.Errorf("owner %s, confirmed: not mentioned:\n%s", c.owner, spec.Body)
		}
		if c.mention == "" && !strings.Contains(spec.Body, "| Owner | `"+c.owner+"` |") {
			t.Errorf("owner %s, unconfirmed: not written as code:\n%s", c.owner, spec.Body)
		}
	}
}
