package markdown

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	nethtml "golang.org/x/net/html"
)

// The fuzz targets render the escaped text with a real CommonMark + GFM
// parser (goldmark, with tables, strike-through, task lists and bare-URL
// links, raw HTML passed through) and check the HTML it gives: only the
// tags the surrounding Markdown makes, and text that a forge would not
// turn into a mention, a reference or a link. Their seeds (below and in
// testdata/fuzz) run with every go test.

// hostile are inputs each of which was markup before escaping.
var hostile = []string{
	"", " ", "plain words", "@alice please look", "@all", "cc @org/team and @here", "mail me: a@b.example",
	"[click](https://evil.example)", "![img](https://evil.example/x.png)", "<img src=x onerror=alert(1)>",
	"</details><script>alert(1)</script>", "# Heading", "## Heading ##", "Title\n===", "Title\n---", "---",
	"/close", "/close\n/label ~bug", "  /assign @me", "https://evil.example/login", "www.evil.example",
	"WWW.EVIL.EXAMPLE/x", "<https://evil.example>", "<a@b.example>", "mailto:a@b.example",
	"a | b | c", "|---|---|", "> quoted", "- item", "+ item", "* item", "1. item", "12) item", "    code",
	"```\ncode\n```", "~~~\ncode", "`code`", "``", "\\", "trailing \\", "*em* _em_ **strong** ~~del~~",
	"&amp; &#64;alice &lt;b&gt;", "#12 and owner/repo#34 and !5 and ~label and %milestone and $snippet",
	"safe\u202eevil\u202c text", "zero\u200bwidth\u200d\ufeff", "ctrl\x00\x1b[31mred", "line\u2028sep\u2029para",
	"bad utf8 \xff\xfe", "[x] task", "- [ ] task", "<!-- comment -->", "<details open>", "javascript:alert(1)",
	"[ref]: https://evil.example", "[ref]", "foo  \nbar", "=== not heading", "$$\nx\n$$", "{+ added +} [- removed -]",
	":smile: @-dash @_under", "a\tb", "\u00a0/close", "1.", "#", "@", "www.", "://",
}

var goldmarkGFM = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))

// render gives the tags and the text (entities decoded) of md as HTML.
func render(t *testing.T, md string) (tags []string, text string) {
	t.Helper()
	var out bytes.Buffer
	if err := goldmarkGFM.Convert([]byte(md), &out); err != nil {
		t.Fatalf("render %q: %v", md, err)
	}
	z := nethtml.NewTokenizer(&out)
	var b strings.Builder
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return tags, b.String()
		case nethtml.TextToken:
			b.Write(z.Text())
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			name, _ := z.TagName()
			tags = append(tags, string(name))
		case nethtml.EndTagToken:
			name, _ := z.TagName()
			tags = append(tags, "/"+string(name))
		case nethtml.CommentToken:
			tags = append(tags, "<!--")
		}
	}
}

var (
	// mention: what GitHub and GitLab take for a user mention.
	mention = regexp.MustCompile(`@[\p{L}\p{N}_]`)
	// reference: an issue, merge request, label, milestone, snippet,
	// alert or epic reference.
	reference = regexp.MustCompile(`[#!~%$^&][\p{L}\p{N}_"]`)
	// link: a URL or address a forge links by itself.
	link = regexp.MustCompile(`(?i)://|www\.`)
)

// checkText fails when the rendered text could notify, reference or link,
// or carries an invisible character other than the bot's own zero-width
// space after a sigil or in "://" and "www.".
func checkText(t *testing.T, in, md, text string) {
	t.Helper()
	for _, re := range []*regexp.Regexp{mention, reference, link} {
		if loc := re.FindStringIndex(text); loc != nil {
			t.Errorf("input %q: output %q renders %q, which a forge makes live", in, md, text[loc[0]:loc[1]])
		}
	}
	rs := []rune(text)
	for i, r := range rs {
		if r == '\n' {
			continue
		}
		if r == '\u200b' {
			prev := ""
			if i > 0 {
				prev = string(rs[i-1])
			}
			if i >= 3 {
				prev = string(rs[i-3 : i])
			}
			if !strings.ContainsAny(prev[len(prev)-1:], sigils+":") && !strings.EqualFold(prev, "www") {
				t.Errorf("input %q: output %q has a zero-width space after %q", in, md, prev)
			}
			continue
		}
		if invisible(r) {
			t.Errorf("input %q: output %q carries U+%04X unmarked", in, md, r)
		}
	}
}

// checkLines fails when a line of md would be a GitLab quick action.
func checkLines(t *testing.T, in, md string) {
	t.Helper()
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "/") {
			t.Errorf("input %q: output %q has a line that GitLab runs as a quick action: %q", in, md, l)
		}
	}
}

func checkTags(t *testing.T, in, md string, tags []string, allowed ...string) {
	t.Helper()
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a], ok["/"+a] = true, true
	}
	for _, tag := range tags {
		if !ok[tag] {
			t.Errorf("input %q: output %q renders as <%s> (all tags: %v)", in, md, tag, tags)
			return
		}
	}
}

// visible is what a reader should see of s on one line: the text with
// invisible characters marked.
func visible(s string) string { return markInvisible(oneLine(s)) }

