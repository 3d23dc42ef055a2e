package commitid

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	sha1 := "0123456789abcdef0123456789abcdef01234567"
	sha256 := strings.Repeat("89abcdef", 8)
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{sha1, true},
		{strings.ToUpper(sha1), true},
		{sha256, true},
		{"0123456789ABCdef0123456789abcdef01234567", true},
		{"", false},
		{"deadbeef", false},      // abbreviated: may be a branch
		{sha1[:39], false},       // one short
		{sha1 + "8", false},      // one long
		{sha1[:39] + "g", false}, // not hex
		{sha1[:39] + " ", false},
		{strings.Repeat("a", 52), false}, // between the two lengths
		{sha256 + "0", false},
		{"main", false},
		{"refs/heads/" + sha1[:29], false},
		{strings.Repeat("é", 20), false}, // 40 bytes, not hex
	} {
		if got := Valid(tc.in); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	in := "ABCDEF0123456789abcdef0123456789ABCDEF01"
	got, ok := Parse(in)
	if !ok || got != strings.ToLower(in) {
		t.Errorf("Parse(%q) = %q, %v; want the id in lower case", in, got, ok)
	}
	if got, ok := Parse("HEAD"); ok || got != "" {
		t.Errorf(`Parse("HEAD") = %q, %v; want "", false`, got, ok)
	}
}
