package forge

import "unicode/utf8"

// Cut cuts s to at most n characters (runes), the last of them "…" when
// it was cut; n <= 0 gives "". The adapters cut what they send to a
// forge's length limits with it. (bot/markdown.Cut, for the Markdown the
// review writes, also drops the spaces before the ellipsis.)
func Cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// CutIssueTitle is the title the adapters send for title: at most
// MaxIssueTitle characters, the last of them "…" when cut.
func CutIssueTitle(title string) string { return Cut(title, MaxIssueTitle) }
