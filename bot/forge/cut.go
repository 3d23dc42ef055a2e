package forge

import "github.com/tmbot/tmbot/bot/markdown"

// Cut cuts s to at most n characters (runes), the last of them "…" when
// it was cut; n <= 0 gives "". The adapters cut what they send to a
// forge's length limits with it. It is markdown.Cut (which also drops the
// spaces before the ellipsis) with n <= 0 meaning nothing rather than no
// cut: there is one cut, in bot/markdown.
func Cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	return markdown.Cut(s, n)
}

// CutIssueTitle is the title the adapters send for title: at most
// MaxIssueTitle characters, the last of them "…" when cut.
func CutIssueTitle(title string) string { return Cut(title, MaxIssueTitle) }
