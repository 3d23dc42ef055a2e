package gitlab

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/markdown/markdowntest"
)

// TestFindingThreadIsInert: a finding's thread on a merge request carries
// text from the model (an invalid key, a policy's message, a path); none
// of it becomes a mention, a link, HTML, a heading or a quick action, and
// the commit status's description passes no invisible character on.
func TestFindingThreadIsInert(t *testing.T) {
	hostile := "PWNED @all [x](https://evil.example) <img src=x> </details>\n# heading\n/close\n\u202eevil"
	body := findingBody(finding{key: "k", path: "models/@all <b>.threatmodel.yaml", line: 3,
		title: "rule @all <b>x</b>", message: hostile})
	for _, p := range markdowntest.Problems(body, markdowntest.Options{Canary: "PWNED"}) {
		t.Errorf("%s\n%s", p, body)
	}
	if !strings.Contains(body, "PWNED") {
		t.Errorf("the thread lost the message:\n%s", body)
	}
	desc := statusDescription(forge.Check{Title: "3 new threats\u202e @all\n"})
	for _, r := range desc {
		if markdowntest.Invisible(r) {
			t.Errorf("status description %q carries U+%04X", desc, r)
		}
	}
}
