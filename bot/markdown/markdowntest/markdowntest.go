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
	c := newChecker(o)
	for i, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "/") {
			c.add("line %d is a GitLab quick action: %q", i+1, l)
		}
	}
	for _, r := range body {
		if Invisible(r) {
			c.add("an invisible character U+%04X is passed on unmarked", r)
		}
	}

	var rendered bytes.Buffer
	if err := gfm.Convert([]byte(body), &rendered); err != nil {
		return append(c.out, "goldmark: "+err.Error())
	}
	z := nethtml.NewTokenizer(&rendered)
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			if c.details != 0 {
				c.add("<details> opened %d more times than closed", c.details)
			}
			return c.out
		case nethtml.CommentToken:
			// The bot's markers are comments; goldmark passes them on.
		case nethtml.TextToken:
			s := string(z.Text())
			if c.inHeading {
				c.headingText.WriteString(s)
			}
			if c.inCode == 0 {
				c.checkText(s)
			}
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			c.startTag(z, tt == nethtml.StartTagToken)
		case nethtml.EndTagToken:
			c.endTag(z)
		}
	}
}

// checker is Problems' state while it reads the rendered HTML.
type checker struct {
	o              Options
	out            []string
	allowedHost    map[string]bool
	allowedMention map[string]bool

	inCode      int
	open        []string // the open tags
	details     int
	rowCells    int
	tableCells  int // -1 until a table's first row ends
	headingText strings.Builder
	inHeading   bool
}

func newChecker(o Options) *checker {
	c := &checker{o: o, tableCells: -1, allowedHost: map[string]bool{}, allowedMention: map[string]bool{}}
	for _, h := range o.LinkHosts {
		c.allowedHost[strings.ToLower(h)] = true
	}
	for _, m := range o.Mentions {
		c.allowedMention[strings.ToLower(m)] = true
	}
	return c
}

func (c *checker) add(format string, args ...any) {
	c.out = append(c.out, fmt.Sprintf(format, args...))
}

// checkText checks text outside code: live mentions, issue references,
// bare links.
func (c *checker) checkText(s string) {
	for _, m := range mention.FindAllStringSubmatch(s, -1) {
		if !c.allowedMention[strings.ToLower(m[2])] {
			c.add("a live mention @%s in %q", m[2], s)
		}
	}
	if !c.o.References && reference.MatchString(s) {
		c.add("a live issue reference in %q", s)
	}
	if bareLink.MatchString(s) {
		c.add("a bare link in %q", s)
	}
}

// startTag checks an opening (or self-closing) tag: one the bot does not
// render, a link to another host, an image, an input other than a
// checkbox, a details or summary holding the canary.
func (c *checker) startTag(z *nethtml.Tokenizer, start bool) {
	name, hasAttr := z.TagName()
	tag := string(name)
	attrs := map[string]string{}
	for hasAttr {
		var k, v []byte
		k, v, hasAttr = z.TagAttr()
		attrs[string(k)] = string(v)
	}
	if !botTags[tag] {
		c.add("HTML <%s> from user text", tag)
	}
	switch tag {
	case "a":
		u, err := url.Parse(attrs["href"])
		if err != nil || !c.allowedHost[strings.ToLower(u.Hostname())] {
			c.add("a link to %q", attrs["href"])
		}
	case "img":
		c.add("an image from %q", attrs["src"])
	case "code", "pre":
		c.inCode++
	case "details":
		c.details++
	case "h1", "h2", "h3", "h4", "h5", "h6":
		c.inHeading = true
		c.headingText.Reset()
	case "tr":
		c.rowCells = 0
	case "td", "th":
		c.rowCells++
	case "table":
		c.tableCells = -1
	case "input":
		if attrs["type"] != "checkbox" {
			c.add("an <input type=%q>", attrs["type"])
		}
	}
	if start && tag != "input" && tag != "br" && tag != "hr" && tag != "img" {
		c.open = append(c.open, tag)
	}
	if c.o.Canary != "" && (tag == "details" || tag == "summary") {
		for _, v := range attrs {
			if strings.Contains(v, c.o.Canary) {
				c.add("a <%s> from user text", tag)
			}
		}
	}
}

// endTag checks a closing tag: a details the bot did not open, a heading
// that starts with the canary, a table row with another number of cells.
func (c *checker) endTag(z *nethtml.Tokenizer) {
	name, _ := z.TagName()
	tag := string(name)
	switch tag {
	case "code", "pre":
		c.inCode--
	case "details":
		c.details--
		if c.details < 0 {
			c.add("</details> closes a block the bot did not open")
			c.details = 0
		}
	case "h1", "h2", "h3", "h4", "h5", "h6":
		c.inHeading = false
		// The bot's headings start with its own words or a path
		// (a system name may follow): a heading that starts with
		// the canary was made by a user.
		if c.o.Canary != "" && strings.HasPrefix(strings.TrimSpace(c.headingText.String()), c.o.Canary) {
			c.add("a heading from user text: %q", c.headingText.String())
		}
	case "tr":
		if c.tableCells < 0 {
			c.tableCells = c.rowCells
		} else if c.rowCells != c.tableCells {
			c.add("a table row with %d cells in a table of %d", c.rowCells, c.tableCells)
		}
	}
	if n := len(c.open); n > 0 {
		c.open = c.open[:n-1]
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
