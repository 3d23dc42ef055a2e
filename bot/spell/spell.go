// Package spell finds the word a user probably meant: the Levenshtein
// distance of short strings, for "did you mean" hints on unknown keys and
// values. It imports nothing of tmbot's.
package spell

// maxLen bounds the strings compared: keys and enum values are a few dozen
// bytes, and a longer input (from a hostile file) costs nothing.
const maxLen = 64

// Far is the distance Distance reports for strings longer than maxLen.
const Far = 1 << 30

// Distance is the Levenshtein distance of a and b, or Far when either is
// longer than 64 bytes.
func Distance(a, b string) int {
	if len(a) > maxLen || len(b) > maxLen {
		return Far
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
