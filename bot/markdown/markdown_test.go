package markdown

import "testing"

func TestCodeAndFence(t *testing.T) {
	for in, want := range map[string]string{
		"plain":   "`plain`",
		"a`b":     "``a`b``",
		"`x":      "`` `x ``",
		"":        "` `",
		"a\nb  c": "`a b c`",
	} {
		if got := Code(in, 0); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Fence("a\n```\nb", "yaml"); got != "````yaml\na\n```\nb\n````\n" {
		t.Errorf("fence: %q", got)
	}
}
