package markdowntest

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	nethtml "golang.org/x/net/html"
)

// Options say what the bot may write on purpose.
type Options struct {
	// LinkHosts are the hosts the bot links to on purpose (the catalogs'
	// pages, the forge itself).
	LinkHosts []string
	// Mentions are the handles the bot may mention on purpose (confirmed
	// owners), without the @.
	Mentions []string
	// References: the bot may reference issues (#12) on purpose.
	References bool
	// Canary is a word that only user text carries, at the start of each
	// of its lines: a heading that starts with it, or a <details> or
	// <summary> that holds it, was made by a user.
	Canary string
}

// botTags are the tags the bot's own Markdown renders to.
var botTags = map[string]bool{
	"p": true, "ul": true, "ol": true, "li": true, "strong": true, "em": true, "code": true, "pre": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "details": true, "summary": true,
	"sub": true, "hr": true, "br": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true,
	"td": true, "a": true, "input": true, "del": true,
}

var (
	mention   = regexp.MustCompile(`(^|[^\p{L}\p{N}_])@([\p{L}\p{N}_][\p{L}\p{N}_.-]*)`)
	reference = regexp.MustCompile(`(^|[^\p{L}\p{N}_])[#!][\p{N}]`)
	bareLink  = regexp.MustCompile(`(?i)://|www\.`)
)

var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))

// Problems lists what is not inert in body, a Markdown text the bot wrote.
func Problems(body string, o Options) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	for i, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "/") {
			add("line %d is a GitLab quick action: %q", i+1, l)
		}
	}
	for _, r := range body {
		if Invisible(r) {
			add("an invisible character U+%04X is passed on unmarked", r)
		}
	}

	var rendered bytes.Buffer
	if err := gfm.Convert([]byte(body), &rendered); err != nil {
		return append(out, "goldmark: "+err.Error())
	}
	z := nethtml.NewTokenizer(&rendered)
	var (
		inCode      int
		open        []string // the open tags
		text        strings.Builder
		details     int
		rowCells    int
		tableCells  = -1
		headingText strings.Builder
		inHeading   bool
	)
	allowedHost := map[string]bool{}
	for _, h := range o.LinkHosts {
		allowedHost[strings.ToLower(h)] = true
	}
	allowedMention := map[string]bool{}
	for _, m := range o.Mentions {
		allowedMention[strings.ToLower(m)] = true
	}
	checkText := func(s string) {
		for _, m := range mention.FindAllStringSubmatch(s, -1) {
			if !allowedMention[strings.ToLower(m[2])] {
				add("a live mention @%s in %q", m[2], s)
			}
		}
		if !o.References && reference.MatchString(s) {
			add("a live issue reference in %q", s)
		}
		if bareLink.MatchString(s) {
			add("a bare link in %q", s)
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			if details != 0 {
				add("<details> opened %d more times than closed", details)
			}
			return out
		case nethtml.CommentToken:
			// The bot's markers are comments; goldmark passes them on.
		case nethtml.TextToken:
			s := string(z.Text())
			if inHeading {
				headingText.WriteString(s)
			}
			if inCode == 0 {
				text.WriteString(s)
				checkText(s)
			}
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			if !botTags[tag] {
				add("HTML <%s> from user text", tag)
			}
			switch tag {
			case "a":
				u, err := url.Parse(attrs["href"])
				if err != nil || !allowedHost[strings.ToLower(u.Hostname())] {
					add("a link to %q", attrs["href"])
				}
			case "img":
				add("an image from %q", attrs["src"])
			case "code", "pre":
				inCode++
			case "details":
				details++
			case "h1", "h2", "h3", "h4", "h5", "h6":
				inHeading = true
				headingText.Reset()
			case "tr":
				rowCells = 0
			case "td", "th":
				rowCells++
			case "table":
				tableCells = -1
			case "input":
				if attrs["type"] != "checkbox" {
					add("an <input type=%q>", attrs["type"])
				}
			}
			if tt == nethtml.StartTagToken && tag != "input" && tag != "br" && tag != "hr" && tag != "img" {
				open = append(open, tag)
			}
			if o.Canary != "" && (tag == "details" || tag == "summary") {
				for _, v := range attrs {
					if strings.Contains(v, o.Canary) {
						add("a <%s> from user text", tag)
					}
				}
			}
		case nethtml.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "code", "pre":
				inCode--
			case "details":
				details--
				if details < 0 {
					add("</details> closes a block the bot did not open")
					details = 0
				}
			case "h1", "h2", "h3", "h4", "h5", "h6":
				inHeading = false
				// The bot's headings start with its own words or a path
				// (a system name may follow): a heading that starts with
				// the canary was made by a user.
				if o.Canary != "" && strings.HasPrefix(strings.TrimSpace(headingText.String()), o.Canary) {
					add("a heading from user text: %q", headingText.String())
				}
			case "tr":
				if tableCells < 0 {
					tableCells = rowCells
				} else if rowCells != tableCells {
					add("a table row with %d cells in a table of %d", rowCells, tableCells)
				}
			}
			if n := len(open); n > 0 {
				open = open[:n-1]
			}
		}
	}
}

// TitleProblems lists what is not inert in an issue or request title
// (plain text).
func TitleProblems(title string) []string {
	var out []string
	for _, r := range title {
		if Invisible(r) && r != '\u200b' {
			out = append(out, fmt.Sprintf("title carries U+%04X unmarked", r))
		}
	}
	if strings.ContainsAny(title, "\n\r") {
		out = append(out, "title spans lines")
	}
	if m := mention.FindStringSubmatch(title); m != nil {
		out = append(out, "title mentions @"+m[2])
	}
	return out
}

// Invisible reports whether r is a character a reader does not see (a
// control other than a line break or tab, a format character such as a
// bidirectional override or a zero-width space).
func Invisible(r rune) bool {
	if r == '\n' || r == '\t' || r == '\r' {
		return false
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}
