package dashboard

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

// overviewBuilder counts rows into an overview.
type overviewBuilder struct {
	w       *workData
	f       filters
	o       overview
	repos   map[string]*repoLine
	vendors map[string]*vendorLine
	byRisk  map[string]*riskLine
}

// link is the list at path with the overview's scope and set's filters.
func (b *overviewBuilder) link(path string, set func(*filters)) string {
	g := b.f
	set(&g)
	return g.href(path)
}

func (b *overviewBuilder) repo(k string) *repoLine {
	if b.repos[k] == nil {
		l := &repoLine{Key: k, Name: repoName(k), URL: "/dashboard/repo?" + url.Values{"repo": {k}}.Encode(), Web: b.w.env.links.Repo(k)}
		if n := b.w.Summary[k]; n > 0 {
			l.Summary, l.SummaryURL = n, b.w.env.links.Issue(k, n)
		}
		b.repos[k] = l
	}
	return b.repos[k]
}

// vendor is a vendor's line; a scratch line for "" (in-house), not kept.
func (b *overviewBuilder) vendor(v string) *vendorLine {
	if v == "" {
		return &vendorLine{}
	}
	if b.vendors[v] == nil {
		b.vendors[v] = &vendorLine{Name: v, URL: "/dashboard/vendor?" + url.Values{"vendor": {v}}.Encode()}
	}
	return b.vendors[v]
}

func (b *overviewBuilder) threat(t *threatRow) {
	rl, vl, l := b.repo(t.RepoKey), b.vendor(t.Vendor), b.byRisk[t.Risk]
	if l == nil {
		l = &riskLine{}
	}
	rl.Open.Add(t.Risk)
	vl.Open++
	if t.Planned {
		b.o.Planned++
		l.Planned++
	} else {
		b.o.Unplanned++
		rl.Unplanned++
		vl.Unplanned++
		l.Unplanned++
	}
	if t.OverTarget {
		b.o.OverThreats++
		rl.Over++
		vl.Over++
		l.Over++
	}
}

func (b *overviewBuilder) mitigation(m *mitigationRow) {
	if m.Overdue {
		b.o.Overdue++
		b.repo(m.RepoKey).Overdue++
		b.vendor(m.Vendor).Overdue++
	}
	if m.OverTarget {
		b.o.MitOver++
	}
	if m.HumanClosed {
		b.o.HumanClosed++
	}
}

func (b *overviewBuilder) model(m *systemRow) {
	rl, vl := b.repo(m.RepoKey), b.vendor(m.Vendor)
	rl.Models++
	vl.Models++
	if !m.Valid {
		b.o.Invalid++
		rl.Invalid++
		vl.Invalid++
	}
}

// buildOverview counts the work in w that f's repository and vendor keep.
func buildOverview(w *workData, f filters) overview {
	b := &overviewBuilder{w: w, f: scope(f), repos: map[string]*repoLine{}, vendors: map[string]*vendorLine{},
		byRisk: map[string]*riskLine{}}
	for _, r := range risks {
		b.byRisk[r] = &riskLine{Risk: r,
			UnplannedURL: b.link("/dashboard/threats", func(g *filters) { g.Risk, g.Plan = r, "unplanned" }),
			PlannedURL:   b.link("/dashboard/threats", func(g *filters) { g.Risk, g.Plan = r, "planned" }),
			OverURL:      b.link("/dashboard/threats", func(g *filters) { g.Risk, g.Over = r, true })}
	}
	for i := range w.Threats {
		if t := &w.Threats[i]; t.matches(b.f) {
			b.threat(t)
		}
	}
	for i := range w.Mitigations {
		if m := &w.Mitigations[i]; m.matchesAll(b.f) {
			b.mitigation(m)
		}
	}
	for i := range w.Models {
		if m := &w.Models[i]; m.matches(b.f) {
			b.model(m)
		}
	}
	o := &b.o
	for i := range w.Accepted {
		if a := &w.Accepted[i]; a.ExpiringSoon && a.matches(b.f) {
			o.Expiring++
		}
	}
	for _, r := range risks {
		o.Lines = append(o.Lines, *b.byRisk[r])
	}
	o.UnplannedURL = b.link("/dashboard/threats", func(g *filters) { g.Plan = "unplanned" })
	o.PlannedURL = b.link("/dashboard/threats", func(g *filters) { g.Plan = "planned" })
	o.OverThreatsURL = b.link("/dashboard/threats", func(g *filters) { g.Over = true })
	o.OverdueURL = b.link("/dashboard/mitigations", func(g *filters) { g.Status = "overdue" })
	o.MitOverURL = b.link("/dashboard/mitigations", func(g *filters) { g.Over = true })
	o.HumanClosedURL = b.link("/dashboard/mitigations", func(g *filters) { g.Status = "human_closed" })
	o.ExpiringURL = b.link("/dashboard/accepted", func(g *filters) { g.Expiring = true })
	o.InvalidURL = b.link("/dashboard/models", func(g *filters) { g.State = "invalid" })
	for _, r := range b.repos {
		o.Repos = append(o.Repos, *r)
	}
	// Most urgent first: critical, then unplanned, high and overdue.
	slices.SortFunc(o.Repos, func(a, b repoLine) int {
		return cmp.Or(cmp.Compare(b.Open.Critical, a.Open.Critical), cmp.Compare(b.Unplanned, a.Unplanned),
			cmp.Compare(b.Open.High, a.Open.High), cmp.Compare(b.Overdue, a.Overdue), strings.Compare(a.Name, b.Name))
	})
	for _, v := range b.vendors {
		o.Vendors = append(o.Vendors, *v)
	}
	slices.SortFunc(o.Vendors, func(a, b vendorLine) int { return strings.Compare(a.Name, b.Name) })
	return b.o
}
