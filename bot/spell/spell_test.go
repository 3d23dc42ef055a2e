package spell

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"policy", "policies", 3},
		{"severty", "severity", 1},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{strings.Repeat("a", 65), "a", Far},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
