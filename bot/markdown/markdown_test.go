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

func TestCutBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcdef", 5, "ab…"},    // "…" is 3 bytes
		{"ééé", 4, "…"},         // no room for half an é
		{"aééé", 5, "a…"},       // cut at a rune boundary
		{"abcdef", 2, ""},       // no room for the ellipsis
		{"abcdef", 0, "abcdef"}, // no cut
	} {
		got := CutBytes(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("CutBytes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if tc.n > 0 && len(got) > tc.n {
			t.Errorf("CutBytes(%q, %d) is %d bytes", tc.in, tc.n, len(got))
		}
	}
}
