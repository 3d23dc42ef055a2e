package dashboard

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// The dashboard's pages (views.html): the overview, the four lists, a page
// per vendor and a page per repository. Every value reaches the page
// through html/template, which escapes it for where it is written.

type navItem struct {
	Label, URL string
	Current    bool
}

// baseView is what every page has.
type baseView struct {
	CSS       template.CSS
	Title     string
	Generated string
	Nav       []navItem
	Targets   Targets
}

// formView is a list's filter form: the fields with choices are shown.
type formView struct {
	Action                                                 string
	Q                                                      string
	Repos, Vendors, Owners, Risks, Statuses, Plans, States []option
	ShowOver, Over, ShowExpiring, Expiring                 bool
	Sort, Dir                                              string
	Clear                                                  string
	Filtered                                               bool
}

// listView is a list page.
type listView struct {
	baseView
	Form        formView
	Page        page
	H           map[string]sortHeader
	CSVURL      string
	JSONURL     string
	Threats     []threatRow
	Mitigations []mitigationRow
	Models      []systemRow
	Accepted    []acceptedRow
}

func (d *Dashboard) env() dashEnv {
	return dashEnv{now: d.now(), targets: d.targets, links: d.links}
}

func (d *Dashboard) base(title, current string) baseView {
	b := baseView{CSS: template.CSS(dashboardCSS), Title: title, Generated: d.now().UTC().Format("2006-01-02 15:04"),
		Targets: d.targets}
	for _, n := range [][2]string{{"Overview", "/dashboard"}, {"Threats", "/dashboard/threats"},
		{"Mitigations", "/dashboard/mitigations"}, {"Models", "/dashboard/models"}, {"Accepted risks", "/dashboard/accepted"},
		{"Vendors", "/dashboard/vendors"}} {
		b.Nav = append(b.Nav, navItem{Label: n[0], URL: n[1], Current: n[1] == current})
	}
	return b
}

// render writes a page template.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, name string, v any) {
	var buf bytes.Buffer
	if err := dashboardTmpl.ExecuteTemplate(&buf, name, v); err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// pageInput reads a page's filters and the store's rows; false when it
// has answered (400 or 500).
func (d *Dashboard) pageInput(w http.ResponseWriter, r *http.Request) (filters, *workData, bool) {
	return d.input(w, r, func(err error) { http.Error(w, err.Error(), http.StatusBadRequest) })
}

func options(values []string, selected string, label func(string) string) []option {
	out := make([]option, 0, len(values))
	for _, v := range values {
		l := v
		if label != nil {
			l = label(v)
		}
		out = append(out, option{Value: v, Label: l, Selected: v == selected})
	}
	return out
}

// form is the filter form of a list at path, with the fields named in
// fields (repo, vendor, owner, risk, status, plan, state, over, expiring).
func form(path string, f filters, c choices, fields ...string) formView {
	fv := formView{Action: path, Q: f.Q, Sort: f.Sort, Clear: path, Filtered: f.Any()}
	if f.Desc {
		fv.Dir = "desc"
	}
	for _, k := range fields {
		switch k {
		case "repo":
			fv.Repos = options(c.Repos, f.Repo, repoName)
		case "vendor":
			fv.Vendors = options(c.Vendors, f.Vendor, nil)
		case "owner":
			fv.Owners = options(c.Owners, f.Owner, nil)
		case "risk":
			fv.Risks = options(risks, f.Risk, nil)
		case "status":
			for _, s := range statuses {
				fv.Statuses = append(fv.Statuses, option{Value: s.Value, Label: s.Label, Selected: s.Value == f.Status})
			}
		case "plan":
			fv.Plans = []option{{"unplanned", "No mitigation planned", f.Plan == "unplanned"}, {"planned", "A mitigation planned", f.Plan == "planned"}}
		case "state":
			fv.States = []option{{"invalid", "Invalid", f.State == "invalid"}, {"valid", "Valid", f.State == "valid"}}
		case "over":
			fv.ShowOver, fv.Over = true, f.Over
		case "expiring":
			fv.ShowExpiring, fv.Expiring = true, f.Expiring
		}
	}
	return fv
}

