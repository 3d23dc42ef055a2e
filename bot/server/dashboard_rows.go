package server

import (
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
)

// The mitigations table is written here rather than by html/template: with
// ten thousand rows, the template's reflection took most of the page's
// time (about 150 ms of 450). Every value goes through html.EscapeString
// (text and double-quoted attributes), and an issue link is only made of an
// http(s) URL.

// rowClass is a mitigation row's class: done, overdue, stale (issue closed,
// model not updated) or open.
func rowClass(r *mitigationRow) string {
	switch {
	case r.Done:
		return "done"
	case r.Overdue:
		return "overdue"
	case r.HumanClosed:
		return "stale"
	}
	return "open"
}

// safeURL is u when it is an absolute http(s) URL, else "".
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return u
}

// mitigationRows renders the rows of the mitigations table.
func mitigationRows(rows []mitigationRow) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 800)
	esc := html.EscapeString
	for i := range rows {
		r := &rows[i]
		b.WriteString(`<tr class="`)
		b.WriteString(rowClass(r))
		b.WriteString(`" data-key="`)
		b.WriteString(esc(r.Key))
		b.WriteString(`" data-repo="`)
		b.WriteString(esc(r.RepoKey))
		b.WriteString(`"><td><span class="risk risk-`)
		b.WriteString(esc(r.Risk))
		b.WriteString(`">`)
		b.WriteString(esc(r.Risk))
		b.WriteString("</span></td>\n<td>")
		b.WriteString(esc(r.Title))
		b.WriteString(`<br><span class="id">`)
		b.WriteString(esc(r.Key))
		b.WriteString(`</span> <span class="path">`)
		b.WriteString(esc(r.Path))
		b.WriteString(`</span></td><td>`)
		b.WriteString(esc(r.Repo))
		b.WriteString(`</td><td>`)
		b.WriteString(esc(r.Owner))
		b.WriteString(`</td><td>`)
		b.WriteString(esc(strings.ReplaceAll(r.Status, "_", " ")))
		b.WriteString("</td>\n<td>")
		if r.Issue != 0 {
			if u := safeURL(r.IssueURL); u != "" {
				b.WriteString(`<a href="`)
				b.WriteString(esc(u))
				b.WriteString(`">#`)
				b.WriteString(strconv.Itoa(r.Issue))
				b.WriteString(`</a> `)
			} else {
				b.WriteString("#" + strconv.Itoa(r.Issue) + " ")
			}
			b.WriteString(esc(r.IssueState))
		}
		if r.HumanClosed {
			b.WriteString(`<br><span class="tag stale">issue closed, model not updated</span>`)
		}
		if r.Done {
			b.WriteString(`<br><span class="tag done">done</span>`)
		}
		b.WriteString("</td>\n<td>")
		b.WriteString(esc(r.Due))
		if r.Overdue {
			b.WriteString(`<br><span class="tag overdue">Overdue by `)
			b.WriteString(strconv.Itoa(r.DaysOverdue))
			if r.DaysOverdue == 1 {
				b.WriteString(` day</span>`)
			} else {
				b.WriteString(` days</span>`)
			}
		}
		b.WriteString(`</td><td class="num">`)
		b.WriteString(strconv.Itoa(r.AgeDays))
		b.WriteString(" d</td></tr>\n")
	}
	return template.HTML(b.String())
}
