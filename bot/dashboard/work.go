package dashboard

import (
	"slices"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/store"
)

// The dashboard's rows as a work tool: every open threat and every tracked
// mitigation with its age (from when it first appeared on the default
// branch), its target time by risk, and links to the model file at the
// commit reviewed, the request that brought it and its tracking issue.
// The rows are kept per repository and made again only for the
// repositories that changed, or on a new day (cache.go); the views filter,
// sort and page them.

// dashEnv is what rows are made with besides the store: the clock, the
// target times and the forge links.
type dashEnv struct {
	now     time.Time
	targets Targets
	links   linker
}

// workFields are what threat and mitigation rows share.
type workFields struct {
	SystemName string `json:"system_name"`
	Vendor     string `json:"vendor"`
	// ModelURL is the model file at the commit last reconciled; PR the
	// request whose merge brought the item (0 when unknown).
	ModelURL string `json:"model_url"`
	PR       int    `json:"pr_number,omitempty"`
	PRURL    string `json:"pr_url,omitempty"`
	// FirstSeen is when it first appeared on the default branch;
	// AgeAtLeast: it was there before tmbot's first reconcile, so it is
	// older than AgeDays says.
	FirstSeen      time.Time `json:"first_seen_at"`
	AgeAtLeast     bool      `json:"age_at_least"`
	TargetDays     int       `json:"target_days"`
	OverTarget     bool      `json:"over_target"`
	DaysOverTarget int       `json:"days_over_target,omitempty"`
}

// age sets the age fields from a first sighting (fallback: the earliest
// other evidence, such as the issue's creation) and the target of risk.
// done items are never over target.
func (w *workFields) age(env dashEnv, first store.FirstSeen, fallback time.Time, risk string, done bool) int {
	at, atLeast := first.At, first.SinceInstall
	if at.IsZero() || (atLeast && !fallback.IsZero() && fallback.Before(at)) {
		at, atLeast = fallback, true
	}
	age := 0
	if !at.IsZero() {
		age = max(0, days(at, env.now))
		w.FirstSeen = at.UTC()
	}
	w.AgeAtLeast = atLeast
	w.TargetDays = env.targets.For(risk)
	if w.TargetDays > 0 && !done && age > w.TargetDays {
		w.OverTarget, w.DaysOverTarget = true, age-w.TargetDays
	}
	return age
}

// issueLink is a tracking issue of a threat's mitigation.
type issueLink struct {
	Mitigation string `json:"mitigation"`
	Number     int    `json:"number"`
	URL        string `json:"url"`
	State      string `json:"state"`
}

// threatRow is an open threat of a valid model.
type threatRow struct {
	Repo     string `json:"repo"`
	RepoKey  string `json:"repo_key"`
	Path     string `json:"path"`
	SystemID string `json:"system_id"`
	Owner    string `json:"owner"`
	Threat   string `json:"threat"`
	Title    string `json:"title"`
	Risk     string `json:"risk"`
	// Planned: a mitigation of it is planned, in progress, implemented or
	// verified.
	Planned bool        `json:"planned"`
	AgeDays int         `json:"age_days"`
	Issues  []issueLink `json:"issues"`
	workFields
}

// workData is everything a dashboard view is made from.
type workData struct {
	env         dashEnv
	Mitigations []mitigationRow
	Threats     []threatRow
	Models      []systemRow
	Accepted    []acceptedRow
	// Summary is each repository's summary tracking issue.
	Summary map[string]int
}

func newWorkMitigation(m store.DashboardMitigation, env dashEnv) mitigationRow {
	r := newMitigationRow(m.TrackedIssue, env.now)
	r.SystemName, r.Vendor = m.SystemName, m.Vendor
	r.ModelURL = env.links.File(r.RepoKey, m.SHA, r.Path)
	if m.First.PR > 0 {
		r.PR, r.PRURL = m.First.PR, env.links.Pull(r.RepoKey, m.First.PR)
	}
	r.AgeDays = r.workFields.age(env, m.First, m.CreatedAt, r.Risk, r.Done)
	r.IssueURL = safeURL(r.IssueURL)
	return r
}