func headers(path string, f filters, cols ...string) map[string]sortHeader {
	h := map[string]sortHeader{}
	for i := 0; i+2 < len(cols); i += 3 {
		h[cols[i]] = f.header(path, cols[i], cols[i+1], cols[i+2] == "n")
	}
	return h
}

func exportURLs(api string, f filters) (csvURL, jsonURL string) {
	g := f
	g.Page, g.PerPage = 0, 0
	return g.href(api + ".csv"), g.href(api)
}

func (d *Dashboard) handleThreatsPage(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.pageInput(w, r)
	if !ok {
		return
	}
	const path = "/dashboard/threats"
	v := listView{baseView: d.base("Open threats", path),
		Form: form(path, f, data.choices(), "repo", "vendor", "owner", "risk", "plan", "over"),
		H: headers(path, f, "risk", "Risk", "n", "title", "Threat", "", "system", "System", "", "repo", "Repository", "",
			"vendor", "Vendor", "", "age", "Age", "n")}
	v.Threats, v.Page = pageOf(threatList(data.Threats, f), f, path)
	v.CSVURL, v.JSONURL = exportURLs("/api/v1/threats", f)
	d.render(w, r, "threats", v)
}

func (d *Dashboard) handleMitigationsPage(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.pageInput(w, r)
	if !ok {
		return
	}
	const path = "/dashboard/mitigations"
	v := listView{baseView: d.base("Mitigations", path),
		Form: form(path, f, data.choices(), "repo", "vendor", "owner", "risk", "status", "over"),
		H: headers(path, f, "risk", "Risk", "n", "title", "Mitigation", "", "repo", "Repository", "", "vendor", "Vendor", "", "owner", "Owner", "",
			"status", "Status", "", "issue", "Issue", "n", "due", "Due", "", "age", "Age", "n")}
	v.Mitigations, v.Page = pageOf(mitigationList(data.Mitigations, f), f, path)
	v.CSVURL, v.JSONURL = exportURLs("/api/v1/mitigations", f)
	d.render(w, r, "mitigations", v)
}

func (d *Dashboard) handleModelsPage(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.pageInput(w, r)
	if !ok {
		return
	}
	const path = "/dashboard/models"
	v := listView{baseView: d.base("Models", path), Form: form(path, f, data.choices(), "repo", "vendor", "owner", "risk", "state", "over"),
		H: headers(path, f, "system", "System", "", "owner", "Owner", "", "vendor", "Vendor", "", "repo", "Repository and file", "",
			"open", "Open threats", "n")}
	v.Models, v.Page = pageOf(modelList(data.Models, f), f, path)
	v.CSVURL, v.JSONURL = exportURLs("/api/v1/systems", f)
	d.render(w, r, "models", v)
}

func (d *Dashboard) handleAcceptedPage(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.pageInput(w, r)
	if !ok {
		return
	}
	const path = "/dashboard/accepted"
	v := listView{baseView: d.base("Accepted risks", path), Form: form(path, f, data.choices(), "repo", "vendor", "risk", "expiring"),
		H: headers(path, f, "until", "Expires", "", "risk", "Risk", "n", "title", "Threat", "", "repo", "Repository", "")}
	v.Accepted, v.Page = pageOf(acceptedList(data.Accepted, f), f, path)
	v.CSVURL, v.JSONURL = exportURLs("/api/v1/accepted-risks", f)
	d.render(w, r, "accepted", v)
}

// overviewView is the overview page, and (with Vendor or Repo set) the
// page of a vendor or a repository.
type overviewView struct {
	baseView
	O           overview
	Form        formView
	Chart       template.HTML
	HistoryDays int
	// ExpiringWithin: days ahead an acceptance counts as expiring.
	ExpiringWithin int
	TargetsByRisk  map[string]int
	Vendor         string
	Repo           *repoLine
	Models         []systemRow
	Work           []mitigationRow // overdue or over target, most urgent first
	WorkMore       string
	Issues         []mitigationRow // open tracking issues (repository page)
	IssuesMore     string
}

