package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// What the dashboard's browser tests share: finding Chromium, the vendor's
// model and its push, and the mitigation rows as the browser renders them.

// chromium finds Debian's Chromium. Under CI it must be there (.ci/run
// installs it); elsewhere the browser test is skipped without it.
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed and CI is set: the dashboard's browser test must run (.ci/run installs the Debian package chromium)")
	}
	t.Skip("Chromium is not installed, so the dashboard's browser test is skipped: install it with `apt-get install chromium` (under CI=true the test fails instead)")
	return ""
}

// vendorModel is a model a supplier wrote: one low-risk open threat with a
// planned mitigation.
const vendorModel = `version: 1
system:
  id: payments-sdk
  name: Payments SDK
  owner: "@acme/sdk"
  vendor: Acme Supplies Ltd
threats:
  sdk-tampered-release:
    title: A tampered SDK release reaches the apps that embed it
    likelihood: low
    impact: medium
    mitigations: [sign-releases]
mitigations:
  sign-releases:
    title: Sign every SDK release and check the signature in the build
    status: planned
    owner: "@acme/sdk-team"
    due: 2099-03-01
`

func pushPayloadFor(fullName string, id int, after string) []byte {
	owner, name, _ := strings.Cut(fullName, "/")
	b, _ := json.Marshal(map[string]any{"ref": "refs/heads/main", "after": after,
		"repository": map[string]any{"id": id, "name": name, "full_name": fullName, "default_branch": "main",
			"owner": map[string]any{"login": owner, "name": owner}},
		"installation": map[string]any{"id": testInst}, "sender": map[string]any{"login": "octocat", "type": "User"}})
	return b
}

// browserRow is a mitigation row as the browser renders it.
type browserRow struct {
	Key     string `json:"key"`
	Text    string `json:"text"`
	Visible bool   `json:"visible"`
	Overdue string `json:"overdue"`
	Stale   string `json:"stale"`
}

const rowsJS = `Array.from(document.querySelectorAll('#mitigations-table tbody tr')).map(tr => {
  const vis = el => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const od = tr.querySelector('.tag.overdue'), st = tr.querySelector('.tag.stale');
  return {key: tr.dataset.key, text: tr.innerText, visible: vis(tr),
    overdue: vis(od) ? od.innerText : '', stale: vis(st) ? st.innerText : ''};
})`

func keysOfRows(rows []browserRow) []string {
	var out []string
	for _, r := range rows {
		if r.Visible {
			out = append(out, r.Key)
		}
	}
	slices.Sort(out)
	return out
}