func addSeeds(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
}

func FuzzMarkdownText(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s, 0)
		if strings.Contains(out, "\n") {
			t.Fatalf("input %q: Text %q spans lines", s, out)
		}
		// Alone, where it starts a line: a paragraph and the same text.
		tags, text := render(t, out)
		checkTags(t, s, out, tags, "p")
		checkText(t, s, out, text)
		checkLines(t, s, out)
		if got, want := strings.TrimSpace(strings.ReplaceAll(text, "\u200b", "")), visible(s); got != want {
			t.Errorf("input %q: output %q reads %q, want %q", s, out, got, want)
		}
		// As a list item, under a paragraph (a setext heading?), and
		// inside a <details> block, which it must not close.
		for _, c := range []struct {
			md   string
			tags []string
		}{
			{"- " + out + "\n- next\n", []string{"ul", "li"}},
			{"Intro line\n" + out + "\n", []string{"p"}},
			{"**" + out + "** (`x`)\n", []string{"p", "strong", "code"}},
			{"<details>\n<summary>Sum</summary>\n\n" + out + "\n\n</details>\n", []string{"details", "summary", "p"}},
		} {
			tags, text := render(t, c.md)
			checkTags(t, s, c.md, tags, c.tags...)
			checkText(t, s, c.md, text)
			checkLines(t, s, c.md)
			if n := strings.Count(strings.Join(tags, " "), "/details"); strings.Contains(c.md, "<details>") && n != 1 {
				t.Errorf("input %q: %q closes <details> %d times", s, c.md, n)
			}
		}
	})
}

func FuzzMarkdownParagraph(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		out := Paragraph(s, 0)
		tags, text := render(t, out)
		checkTags(t, s, out, tags, "p")
		checkText(t, s, out, text)
		checkLines(t, s, out)
		got := strings.Join(strings.Fields(strings.ReplaceAll(text, "\u200b", "")), " ")
		want := strings.Join(strings.Fields(markInvisible(lines(s))), " ")
		if got != want {
			t.Errorf("input %q: output %q reads %q, want %q", s, out, got, want)
		}
	})
}

func FuzzMarkdownCell(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		md := "| a | b | c |\n|---|---|---|\n| " + Cell(s, 0) + " | " + CellCode(s, 0) + " | end |\n"
		tags, text := render(t, md)
		checkTags(t, s, md, tags, "table", "thead", "tbody", "tr", "th", "td", "code")
		// The code cell is not checked for mentions and links (code spans
		// have none), so check the text cell and the cell count only.
		if n := strings.Count(strings.Join(tags, " "), "/td"); n != 3 {
			t.Errorf("input %q: row %q has %d cells, want 3 (tags %v)", s, md, n, tags)
		}
		_, cell := render(t, Cell(s, 0))
		checkText(t, s, Cell(s, 0), cell)
		if !strings.Contains(text, "end") {
			t.Errorf("input %q: row %q lost its last cell", s, md)
		}
	})
}

func FuzzMarkdownFence(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		md := Fence(s, "yaml") + "\nafter\n"
		tags, text := render(t, md)
		checkTags(t, s, md, tags, "pre", "code", "p")
		if got := strings.Join(tags, " "); got != "pre code /code /pre p /p" {
			t.Errorf("input %q: fence %q renders as %v", s, md, got)
		}
		if !strings.HasSuffix(strings.TrimSpace(text), "after") {
			t.Errorf("input %q: fence %q does not end before the text after it", s, md)
		}
		checkLines(t, s, md)
		for _, r := range text {
			if invisible(r) && r != '\n' {
				t.Errorf("input %q: fence %q carries U+%04X unmarked", s, md, r)
			}
		}
	})
}

func TestMentionOnlyPlainHandles(t *testing.T) {
	for in, want := range map[string]string{
		"alice": "@alice", "@alice": "@alice", "a-b_c.d": "@a-b_c.d",
		"@org/team": "`@org/team`", "all": "`@all`", "@here": "`@here`", "x](y)": "`@x](y)`", "": "`@`",
	} {
		if got := Mention(in); got != want {
			t.Errorf("Mention(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTitleIsPlainAndBounded(t *testing.T) {
	got := Title("Fix @all\u202e now\n"+strings.Repeat("x", 300), 255)
	if strings.ContainsRune(got, '\u202e') || strings.Contains(got, "\n") || strings.Contains(got, "@all") {
		t.Errorf("Title = %q: a live mention, an override or a line break", got)
	}
	if n := len([]rune(got)); n > 255 {
		t.Errorf("Title has %d runes, want at most 255", n)
	}
	if !strings.Contains(got, "[U+202E]") {
		t.Errorf("Title = %q does not mark the override", got)
	}
}

func TestPlainMarksInvisible(t *testing.T) {
	if got, want := Plain("a\u202eb\r\nc\u200b"), "a[U+202E]b\nc[U+200B]"; got != want {
		t.Errorf("Plain = %q, want %q", got, want)
	}
	if got := unicode.Is(unicode.Cf, '\u2066'); !got || !invisible('\u2066') {
		t.Errorf("U+2066 should be invisible")
	}
}
