package markdown

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis marks text that was cut.
const Ellipsis = "…"

// zeroWidthSpace, written as an entity in Markdown, is put between a
// sigil (@, #, !, …) and what follows it, and inside "://" and "www.", so
// that the forge does not turn the text into a mention, a reference or a
// link. It is the bot's own, the one invisible character it writes; the
// text of users never passes one on unmarked.
const (
	zeroWidthSpace   = "&#8203;"
	zeroWidthSpaceCh = "\u200b"
)

// Text is s as inline Markdown on one line: whitespace (newlines included)
// folded to single spaces, cut to at most n runes of s with an ellipsis
// (n <= 0: no cut), every character that could start markup escaped, and
// mentions, references and links broken. It may start a line.
func Text(s string, n int) string {
	var b strings.Builder
	writeInline(&b, cut(oneLine(s), n), true)
	return b.String()
}

// Cell is s as the text of a Markdown table cell: Text, which escapes |
// too, and never empty (an empty cell is a space).
func Cell(s string, n int) string {
	if t := Text(s, n); t != "" {
		return t
	}
	return " "
}

// Paragraph is s as Markdown text of several lines: each line is Text
// (so none starts a heading, a list, a quotation, a code block, a table or
// a quick action), blank lines are kept (at most one in a row), and s is
// cut to at most n runes (n <= 0: no cut). Lines are joined with "\n".
func Paragraph(s string, n int) string {
	s = cut(strings.TrimSpace(lines(s)), n)
	var b strings.Builder
	blank := false
	for i, line := range strings.Split(s, "\n") {
		line = oneLine(line)
		if line == "" {
			blank = true
			continue
		}
		if i > 0 {
			b.WriteString("\n")
			if blank {
				b.WriteString("\n")
			}
		}
		blank = false
		writeInline(&b, line, true)
	}
	return b.String()
}

// Code is s as an inline code span on one line (cut to n runes, n <= 0:
// no cut), whatever backticks it holds. Nothing in a code span is markup,
// a mention or a link; invisible characters are marked.
func Code(s string, n int) string {
	return codeSpan(markInvisible(cut(oneLine(s), n)))
}

// CellCode is Code for a table cell: a | inside is escaped, as GitHub and
// GitLab tables need even in a code span.
func CellCode(s string, n int) string {
	return codeSpan(strings.ReplaceAll(markInvisible(cut(oneLine(s), n)), "|", `\|`))
}

func codeSpan(s string) string {
	if s == "" {
		return "` `"
	}
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.Trim(s, " ") == "" {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// Fence is content as a fenced code block ending with a newline, with a
// fence longer than any run of backticks in it, so nothing in it can close
// the block. lang is the block's language (letters, digits, _, + and -;
// anything else is dropped). Invisible characters are marked, and a line
// that starts with / gets a space before it (GitLab runs quick actions
// from any line that starts with /, in a code block too when it does not
// recognise the fence).
func Fence(content, lang string) string {
	lang = strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_+-", r)) {
			return r
		}
		return -1
	}, lang)
	ls := strings.Split(strings.TrimRight(lines(content), "\n"), "\n")
	for i, l := range ls {
		l = markInvisible(l)
		if strings.HasPrefix(l, "/") {
			l = " " + l
		}
		ls[i] = l
	}
	body := strings.Join(ls, "\n")
	ticks := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	return ticks + lang + "\n" + body + "\n" + ticks + "\n"
}

// Title is s as the title of an issue or a pull request: plain text on one
// line, invisible characters marked, @ kept from mentioning anyone (GitLab
// notifies the users a title mentions), cut to at most n runes with an
// ellipsis (n <= 0: no cut). The result, marks included, is at most n
// runes: n is the forge's limit.
func Title(s string, n int) string {
	s = markInvisible(oneLine(s))
	s = breakSigils(s, "@", zeroWidthSpaceCh)
	return cut(s, n)
}

// PlainLine is s as plain text on one line (a GitLab commit status's
// description): whitespace folded, invisible characters marked, cut to at
// most n runes (n <= 0: no cut), marks included.
func PlainLine(s string, n int) string {
	return cut(markInvisible(oneLine(s)), n)
}

// Plain is s as plain text of several lines (a check-run annotation's
// title or message, which GitHub shows as text): line breaks kept,
// invisible characters marked.
func Plain(s string) string {
	ls := strings.Split(lines(s), "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRightFunc(markInvisible(l), unicode.IsSpace)
	}
	return strings.Join(ls, "\n")
}

// MermaidLabel is s as the text of a quoted Mermaid label: one line, cut
// to n runes (n <= 0: no cut), with quotes, brackets and markup characters
// as Mermaid entity codes and invisible characters marked.
func MermaidLabel(s string, n int) string {
	return mermaidEscaper.Replace(markInvisible(cut(oneLine(s), n)))
}

