package server

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/tmbot/tmbot/bot/store"
)

// The overview answers "what needs me now": open threats by risk, with
// and without a plan and over their target time; overdue mitigations;
// acceptances that lapse; invalid models. Every number links to the list
// it counts.

// riskLine is one risk's open threats on the overview.
type riskLine struct {
	Risk                              string
	Unplanned, Planned, Over          int
	UnplannedURL, PlannedURL, OverURL string
}

// repoLine is a repository on the overview and the vendor pages.
type repoLine struct {
	Key, Name, URL, Web                       string
	Open                                      store.RiskCounts
	Unplanned, Overdue, Over, Models, Invalid int
	Summary                                   int
	SummaryURL                                string
}

// vendorLine is a vendor with the state of its models.
type vendorLine struct {
	Name, URL                                       string
	Models, Invalid, Open, Unplanned, Overdue, Over int
}

// overview counts the work in w that f (repository, vendor) keeps.
type overview struct {
	Lines                                                           []riskLine
	Unplanned, Planned, OverThreats                                 int
	Overdue, MitOver, HumanClosed, Expiring, Invalid                int
	OverdueURL, MitOverURL, HumanClosedURL, ExpiringURL, InvalidURL string
	UnplannedURL, PlannedURL, OverThreatsURL                        string
	Repos                                                           []repoLine
	Vendors                                                         []vendorLine
}

// scope is f narrowed to the filters the overview honours.
func scope(f filters) filters { return filters{Repo: f.Repo, Vendor: f.Vendor} }

func buildOverview(w *workData, f filters) overview {
	f = scope(f)
	link := func(path string, set func(*filters)) string {
		g := f
		set(&g)
		return g.href(path)
	}
	var o overview
	repos := map[string]*repoLine{}
	repo := func(k string) *repoLine {
		if repos[k] == nil {
			root := w.env.links.Repo(k)
			repos[k] = &repoLine{Key: k, Name: repoName(k), URL: "/dashboard/repo?" + url.Values{"repo": {k}}.Encode(), Web: root}
			if n := w.Summary[k]; n > 0 {
				repos[k].Summary, repos[k].SummaryURL = n, w.env.links.Issue(k, n)
			}
		}
		return repos[k]
	}
	vendors := map[string]*vendorLine{}
	vendor := func(v string) *vendorLine {
		if vendors[v] == nil {
			vendors[v] = &vendorLine{Name: v, URL: "/dashboard/vendor?" + url.Values{"vendor": {v}}.Encode()}
		}
		return vendors[v]
	}
	byRisk := map[string]*riskLine{}
	for _, r := range risks {
		l := &riskLine{Risk: r,
			UnplannedURL: link("/dashboard/threats", func(g *filters) { g.Risk, g.Plan = r, "unplanned" }),
			PlannedURL:   link("/dashboard/threats", func(g *filters) { g.Risk, g.Plan = r, "planned" }),
			OverURL:      link("/dashboard/threats", func(g *filters) { g.Risk, g.Over = r, true })}
		byRisk[r] = l
	}
	for i := range w.Threats {
		t := &w.Threats[i]
		if !t.matches(f) {
			continue
		}
		l := byRisk[t.Risk]
		rl := repo(t.RepoKey)
		rl.Open.Add(t.Risk)
		var vl *vendorLine
		if t.Vendor != "" {
			vl = vendor(t.Vendor)
			vl.Open++
		}
		if t.Planned {
			o.Planned++
		} else {
			o.Unplanned++
			rl.Unplanned++
			if vl != nil {
				vl.Unplanned++
			}
		}
		if t.OverTarget {
			o.OverThreats++
			rl.Over++
			if vl != nil {
				vl.Over++
			}
		}
		if l == nil {
			continue
		}
		if t.Planned {
			l.Planned++
		} else {
			l.Unplanned++
		}
		if t.OverTarget {
			l.Over++
		}
	}
	for _, r := range risks {
		o.Lines = append(o.Lines, *byRisk[r])
	}
	for i := range w.Mitigations {
		m := &w.Mitigations[i]
		if !m.matchesAll(f) {
			continue
		}
		if m.Overdue {
			o.Overdue++
			repo(m.RepoKey).Overdue++
			if m.Vendor != "" {
				vendor(m.Vendor).Overdue++
			}
		}
		if m.OverTarget {
			o.MitOver++
		}
		if m.HumanClosed {
			o.HumanClosed++
		}
	}
	for i := range w.Models {
		m := &w.Models[i]
		if !m.matches(f) {
			continue
		}
		rl := repo(m.RepoKey)
		rl.Models++
		if m.Vendor != "" {
			vendor(m.Vendor).Models++
		}
		if !m.Valid {
			o.Invalid++
			rl.Invalid++
			if m.Vendor != "" {
				vendor(m.Vendor).Invalid++
			}
		}
	}
	for i := range w.Accepted {
		if a := &w.Accepted[i]; a.ExpiringSoon && a.matches(f) {
			o.Expiring++
		}
	}
	o.UnplannedURL = link("/dashboard/threats", func(g *filters) { g.Plan = "unplanned" })
	o.PlannedURL = link("/dashboard/threats", func(g *filters) { g.Plan = "planned" })
	o.OverThreatsURL = link("/dashboard/threats", func(g *filters) { g.Over = true })
	o.OverdueURL = link("/dashboard/mitigations", func(g *filters) { g.Status = "overdue" })
	o.MitOverURL = link("/dashboard/mitigations", func(g *filters) { g.Over = true })
	o.HumanClosedURL = link("/dashboard/mitigations", func(g *filters) { g.Status = "human_closed" })
	o.ExpiringURL = link("/dashboard/accepted", func(g *filters) { g.Expiring = true })
	o.InvalidURL = link("/dashboard/models", func(g *filters) { g.State = "invalid" })
	for _, r := range repos {
		o.Repos = append(o.Repos, *r)
	}
	// Most urgent first: unplanned critical and high, then overdue.
	slices.SortFunc(o.Repos, func(a, b repoLine) int {
		return cmp.Or(cmp.Compare(b.Open.Critical, a.Open.Critical), cmp.Compare(b.Unplanned, a.Unplanned),
			cmp.Compare(b.Open.High, a.Open.High), cmp.Compare(b.Overdue, a.Overdue), strings.Compare(a.Name, b.Name))
	})
	for _, v := range vendors {
		o.Vendors = append(o.Vendors, *v)
	}
	slices.SortFunc(o.Vendors, func(a, b vendorLine) int { return strings.Compare(a.Name, b.Name) })
	return o
}
