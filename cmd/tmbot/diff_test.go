package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDiffCommand(t *testing.T) {
	base := "../../examples/alpinepay/alpinepay.threatmodel.yaml"
	head := "../../examples/demo/planned/alpinepay.threatmodel.yaml"
	code, out, _ := tmbot(t, "diff", base, head)
	if code != exitOK || !strings.Contains(out, "+ threat assistant-prompt-injection (high, open)") ||
		!strings.Contains(out, "+ mitigation assistant-guardrail (planned)") || !strings.Contains(out, "+ component support-kb") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
	code, out, _ = tmbot(t, "diff", "--format", "json", base, head)
	var d struct {
		New []struct{ ID, Risk, Change string }
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != exitOK || len(d.New) != 1 || d.New[0].ID != "assistant-prompt-injection" {
		t.Errorf("json: exit %d %v %+v", code, err, d)
	}
	code, out, _ = tmbot(t, "diff", "--format", "markdown", base, head)
	if code != exitOK || !strings.Contains(out, "```diff") {
		t.Errorf("markdown: exit %d\n%s", code, out)
	}
	if code, out, _ := tmbot(t, "diff", base, base); code != exitOK || out != "no changes\n" {
		t.Errorf("same file: %d %q", code, out)
	}
	if code, _, _ := tmbot(t, "diff", base); code != exitUsage {
		t.Errorf("one file: exit %d", code)
	}
	if code, _, _ := tmbot(t, "diff", base, "missing.yaml"); code != exitUsage {
		t.Errorf("missing file: exit %d", code)
	}
}
