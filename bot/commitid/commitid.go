// Package commitid says what the bot takes for a commit id: the full name
// of a git object, 40 hexadecimal digits (SHA-1) or 64 (SHA-256), in
// either case. An abbreviated id is not one: a short run of hex digits may
// as well be a branch or a tag ("cafe", "deadbeef"), and what is read at a
// branch must not be kept as if it could not move. It imports nothing of
// tmbot's, so the engine, the settings and both forge adapters may use it.
package commitid

import "strings"

// Lengths of a full commit id, in hex digits.
const (
	SHA1Len   = 40
	SHA256Len = 64
)

// Valid reports whether s is a full commit id: 40 or 64 hex digits, upper
// or lower case.
func Valid(s string) bool {
	if len(s) != SHA1Len && len(s) != SHA256Len {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// Parse checks a full commit id and gives it in lower case, the form git
// and both forges print.
func Parse(s string) (string, bool) {
	if !Valid(s) {
		return "", false
	}
	return strings.ToLower(s), true
}
