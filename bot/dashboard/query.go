package dashboard

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/model"
)

// filters narrow what the dashboard shows, and say how a list is sorted
// and which page of it is shown. Every value comes from the query string
// ("" for any); parseFilters bounds them.
type filters struct {
	Repo   string `json:"repo,omitempty"`
	Risk   string `json:"risk,omitempty"`
	Owner  string `json:"owner,omitempty"`
	Status string `json:"status,omitempty"`
	Vendor string `json:"vendor,omitempty"`
	// Plan: planned or unplanned (threats).
	Plan string `json:"plan,omitempty"`
	// Over: only what is over its target time.
	Over bool `json:"over,omitempty"`
	// State: valid or invalid (models); Expiring: only acceptances that
	// lapse within expiringWithin days (accepted risks).
	State    string `json:"state,omitempty"`
	Expiring bool   `json:"expiring,omitempty"`
	// Q is free text, matched without case against a row's words.
	Q string `json:"q,omitempty"`
	// Sort is a column of the list, Desc its direction; Page counts from
	// 1, PerPage rows per page (0: the default).
	Sort    string `json:"sort,omitempty"`
	Desc    bool   `json:"desc,omitempty"`
	Page    int    `json:"page,omitempty"`
	PerPage int    `json:"per_page,omitempty"`
}

// Bounds of the query string.
const (
	maxFilterLen   = 200 // characters of a free-text or name filter
	maxPage        = 100000
	maxPerPage     = 500
	defaultPerPage = 50
)

// sortKeys are the columns a list may be sorted by.
var sortKeys = []string{"risk", "age", "due", "repo", "owner", "title", "system", "vendor", "issue", "status", "open", "until", "path"}

// parseFilters reads the filters from a query; a value out of its set or
// its bounds is an error that says which.
func parseFilters(q url.Values) (filters, error) {
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := filters{Repo: get("repo"), Risk: get("risk"), Owner: get("owner"), Status: get("status"), Vendor: get("vendor"),
		Plan: get("plan"), State: get("state"), Q: get("q"), Sort: get("sort")}
	for k, v := range map[string]string{"repo": f.Repo, "owner": f.Owner, "vendor": f.Vendor, "q": f.Q} {
		if utf8.RuneCountInString(v) > maxFilterLen || !utf8.ValidString(v) {
			return f, fmt.Errorf("%s is longer than %d characters, or not UTF-8", k, maxFilterLen)
		}
	}
	if f.Risk != "" && model.Risk(f.Risk).Rank() == 0 {
		return f, fmt.Errorf("unknown risk %q: use low, medium, high or critical", f.Risk)
	}
	if f.Status != "" && !slices.ContainsFunc(statuses, func(o statusOption) bool { return o.Value == f.Status }) {
		return f, fmt.Errorf("unknown status %q: use planned, in_progress, open, overdue, human_closed or done", f.Status)
	}
	if f.Plan != "" && f.Plan != "planned" && f.Plan != "unplanned" {
		return f, fmt.Errorf("unknown plan %q: use planned or unplanned", f.Plan)
	}
	if f.State != "" && f.State != "valid" && f.State != "invalid" {
		return f, fmt.Errorf("unknown state %q: use valid or invalid", f.State)
	}
	if f.Sort != "" && !slices.Contains(sortKeys, f.Sort) {
		return f, fmt.Errorf("unknown sort %q: use one of %s", f.Sort, strings.Join(sortKeys, ", "))
	}
	var err error
	if f.Over, err = flag(q, "over"); err != nil {
		return f, err
	}
	if f.Expiring, err = flag(q, "expiring"); err != nil {
		return f, err
	}
	switch d := get("dir"); d {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		return f, fmt.Errorf("unknown dir %q: use asc or desc", d)
	}
	if f.Page, err = number(q, "page", maxPage); err != nil {
		return f, err
	}
	if f.PerPage, err = number(q, "per_page", maxPerPage); err != nil {
		return f, err
	}
	return f, nil
}

func flag(q url.Values, k string) (bool, error) {
	switch v := strings.TrimSpace(q.Get(k)); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, fmt.Errorf("%s must be 1 or 0", k)
	}
}

func number(q url.Values, k string, most int) (int, error) {
	v := strings.TrimSpace(q.Get(k))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, fmt.Errorf("%s must be a number from 1 to %d", k, most)
	}
	return n, nil
}

// values is the filters as a query (what is set only).
func (f filters) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"repo", f.Repo}, {"risk", f.Risk}, {"owner", f.Owner}, {"status", f.Status},
		{"vendor", f.Vendor}, {"plan", f.Plan}, {"state", f.State}, {"q", f.Q}, {"sort", f.Sort}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if f.Over {
		v.Set("over", "1")
	}
	if f.Expiring {
		v.Set("expiring", "1")
	}
	if f.Desc {
		v.Set("dir", "desc")
	}
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	if f.PerPage != 0 {
		v.Set("per_page", strconv.Itoa(f.PerPage))
	}
	return v
}

// query is the filters as a query string ("" when none).
func (f filters) query() string { return f.values().Encode() }

// Any reports whether a filter that narrows is set (not the sort or the
// page).
func (f filters) Any() bool {
	f.Sort, f.Desc, f.Page, f.PerPage = "", false, 0, 0
	return f != filters{}
}

// href is path with the filters.
func (f filters) href(path string) string {
	if q := f.query(); q != "" {
		return path + "?" + q
	}
	return path
}

// matchText reports whether every word of q is in one of fields (without
// case). Fields are lowered by the caller once per row.
func matchText(q string, fields ...string) bool {
	if q == "" {
		return true
	}
	for _, w := range strings.Fields(strings.ToLower(q)) {
		found := false
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// page is one page of a list.
type page struct {
	Number, Pages, PerPage, Total, From, To int
	Prev, Next                              string // links, "" at the ends
}

// paginate cuts rows to f's page, and describes the page with links
// to the neighbours under path.
func paginate[T any](rows []T, f filters, path string) ([]T, page) {
	per := f.PerPage
	if per == 0 {
		per = defaultPerPage
	}
	p := page{PerPage: per, Total: len(rows), Pages: max(1, (len(rows)+per-1)/per)}
	p.Number = min(max(1, f.Page), p.Pages)
	from := (p.Number - 1) * per
	to := min(len(rows), from+per)
	if from < to {
		p.From, p.To = from+1, to
	}
	if p.Number > 1 {
		g := f
		g.Page = p.Number - 1
		p.Prev = g.href(path)
	}
	if p.Number < p.Pages {
		g := f
		g.Page = p.Number + 1
		p.Next = g.href(path)
	}
	return rows[from:to], p
}

// sortHeader is a sortable column's header: a link that sorts by it
// (descending first for numbers and risk), and its aria-sort.
type sortHeader struct {
	Label, URL, Aria, Class string
}

// header makes the header of column key under path; numeric columns sort
// high to low first.
func (f filters) header(path, key, label string, numeric bool) sortHeader {
	g := f
	g.Page = 0
	h := sortHeader{Label: label, Aria: "none"}
	if numeric {
		h.Class = "num"
	}
	if f.Sort == key {
		g.Desc = !f.Desc
		h.Aria = "ascending"
		if f.Desc {
			h.Aria = "descending"
		}
	} else {
		g.Sort, g.Desc = key, numeric
	}
	h.URL = g.href(path)
	return h
}

// cmpDir applies f's direction to a comparison.
func (f filters) cmpDir(c int) int {
	if f.Desc {
		return -c
	}
	return c
}
