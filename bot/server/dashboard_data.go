package server

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tmbot/tmbot/bot/store"
)

// The dashboard's data: what the store holds, filtered and with what a
// security team reads from it worked out (overdue, age, "issue closed,
// model not updated", acceptances about to lapse). The page, the JSON API
// and the CSV export all read it from here.

// risks are the risk levels, highest first.
var risks = []string{"critical", "high", "medium", "low"}

func riskRank(r string) int {
	switch r {
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	case "critical":
		return 4
	}
	return 0
}

// statusOption is a value of the status filter.
type statusOption struct{ Value, Label string }

// statuses are the values of the status filter: the mitigation's status in
// the model, or what became of its issue.
var statuses = []statusOption{
	{"planned", "Planned (status in the model)"},
	{"in_progress", "In progress (status in the model)"},
	{"open", "Issue open"},
	{"overdue", "Overdue"},
	{"human_closed", "Issue closed, model not updated"},
	{"done", "Done (tmbot closed the issue)"},
}

// expiringWithin is how far ahead an accepted risk counts as expiring soon.
const expiringWithin = 60

// historyDays is how many days the risk chart shows by default.
const historyDays = 90

// filters narrow what the dashboard shows (query parameters repo, risk,
// owner, status; "" for any).
type filters struct {
	Repo   string `json:"repo,omitempty"`
	Risk   string `json:"risk,omitempty"`
	Owner  string `json:"owner,omitempty"`
	Status string `json:"status,omitempty"`
}

// parseFilters reads the filters from a query; an unknown risk or status
// is an error.
func parseFilters(q url.Values) (filters, error) {
	f := filters{Repo: strings.TrimSpace(q.Get("repo")), Risk: strings.TrimSpace(q.Get("risk")),
		Owner: strings.TrimSpace(q.Get("owner")), Status: strings.TrimSpace(q.Get("status"))}
	if f.Risk != "" && riskRank(f.Risk) == 0 {
		return f, fmt.Errorf("unknown risk %q: use low, medium, high or critical", f.Risk)
	}
	if f.Status != "" && !slices.ContainsFunc(statuses, func(o statusOption) bool { return o.Value == f.Status }) {
		return f, fmt.Errorf("unknown status %q: use planned, in_progress, open, overdue, human_closed or done", f.Status)
	}
	return f, nil
}

// query is the filters as a query string ("" when none).
func (f filters) query() string {
	v := url.Values{}
	for _, kv := range [][2]string{{"repo", f.Repo}, {"risk", f.Risk}, {"owner", f.Owner}, {"status", f.Status}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v.Encode()
}

// Any reports whether a filter is set.
func (f filters) Any() bool { return f != filters{} }

// repoName is how a repository key reads to a person: "owner/name" on
// GitHub, "gitlab: group/name" elsewhere.
func repoName(key string) string {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) != 3 {
		return key
	}
	if parts[0] == "github" {
		return parts[2]
	}
	return parts[0] + ": " + parts[2]
}

// mitigationRow is a tracked mitigation as the dashboard shows it.
type mitigationRow struct {
	Repo       string `json:"repo"`
	RepoKey    string `json:"repo_key"`
	Key        string `json:"key"`
	System     string `json:"system"`
	Mitigation string `json:"mitigation"`
	Title      string `json:"title"`
	Path       string `json:"path"`
	// Status is the mitigation's status in the model (planned,
	// in_progress).
	Status     string `json:"status"`
	Risk       string `json:"risk"`
	Owner      string `json:"owner"`
	Due        string `json:"due,omitempty"`
	Issue      int    `json:"issue_number"`
	IssueURL   string `json:"issue_url"`
	IssueState string `json:"issue_state"`
	// Overdue: the due date has passed and the mitigation is not done.
	Overdue     bool `json:"overdue"`
	DaysOverdue int  `json:"days_overdue,omitempty"`
	// HumanClosed: a person closed the issue while the model still plans
	// the mitigation.
	HumanClosed bool `json:"issue_closed_model_not_updated"`
	// Done: tmbot closed the issue because the model no longer plans it.
	Done      bool      `json:"done"`
	CreatedAt time.Time `json:"created_at"`
	AgeDays   int       `json:"age_days"`
}

