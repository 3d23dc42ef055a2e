package dashboard

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/store"
)

// The dashboard's data: what the store holds, filtered and with what a
// security team reads from it worked out (overdue, age, "issue closed,
// model not updated", acceptances about to lapse). The page, the JSON API
// and the CSV export all read it from here.

// risks are the risk levels, highest first.
var risks = []string{"critical", "high", "medium", "low"}

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
	// AgeDays counts from when the mitigation first appeared on the
	// default branch (work.go); IssueAgeDays from its issue.
	AgeDays      int `json:"age_days"`
	IssueAgeDays int `json:"issue_age_days"`
	workFields
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
		r.IssueAgeDays = r.AgeDays
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
	SHA         string           `json:"sha,omitempty"`
	ModelURL    string           `json:"model_url,omitempty"`
	// Unplanned open threats; tracked mitigations overdue and over their
	// target; open threats over target.
	Unplanned         int `json:"unplanned"`
	OverdueMitigation int `json:"overdue_mitigations"`
	OverTarget        int `json:"over_target"`
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
	DaysLeft     *int   `json:"days_left"`
	Expired      bool   `json:"expired"`
	ExpiringSoon bool   `json:"expiring_soon"`
	Vendor       string `json:"vendor,omitempty"`
	ModelURL     string `json:"model_url,omitempty"`
}

// riskPoint is the open threats of one day, over the repositories shown.
type riskPoint struct {
	Day   string           `json:"day"`
	Open  store.RiskCounts `json:"open"`
	Total int              `json:"total"`
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

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
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

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
