package gitlab

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/review"
)

// A new open threat's discussion is told from the finding's values (its
// rule and the threat's id), and its marker is the one earlier versions
// wrote for it, which hashed the GitHub-style title "<title>: <id>": an
// upgrade finds their discussions again instead of opening second ones.
func TestThreatFindingFromValues(t *testing.T) {
	const path, msg = "models/pay.threatmodel.yaml", "New high-risk threat \"T\" (t2) is open with no planned mitigation."
	threat := review.CheckFinding{Rule: review.RuleNewUnmitigated, Severity: policy.Error, Element: "t2", Path: path,
		StartLine: 10, EndLine: 10, Title: "New high-risk threat without a plan", Message: msg}
	// A policy's error about the same threat keeps its own title and
	// message: it is not the threat's own finding.
	rule := review.CheckFinding{Rule: "expired", Severity: policy.Error, Element: "t2", Path: path,
		StartLine: 12, EndLine: 12, Title: "expired: t3", Message: "The acceptance of t2 expired.", HelpURL: review.DocsURL + "policies.md#acceptance"}
	warn := review.CheckFinding{Rule: "stride", Severity: policy.Warning, Path: path, StartLine: 3, Title: "stride", Message: "w"}
	fs := failures([]review.CheckFinding{threat, rule, warn, threat})
	if len(fs) != 2 {
		t.Fatalf("%d discussions, want 2 (the errors, once each): %+v", len(fs), fs)
	}
	old := sha256.Sum256([]byte(path + "\x00" + "New high-risk threat without a plan: t2" + "\x00" + msg))
	byLine := map[int]finding{}
	for _, f := range fs {
		byLine[f.line] = f
	}
	if got := byLine[10].key; got != hex.EncodeToString(old[:8]) {
		t.Errorf("the threat's key %s is not the one earlier versions wrote", got)
	}
	body := findingBody(byLine[10])
	if !strings.Contains(body, "**New high-risk threat without a plan**") || strings.Contains(body, "t2") ||
		strings.Contains(body, "is open with no planned mitigation") || !strings.Contains(body, "The threat on this line blocks the merge request.") {
		t.Errorf("the threat's note:\n%s", body)
	}
	body = findingBody(byLine[12])
	if !strings.Contains(body, "**expired: t3**") || !strings.Contains(body, "The acceptance of t2 expired.") ||
		!strings.Contains(body, "[What this check looks for]("+review.DocsURL+"policies.md#acceptance)") {
		t.Errorf("the policy's note:\n%s", body)
	}
}

// A finding's help is a link only when it is the project's documentation
// with a plain path and anchor.
func TestFindingHelpLink(t *testing.T) {
	for u, want := range map[string]bool{
		review.DocsURL + "policies.md#unplanned-risk": true,
		review.DocsURL + "format.md":                  true,
		"":                                            false,
		"https://evil.example/policies.md":            false,
		review.DocsURL + "policies.md#x) [click](javascript": false,
		review.DocsURL + "policies.md#a b":                   false,
	} {
		if got := helpLink(u); got != want {
			t.Errorf("helpLink(%q) = %v, want %v", u, got, want)
		}
		body := findingBody(finding{key: "k", path: "m.threatmodel.yaml", line: 1, title: "t", message: "m", help: u})
		if strings.Contains(body, "What this check looks for") != want {
			t.Errorf("help %q: note\n%s", u, body)
		}
	}
}