// days is the number of whole UTC days from a to b.
func days(a, b time.Time) int {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return int(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

func newMitigationRow(t store.TrackedIssue, now time.Time) mitigationRow {
	r := mitigationRow{Repo: repoName(t.RepoKey), RepoKey: t.RepoKey, Key: t.Key, System: t.System, Mitigation: t.Mitigation,
		Title: t.Title, Path: t.Path, Status: t.Status, Risk: t.Risk, Owner: t.Owner, Due: t.Due, Issue: t.Number,
		IssueURL: t.URL, IssueState: t.State, CreatedAt: t.CreatedAt}
	if r.System == "" || r.Mitigation == "" {
		r.System, r.Mitigation, _ = strings.Cut(t.Key, "/")
	}
	r.Done = t.State == "closed" && t.ClosedByBot && !t.HumanCloseNoted
	r.HumanClosed = t.HumanCloseNoted || (t.State == "closed" && !t.ClosedByBot)
	if due, err := time.Parse(store.DayLayout, t.Due); err == nil && !r.Done {
		if d := days(due, now); d > 0 {
			r.Overdue, r.DaysOverdue = true, d
		}
	}
	if !t.CreatedAt.IsZero() {
		r.AgeDays = max(0, days(t.CreatedAt, now))
	}
	return r
}

func (r *mitigationRow) matches(f filters) bool {
	if f.Repo != "" && r.RepoKey != f.Repo || f.Risk != "" && r.Risk != f.Risk || f.Owner != "" && r.Owner != f.Owner {
		return false
	}
	switch f.Status {
	case "":
		return true
	case "planned", "in_progress":
		return r.Status == f.Status && !r.Done
	case "open":
		return r.IssueState == "open"
	case "overdue":
		return r.Overdue
	case "human_closed":
		return r.HumanClosed
	case "done":
		return r.Done
	}
	return false
}

// systemRow is a model file and its system.
type systemRow struct {
	Repo        string           `json:"repo"`
	RepoKey     string           `json:"repo_key"`
	Path        string           `json:"path"`
	SystemID    string           `json:"system_id"`
	SystemName  string           `json:"system_name"`
	Owner       string           `json:"owner"`
	Vendor      string           `json:"vendor"`
	Valid       bool             `json:"valid"`
	Error       string           `json:"error,omitempty"`
	Threats     int              `json:"threats"`
	Open        store.RiskCounts `json:"open"`
	OpenTotal   int              `json:"open_total"`
	Accepted    int              `json:"accepted"`
	Mitigations int              `json:"tracked_mitigations"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// acceptedRow is an accepted risk, with how long its acceptance has left.
type acceptedRow struct {
	Repo       string `json:"repo"`
	RepoKey    string `json:"repo_key"`
	Path       string `json:"path"`
	SystemID   string `json:"system_id"`
	SystemName string `json:"system_name"`
	Threat     string `json:"threat"`
	Title      string `json:"title"`
	Risk       string `json:"risk"`
	By         string `json:"accepted_by"`
	Reason     string `json:"reason,omitempty"`
	Until      string `json:"until,omitempty"`
	// DaysLeft is negative once the acceptance has lapsed; nil without an
	// end date.
	DaysLeft     *int `json:"days_left"`
	Expired      bool `json:"expired"`
	ExpiringSoon bool `json:"expiring_soon"`
}

// riskPoint is the open threats of one day, over the repositories shown.
type riskPoint struct {
	Day   string           `json:"day"`
	Open  store.RiskCounts `json:"open"`
	Total int              `json:"total"`
}

// dashData is everything the dashboard shows for a set of filters.
type dashData struct {
	Now     time.Time
	Filters filters
	// All mitigations (before the filters) and those shown.
	AllMitigations int
	Mitigations    []mitigationRow
	Systems        []systemRow
	Vendors        []systemRow
	Accepted       []acceptedRow // expired or expiring within expiringWithin days
	AllAccepted    []acceptedRow
	OpenByRisk     store.RiskCounts
	OpenByRepo     map[string]store.RiskCounts
	History        []riskPoint
	// Choices for the filter form.
	Repos  []string // keys
	Owners []string
	// At a glance, over the mitigations shown.
	Overdue, HumanClosed, InvalidModels int
}

// onlyRisk keeps one risk of c ("" keeps all).
func onlyRisk(c store.RiskCounts, risk string) store.RiskCounts {
	if risk == "" {
		return c
	}
	var o store.RiskCounts
	switch risk {
	case "low":
		o.Low = c.Low
	case "medium":
		o.Medium = c.Medium
	case "high":
		o.High = c.High
	case "critical":
		o.Critical = c.Critical
	}
	return o
}

// loadMitigations reads the tracked mitigations that match f, sorted for a
// security team: those not done first; then highest risk first, overdue
// first, soonest due first. It
// also returns how many there are in all and the filter choices.
func loadMitigations(ctx context.Context, st *store.Store, f filters, now time.Time) (rows []mitigationRow, all int, repos, owners []string, err error) {
	issues, err := st.DashboardIssues(ctx)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	repoSet, ownerSet := map[string]bool{}, map[string]bool{}
	rows = make([]mitigationRow, 0, len(issues))
	for _, t := range issues {
		repoSet[t.RepoKey] = true
		if t.Owner != "" {
			ownerSet[t.Owner] = true
		}
		r := newMitigationRow(t, now)
		if r.matches(f) {
			rows = append(rows, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b mitigationRow) int {
		if a.Done != b.Done {
			if a.Done {
				return 1
			}
			return -1
		}
		if x, y := riskRank(a.Risk), riskRank(b.Risk); x != y {
			return y - x
		}
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		if a.Due != b.Due {
			switch {
			case a.Due == "":
				return 1
			case b.Due == "":
				return -1
			}
			return strings.Compare(a.Due, b.Due)
		}
		if c := strings.Compare(a.Repo, b.Repo); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return rows, len(issues), sortedKeys(repoSet), sortedKeys(ownerSet), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// loadSystems reads the model snapshots that match f (repository; with a
// risk, the models with open threats of that risk), the accepted risks of
// the repositories shown, and the repositories that have models.
func loadSystems(ctx context.Context, st *store.Store, f filters, now time.Time) (systems []systemRow, accepted []acceptedRow, repos []string, err error) {
	snaps, err := st.ModelSnapshots(ctx, "")
	if err != nil {
		return nil, nil, nil, err
	}
	perModel, err := st.OpenIssuesPerModel(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	repoSet := map[string]bool{}
	for _, m := range snaps {
		repoSet[m.RepoKey] = true
		if f.Repo != "" && m.RepoKey != f.Repo {
			continue
		}
		for _, a := range m.Accepted {
			if f.Risk != "" && a.Risk != f.Risk {
				continue
			}
			accepted = append(accepted, newAcceptedRow(a, now))
		}
		open := onlyRisk(m.Open, f.Risk)
		if f.Risk != "" && open.Total() == 0 {
			continue
		}
		systems = append(systems, systemRow{Repo: repoName(m.RepoKey), RepoKey: m.RepoKey, Path: m.Path, SystemID: m.SystemID,
			SystemName: m.SystemName, Owner: m.SystemOwner, Vendor: m.Vendor, Valid: m.Valid, Error: m.Error, Threats: m.Threats,
			Open: open, OpenTotal: open.Total(), Accepted: len(m.Accepted), Mitigations: perModel[[2]string{m.RepoKey, m.Path}],
			UpdatedAt: m.UpdatedAt})
	}
	slices.SortStableFunc(systems, func(a, b systemRow) int {
		if c := strings.Compare(strings.ToLower(a.SystemName), strings.ToLower(b.SystemName)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Repo, b.Repo); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	slices.SortStableFunc(accepted, func(a, b acceptedRow) int {
		switch {
		case a.Until == "" && b.Until != "":
			return 1
		case a.Until != "" && b.Until == "":
			return -1
		}
		if c := strings.Compare(a.Until, b.Until); c != 0 {
			return c
		}
		return strings.Compare(a.Repo+a.Path+a.Threat, b.Repo+b.Path+b.Threat)
	})
	return systems, accepted, sortedKeys(repoSet), nil
}

func newAcceptedRow(a store.AcceptedRisk, now time.Time) acceptedRow {
	r := acceptedRow{Repo: repoName(a.RepoKey), RepoKey: a.RepoKey, Path: a.Path, SystemID: a.SystemID, SystemName: a.SystemName,
		Threat: a.ThreatID, Title: a.Title, Risk: a.Risk, By: a.By, Reason: a.Reason, Until: a.Until}
	if until, err := time.Parse(store.DayLayout, a.Until); err == nil {
		left := days(now, until)
		r.DaysLeft = &left
		r.Expired = left < 0
		r.ExpiringSoon = left <= expiringWithin
	}
	return r
}

// loadHistory is the open threats per day over the last n days (ending
// today) for the repositories f shows, each repository's counts carried
// forward over the days it was not reconciled. Days before the first
// record are left out.
func loadHistory(ctx context.Context, st *store.Store, f filters, now time.Time, n int) ([]riskPoint, error) {
	start := now.UTC().AddDate(0, 0, -(n - 1))
	recs, err := st.RiskHistory(ctx, f.Repo, start)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	first := start
	if d, err := time.Parse(store.DayLayout, recs[0].Day); err == nil && d.After(first) {
		first = d
	}
	cur := map[string]store.RiskCounts{}
	var out []riskPoint
	i := 0
	today := now.UTC().Format(store.DayLayout)
	for d := first; ; d = d.AddDate(0, 0, 1) {
		day := d.Format(store.DayLayout)
		if day > today {
			break
		}
		for ; i < len(recs) && recs[i].Day <= day; i++ {
			cur[recs[i].RepoKey] = recs[i].Open
		}
		var sum store.RiskCounts
		for _, c := range cur {
			sum = sum.Plus(c)
		}
		sum = onlyRisk(sum, f.Risk)
		out = append(out, riskPoint{Day: day, Open: sum, Total: sum.Total()})
	}
	return out, nil
}

// load gathers everything the page shows.
func loadDashboard(ctx context.Context, st *store.Store, f filters, now time.Time) (*dashData, error) {
	d := &dashData{Now: now, Filters: f, OpenByRepo: map[string]store.RiskCounts{}}
	// The mitigations are most of the work: read them while the rest is
	// read alongside.
	var (
		repos1, repos2 []string
		errM, errS     error
		wg             sync.WaitGroup
	)
	wg.Go(func() {
		d.Mitigations, d.AllMitigations, repos1, d.Owners, errM = loadMitigations(ctx, st, f, now)
	})
	d.Systems, d.AllAccepted, repos2, errS = loadSystems(ctx, st, f, now)
	if errS == nil {
		d.History, errS = loadHistory(ctx, st, f, now, historyDays)
	}
	wg.Wait()
	if err := errors.Join(errM, errS); err != nil {
		return nil, err
	}
	d.Repos = sortedKeys(setOf(append(repos1, repos2...)))
	slices.SortStableFunc(d.Repos, func(a, b string) int { return strings.Compare(repoName(a), repoName(b)) })
	for _, r := range d.Mitigations {
		if r.Overdue {
			d.Overdue++
		}
		if r.HumanClosed {
			d.HumanClosed++
		}
	}
	for _, s := range d.Systems {
		if s.Vendor != "" {
			d.Vendors = append(d.Vendors, s)
		}
		if !s.Valid {
			d.InvalidModels++
		}
		d.OpenByRisk = d.OpenByRisk.Plus(s.Open)
		d.OpenByRepo[s.RepoKey] = d.OpenByRepo[s.RepoKey].Plus(s.Open)
	}
	for _, a := range d.AllAccepted {
		if a.ExpiringSoon {
			d.Accepted = append(d.Accepted, a)
		}
	}
	return d, nil
}

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