// overviewPage serves the overview, a vendor's page or a repository's.
func (d *Dashboard) overviewPage(w http.ResponseWriter, r *http.Request, f filters, data *workData, title, current string) {
	v := overviewView{baseView: d.base(title, current), O: buildOverview(data, f), HistoryDays: historyDays, Vendor: f.Vendor,
		ExpiringWithin: expiringWithin, TargetsByRisk: map[string]int{}}
	for _, r := range risks {
		v.TargetsByRisk[r] = d.targets.For(r)
	}
	v.Form = form("/dashboard", scope(f), data.choices(), "repo", "vendor")
	points, err := loadHistory(r.Context(), d.store, filters{Repo: f.Repo}, d.now(), historyDays)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if f.Vendor == "" {
		v.Chart = riskChart(points)
	}
	if f.Vendor != "" || f.Repo != "" {
		s := scope(f)
		v.Models = values(modelList(data.Models, s))
		urgent := s
		urgent.Status = "overdue"
		v.Work = values(mitigationList(data.Mitigations, urgent))
		if len(v.Work) > 20 {
			v.Work, v.WorkMore = v.Work[:20], urgent.href("/dashboard/mitigations")
		}
	}
	if f.Repo != "" {
		for _, l := range v.O.Repos {
			if l.Key == f.Repo {
				v.Repo = &l
			}
		}
		if v.Repo == nil {
			// Not a repository tmbot knows: no link to the forge.
			v.Repo = &repoLine{Key: f.Repo, Name: repoName(f.Repo)}
		}
		open := scope(f)
		open.Status = "open"
		v.Issues = values(mitigationList(data.Mitigations, open))
		if len(v.Issues) > 50 {
			v.Issues, v.IssuesMore = v.Issues[:50], open.href("/dashboard/mitigations")
		}
	}
	d.render(w, r, "overview", v)
}

func (d *Dashboard) handleOverview(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.pageInput(w, r)
	if !ok {
		return
	}
	d.overviewPage(w, r, f, data, "What needs attention", "/dashboard")
}

func (d *Dashboard) handleVendorPage(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.pageInput(w, r)
	if !ok {
		return
	}
	if f.Vendor == "" {
		http.Redirect(w, r, "/dashboard/vendors", http.StatusSeeOther)
		return
	}
	d.overviewPage(w, r, filters{Vendor: f.Vendor}, data, "Vendor: "+f.Vendor, "/dashboard/vendors")
}

func (d *Dashboard) handleRepoPage(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.pageInput(w, r)
	if !ok {
		return
	}
	if f.Repo == "" {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	d.overviewPage(w, r, filters{Repo: f.Repo}, data, "Repository: "+repoName(f.Repo), "")
}

// vendorsView lists the vendors.
type vendorsView struct {
	baseView
	Vendors []vendorLine
}

func (d *Dashboard) handleVendorsPage(w http.ResponseWriter, r *http.Request) {
	_, data, ok := d.pageInput(w, r)
	if !ok {
		return
	}
	d.render(w, r, "vendors", vendorsView{baseView: d.base("Vendors", "/dashboard/vendors"), Vendors: buildOverview(data, filters{}).Vendors})
}

// dashboardFuncs are the templates' helpers.
var dashboardFuncs = template.FuncMap{
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	"neg": func(p *int) int {
		if p == nil {
			return 0
		}
		return -*p
	},
	"human":    func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"rowClass": rowClass,
	"repoURL": func(k string) string {
		return "/dashboard/repo?" + url.Values{"repo": {k}}.Encode()
	},
	"vendorURL": func(v string) string {
		return "/dashboard/vendor?" + url.Values{"vendor": {v}}.Encode()
	},
}

// pageOf is f's page of a list's rows, copied.
func pageOf[T any](rows []*T, f filters, path string) ([]T, page) {
	cut, p := paginate(rows, f, path)
	return values(cut), p
}