func newThreatRow(t store.DashboardThreat, env dashEnv, issues map[[2]string]*mitigationRow) threatRow {
	r := threatRow{Repo: repoName(t.RepoKey), RepoKey: t.RepoKey, Path: t.Path, SystemID: t.SystemID, Owner: t.SystemOwner,
		Threat: t.ThreatID, Title: t.Title, Risk: t.Risk, Planned: t.Planned, Issues: []issueLink{}}
	r.SystemName, r.Vendor = t.SystemName, t.Vendor
	r.ModelURL = env.links.File(t.RepoKey, t.SHA, t.Path)
	if t.First.PR > 0 {
		r.PR, r.PRURL = t.First.PR, env.links.Pull(t.RepoKey, t.First.PR)
	}
	r.AgeDays = r.workFields.age(env, t.First, time.Time{}, t.Risk, false)
	for _, mid := range t.Mitigations {
		if m, ok := issues[[2]string{t.RepoKey, t.SystemID + "/" + mid}]; ok && m.Issue > 0 {
			r.Issues = append(r.Issues, issueLink{Mitigation: mid, Number: m.Issue, URL: m.IssueURL, State: m.IssueState})
		}
	}
	return r
}

// makeWork makes the rows of the views from what the store gave.
func makeWork(raw *store.DashboardWork, env dashEnv) *workData {
	w := &workData{env: env, Summary: raw.Summary}
	byKey := make(map[[2]string]*mitigationRow, len(raw.Mitigations))
	w.Mitigations = make([]mitigationRow, 0, len(raw.Mitigations))
	for _, m := range raw.Mitigations {
		w.Mitigations = append(w.Mitigations, newWorkMitigation(m, env))
	}
	for i := range w.Mitigations {
		r := &w.Mitigations[i]
		byKey[[2]string{r.RepoKey, r.Key}] = r
	}
	w.Threats = make([]threatRow, 0, len(raw.Threats))
	for _, t := range raw.Threats {
		w.Threats = append(w.Threats, newThreatRow(t, env, byKey))
	}
	w.Models, w.Accepted = modelRows(raw.Models, env, w.Threats, w.Mitigations)
	return w
}

// modelRows are the model snapshots with their counts of work, and every
// accepted risk.
func modelRows(snaps []store.ModelSnapshot, env dashEnv, threats []threatRow, mits []mitigationRow) ([]systemRow, []acceptedRow) {
	type counts struct{ tracked, unplanned, overdue, over int }
	per := map[[2]string]*counts{}
	at := func(repo, path string) *counts {
		k := [2]string{repo, path}
		if per[k] == nil {
			per[k] = &counts{}
		}
		return per[k]
	}
	for i := range threats {
		t := &threats[i]
		c := at(t.RepoKey, t.Path)
		if !t.Planned {
			c.unplanned++
		}
		if t.OverTarget {
			c.over++
		}
	}
	for i := range mits {
		m := &mits[i]
		c := at(m.RepoKey, m.Path)
		if !m.Done {
			c.tracked++
		}
		if m.Overdue {
			c.overdue++
		}
	}
	var models []systemRow
	var accepted []acceptedRow
	for _, m := range snaps {
		c := at(m.RepoKey, m.Path)
		url := env.links.File(m.RepoKey, m.SHA, m.Path)
		models = append(models, systemRow{Repo: repoName(m.RepoKey), RepoKey: m.RepoKey, Path: m.Path, SystemID: m.SystemID,
			SystemName: m.SystemName, Owner: m.SystemOwner, Vendor: m.Vendor, Valid: m.Valid, Error: m.Error, Threats: m.Threats,
			Open: m.Open, OpenTotal: m.Open.Total(), Accepted: len(m.Accepted), Mitigations: c.tracked, UpdatedAt: m.UpdatedAt,
			SHA: m.SHA, ModelURL: url, Unplanned: c.unplanned, OverdueMitigation: c.overdue, OverTarget: c.over})
		for _, a := range m.Accepted {
			r := newAcceptedRow(a, env.now)
			r.Vendor, r.ModelURL = m.Vendor, url
			accepted = append(accepted, r)
		}
	}
	return models, accepted
}

// choices are the values the filter forms offer, from every row.
type choices struct {
	Repos, Owners, Vendors []string
}

func (w *workData) choices() choices {
	repos, owners, vendors := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range w.Mitigations {
		repos[w.Mitigations[i].RepoKey] = true
		if o := w.Mitigations[i].Owner; o != "" {
			owners[o] = true
		}
	}
	for i := range w.Models {
		repos[w.Models[i].RepoKey] = true
		if v := w.Models[i].Vendor; v != "" {
			vendors[v] = true
		}
		if o := w.Models[i].Owner; o != "" {
			owners[o] = true
		}
	}
	c := choices{Repos: sortedKeys(repos), Owners: sortedKeys(owners), Vendors: sortedKeys(vendors)}
	slices.SortStableFunc(c.Repos, func(a, b string) int { return strings.Compare(repoName(a), repoName(b)) })
	return c
}
