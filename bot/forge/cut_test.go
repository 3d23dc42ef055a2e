package forge

import (
	"strings"
	"testing"
)

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"ab d", 3, "ab…"},
		{"ab cd", 4, "ab…"}, // no space before the ellipsis
		{"éééé", 3, "éé…"},
		{"abc", 0, ""},
		{strings.Repeat("a", MaxIssueTitle+1), MaxIssueTitle, strings.Repeat("a", MaxIssueTitle-1) + "…"},
	} {
		if got := Cut(tc.in, tc.n); got != tc.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