// mermaidEscaper turns the characters that end or confuse a quoted Mermaid
// label (and a Markdown code fence) into Mermaid entity codes.
var mermaidEscaper = strings.NewReplacer(
	`#`, "#35;", `"`, "#quot;", `<`, "#lt;", `>`, "#gt;", `&`, "#amp;",
	`[`, "#91;", `]`, "#93;", `(`, "#40;", `)`, "#41;", `{`, "#123;", `}`, "#125;",
	`|`, "#124;", "`", "#96;", `;`, "#59;",
)

// handle is a user name both forges accept (GitHub: letters, digits and
// single hyphens; GitLab also allows _ and .).
var handle = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,253}[A-Za-z0-9_])?$`)

// Mention is a live @mention of login, for a handle the forge confirmed
// (a user who can be assigned issues in the repository, say). A login that
// is not a plain user name (a team, an email, anything with markup) is
// written as inert code instead.
func Mention(login string) string {
	login = strings.TrimPrefix(login, "@")
	if !handle.MatchString(login) || strings.EqualFold(login, "all") || strings.EqualFold(login, "here") {
		return Code("@"+login, 0)
	}
	return "@" + login
}

// ---- helpers ----

// markupPunct are the ASCII characters escaped wherever they are: they
// start emphasis, code, links, images, HTML, entities, tables,
// strike-through, GitLab's inline diffs and math, or headings.
const markupPunct = "\\`*_[]<>|~&#!{}$^%"

// blockPunct are the other characters that open a block at the start of a
// line: a list (- +), a setext heading or thematic break (= -), or a GitLab
// quick action (/).
const blockPunct = "-+=/"

// sigils start a mention or a reference (@user, #12, !3, ~label, %milestone,
// $snippet, ^alert, &epic) when a word follows them.
const sigils = "@#!~%$^&"

// writeInline writes one line of text, escaped. lineStart: the text may
// start a line, so its first character is escaped when it could open a
// block (a heading, a list, a quotation, a quick action...).
func writeInline(b *strings.Builder, s string, lineStart bool) {
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch {
		case invisible(r):
			b.WriteString(`\[` + codePoint(r) + `\]`)
			continue
		case r < utf8.RuneSelf && strings.ContainsRune(markupPunct, r), i == 0 && lineStart && strings.ContainsRune(blockPunct, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case i == 0 && lineStart && r >= '0' && r <= '9':
			// An ordered list: "1." or "1)" at the start of a line.
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				b.WriteRune(rs[j])
				j++
			}
			i = j - 1
			if j < len(rs) && (rs[j] == '.' || rs[j] == ')') {
				b.WriteString(`\` + string(rs[j]))
				i = j
			}
			continue
		case (r == 'w' || r == 'W') && hasPrefixFold(rs[i:], "www."):
			b.WriteString(string(rs[i:i+3]) + zeroWidthSpace)
			i += 2
			continue
		default:
			b.WriteRune(r)
		}
		if strings.ContainsRune(sigils, r) && next != 0 && !unicode.IsSpace(next) || r == ':' && hasPrefixFold(rs[i+1:], "//") {
			b.WriteString(zeroWidthSpace)
		}
	}
}

func hasPrefixFold(rs []rune, prefix string) bool {
	if len(rs) < len(prefix) {
		return false
	}
	return strings.EqualFold(string(rs[:len(prefix)]), prefix)
}

// breakSigils puts brk after each of the sigils that a non-space follows.
func breakSigils(s, sigs, brk string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		b.WriteRune(r)
		if strings.ContainsRune(sigs, r) && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			b.WriteString(brk)
		}
	}
	return b.String()
}

// invisible reports whether r is a character a reader does not see, or
// that changes how the text around it reads: controls, format characters
// (bidirectional overrides and isolates, zero-width spaces and joiners, the
// byte-order mark, soft hyphens, tags) and the blank fillers of Hangul.
func invisible(r rune) bool {
	switch r {
	case '\t', '\n':
		return false
	case 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800:
		return true
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}

func codePoint(r rune) string { return fmt.Sprintf("U+%04X", r) }

// markInvisible writes each invisible character of s as a visible
// [U+XXXX] (a tab as a space).
func markInvisible(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return invisible(r) || r == '\t' }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case invisible(r):
			b.WriteString("[" + codePoint(r) + "]")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lines is s as valid UTF-8 with every kind of line break made "\n".
func lines(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n",
		"\v", "\n", "\f", "\n").Replace(s)
}

// oneLine is s as valid UTF-8 with all whitespace folded to single spaces
// and trimmed.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// cut cuts s to at most n runes, the last an ellipsis (n <= 0: no cut).
func cut(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + Ellipsis
}

// Cut cuts s to at most n runes, the last an ellipsis (n <= 0: no cut).
func Cut(s string, n int) string { return cut(s, n) }

// CutBytes cuts s to at most n bytes at a rune boundary, the last three
// of them an ellipsis when it was cut (n <= 0: no cut), for limits that
// are counted in bytes, or whose unit is not said.
func CutBytes(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	i := n - len(Ellipsis)
	if i < 0 {
		return ""
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + Ellipsis
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}
