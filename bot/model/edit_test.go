package model

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestSetMitigationStatusKeepsTheRest(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"a.threatmodel.yaml", "mitigations:\n  waf:\n    title: WAF # a comment\n    status: planned   # keep me\n  mfa: {title: MFA, status: \"planned\"}\n",
			"mitigations:\n  waf:\n    title: WAF # a comment\n    status: implemented   # keep me\n  mfa: {title: MFA, status: \"planned\"}\n"},
		{"a.threatmodel.yaml", "mitigations:\n  mfa: {title: MFA, status: 'planned'}\n", "mitigations:\n  mfa: {title: MFA, status: 'implemented'}\n"},
		{"a.threatmodel.json", "{\"mitigations\": {\"waf\": {\"title\": \"Ünïcode\", \"status\": \"planned\"}}}\n",
			"{\"mitigations\": {\"waf\": {\"title\": \"Ünïcode\", \"status\": \"implemented\"}}}\n"},
	} {
		mit := "waf"
		if strings.Contains(tc.src, "'planned'") {
			mit = "mfa"
		}
		got, err := SetMitigationStatus(tc.name, []byte(tc.src), mit, "implemented")
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %v\ngot  %q\nwant %q", tc.name, err, got, tc.want)
		}
	}
	if _, err := SetMitigationStatus("a.threatmodel.cue", []byte("x: 1"), "waf", "implemented"); err != ErrCannotEdit {
		t.Errorf("cue: %v", err)
	}
	if _, err := SetMitigationStatus("a.threatmodel.yaml", []byte("mitigations: {}\n"), "waf", "implemented"); err == nil {
		t.Error("no such mitigation: no error")
	}
}

// TestSetMitigationStatusOnTheExample: the edited example still validates,
// differs from the original in one line, and says implemented.
func TestSetMitigationStatusOnTheExample(t *testing.T) {
	src, err := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := SetMitigationStatus("alpinepay.threatmodel.yaml", src, "admin-mfa", "implemented")
	if err != nil {
		t.Fatal(err)
	}
	a, b := strings.Split(string(src), "\n"), strings.Split(string(got), "\n")
	changed := 0
	for i := range a {
		if a[i] != b[i] {
			changed++
		}
	}
	res := newTestLoader(t).Load(context.Background(), "alpinepay.threatmodel.yaml", got)
	if changed != 1 || len(a) != len(b) || !res.Valid || res.Model.Mitigations["admin-mfa"].Status != "implemented" {
		t.Errorf("changed %d lines, valid %v", changed, res.Valid)
	}
}
