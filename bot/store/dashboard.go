package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// This file holds what the security-team dashboard (bot/dashboard) reads
// beyond the tracked issues: per repository, what the last reconcile found
// in each model file (model_snapshots, accepted_risks), and per repository
// and day the open threats by risk (risk_history). The track job
// (bot/jobs/track.go) writes them at the end of each reconcile.

// RiskCounts counts threats by risk.
type RiskCounts struct {
	Low      int `json:"low"`
	Medium   int `json:"medium"`
	High     int `json:"high"`
	Critical int `json:"critical"`
}

// Add counts one threat of risk (low, medium, high or critical; anything
// else is not counted).
func (c *RiskCounts) Add(risk string) {
	switch risk {
	case "low":
		c.Low++
	case "medium":
		c.Medium++
	case "high":
		c.High++
	case "critical":
		c.Critical++
	}
}

// Plus is c and o added.
func (c RiskCounts) Plus(o RiskCounts) RiskCounts {
	return RiskCounts{Low: c.Low + o.Low, Medium: c.Medium + o.Medium, High: c.High + o.High, Critical: c.Critical + o.Critical}
}

// Of is the count of one risk (0 for an unknown one).
func (c RiskCounts) Of(risk string) int {
	switch risk {
	case "low":
		return c.Low
	case "medium":
		return c.Medium
	case "high":
		return c.High
	case "critical":
		return c.Critical
	}
	return 0
}

// Total is the number of threats counted.
func (c RiskCounts) Total() int { return c.Low + c.Medium + c.High + c.Critical }

// ModelSnapshot is a model file on a repository's default branch as the
// last reconcile saw it.
type ModelSnapshot struct {
	RepoKey     string
	Path        string
	SystemID    string
	SystemName  string
	SystemOwner string
	// Vendor is the supplier that wrote the model ("" for in-house).
	Vendor string
	Valid  bool
	// Error is the first error of an invalid model.
	Error string
	// Threats counts every threat of the model; Open its open threats by
	// risk.
	Threats int
	Open    RiskCounts
	// Accepted are the model's accepted threats.
	Accepted []AcceptedRisk
	// SHA is the default-branch commit the model was read at;
	// OpenThreats its open threats (dashboard_work.go).
	SHA         string
	OpenThreats []OpenThreat
	UpdatedAt   time.Time
}

// AcceptedRisk is a threat a model marks accepted, with who accepted it
// and until when.
type AcceptedRisk struct {
	RepoKey    string
	Path       string
	ThreatID   string
	SystemID   string
	SystemName string
	Title      string
	Risk       string
	By         string
	Reason     string
	// Until is the day the acceptance lapses (YYYY-MM-DD), "" when the
	// model gives none.
	Until string
}

// SaveModelSnapshots replaces a repository's model snapshots and their
// accepted risks with snaps (RepoKey and UpdatedAt are set here), in one
// transaction. An empty snaps forgets the repository's models.
func (s *Store) SaveModelSnapshots(ctx context.Context, repoKey string, snaps []ModelSnapshot) error {
	if repoKey == "" {
		return errors.New("store: SaveModelSnapshots: repoKey is required")
	}
	at := s.t(now())
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM accepted_risks WHERE repo_key = ?"), repoKey); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM model_snapshots WHERE repo_key = ?"), repoKey); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM threat_snapshots WHERE repo_key = ?"), repoKey); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, m := range snaps {
			if m.Path == "" || seen[m.Path] {
				return fmt.Errorf("model path %q is empty or given twice", m.Path)
			}
			seen[m.Path] = true
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO model_snapshots (repo_key, path, system_id, system_name, system_owner,
    vendor, valid, error, threats, open_low, open_medium, open_high, open_critical, updated_at, sha)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), repoKey, m.Path, m.SystemID, m.SystemName, m.SystemOwner, m.Vendor,
				m.Valid, m.Error, m.Threats, m.Open.Low, m.Open.Medium, m.Open.High, m.Open.Critical, at, m.SHA)
			if err != nil {
				return err
			}
			if err := s.saveOpenThreats(ctx, tx, repoKey, m); err != nil {
				return err
			}
			ids := map[string]bool{}
			for _, a := range m.Accepted {
				if a.ThreatID == "" || ids[a.ThreatID] {
					continue
				}
				ids[a.ThreatID] = true
				_, err := tx.ExecContext(ctx, s.q(`INSERT INTO accepted_risks (repo_key, path, threat_id, system_id, system_name,
    title, risk, accepted_by, reason, until)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), repoKey, m.Path, a.ThreatID, m.SystemID, m.SystemName, a.Title, a.Risk, a.By,
					a.Reason, a.Until)
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save model snapshots: %w", err)
	}
	return nil
}

// ModelSnapshots lists the model snapshots of a repository (repoKey "" for
// all), by repository and path, each with its accepted risks.
func (s *Store) ModelSnapshots(ctx context.Context, repoKey string) ([]ModelSnapshot, error) {
	return s.modelSnapshots(ctx, oneRepo(repoKey))
}

// modelSnapshots lists the model snapshots of the repositories of in.
func (s *Store) modelSnapshots(ctx context.Context, in repoFilter) ([]ModelSnapshot, error) {
	where, args := in.where()
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT repo_key, path, system_id, system_name, system_owner, vendor, valid, error,
    threats, open_low, open_medium, open_high, open_critical, updated_at, sha
FROM model_snapshots`+where+` ORDER BY repo_key, path`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: model snapshots: %w", err)
	}
	defer rows.Close()
	var out []ModelSnapshot
	for rows.Next() {
		var m ModelSnapshot
		if err := rows.Scan(&m.RepoKey, &m.Path, &m.SystemID, &m.SystemName, &m.SystemOwner, &m.Vendor, &m.Valid, &m.Error,
			&m.Threats, &m.Open.Low, &m.Open.Medium, &m.Open.High, &m.Open.Critical, timeCol{&m.UpdatedAt}, &m.SHA); err != nil {
			return nil, fmt.Errorf("store: model snapshots: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: model snapshots: %w", err)
	}
	accepted, err := s.acceptedRisks(ctx, in)
	if err != nil {
		return nil, err
	}
	byModel := map[[2]string][]AcceptedRisk{}
	for _, a := range accepted {
		k := [2]string{a.RepoKey, a.Path}
		byModel[k] = append(byModel[k], a)
	}
	for i := range out {
		out[i].Accepted = byModel[[2]string{out[i].RepoKey, out[i].Path}]
	}
	return out, nil
}

// AcceptedRisks lists the accepted threats of a repository's models
// (repoKey "" for all): those with an end date first, soonest first.
func (s *Store) AcceptedRisks(ctx context.Context, repoKey string) ([]AcceptedRisk, error) {
	return s.acceptedRisks(ctx, oneRepo(repoKey))
}

func (s *Store) acceptedRisks(ctx context.Context, in repoFilter) ([]AcceptedRisk, error) {
	where, args := in.where()
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT repo_key, path, threat_id, system_id, system_name, title, risk,
    accepted_by, reason, until
FROM accepted_risks`+where+`
ORDER BY CASE WHEN until = '' THEN 1 ELSE 0 END, until, repo_key, path, threat_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: accepted risks: %w", err)
	}
	defer rows.Close()
	var out []AcceptedRisk
	for rows.Next() {
		var a AcceptedRisk
		if err := rows.Scan(&a.RepoKey, &a.Path, &a.ThreatID, &a.SystemID, &a.SystemName, &a.Title, &a.Risk, &a.By,
			&a.Reason, &a.Until); err != nil {
			return nil, fmt.Errorf("store: accepted risks: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: accepted risks: %w", err)
	}
	return out, nil
}

// RiskDay is a repository's open threats by risk on a UTC day.
type RiskDay struct {
	RepoKey string
	Day     string // YYYY-MM-DD
	Open    RiskCounts
}

// DayLayout is how risk_history writes a day.
const DayLayout = "2006-01-02"

// RecordRiskHistory records a repository's open threats by risk for the
// UTC day of at; a later record of the same day replaces it.
func (s *Store) RecordRiskHistory(ctx context.Context, repoKey string, at time.Time, open RiskCounts) error {
	if repoKey == "" {
		return errors.New("store: RecordRiskHistory: repoKey is required")
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO risk_history (repo_key, day, low, medium, high, critical, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (repo_key, day) DO UPDATE SET low = excluded.low, medium = excluded.medium, high = excluded.high,
    critical = excluded.critical, updated_at = excluded.updated_at`),
		repoKey, at.UTC().Format(DayLayout), open.Low, open.Medium, open.High, open.Critical, s.t(now()))
	if err != nil {
		return fmt.Errorf("store: record risk history: %w", err)
	}
	return nil
}

// RiskHistory lists the recorded days of a repository (repoKey "" for
// all) from the UTC day of since on, by day and repository. For each
// repository the last day recorded before since comes too, so that a
// caller can carry a repository's counts forward over the days it was not
// reconciled.
func (s *Store) RiskHistory(ctx context.Context, repoKey string, since time.Time) ([]RiskDay, error) {
	from := since.UTC().Format(DayLayout)
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT repo_key, day, low, medium, high, critical FROM risk_history h
WHERE (? = '' OR repo_key = ?)
  AND (day >= ? OR day = (SELECT max(p.day) FROM risk_history p WHERE p.repo_key = h.repo_key AND p.day < ?))
ORDER BY day, repo_key`), repoKey, repoKey, from, from)
	if err != nil {
		return nil, fmt.Errorf("store: risk history: %w", err)
	}
	defer rows.Close()
	var out []RiskDay
	for rows.Next() {
		var d RiskDay
		if err := rows.Scan(&d.RepoKey, &d.Day, &d.Open.Low, &d.Open.Medium, &d.Open.High, &d.Open.Critical); err != nil {
			return nil, fmt.Errorf("store: risk history: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: risk history: %w", err)
	}
	return out, nil
}

// DashboardIssues returns every tracked issue of every repository with
// what the dashboard shows (Content and UpdatedAt are left out), in no
// particular order: a lighter AllTrackedIssues for pages over many
// thousands of rows.
func (s *Store) DashboardIssues(ctx context.Context) ([]TrackedIssue, error) {
	return s.dashboardIssues(ctx, nil)
}

func (s *Store) dashboardIssues(ctx context.Context, in repoFilter) ([]TrackedIssue, error) {
	where, args := in.where()
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT repo_key, key, number, url, state, closed_by_bot, human_close_noted, path,
    system, mitigation, title, status, risk, owner, due, created_at FROM mitigation_issues`+where), args...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard issues: %w", err)
	}
	defer rows.Close()
	var out []TrackedIssue
	for rows.Next() {
		var t TrackedIssue
		if err := rows.Scan(&t.RepoKey, &t.Key, &t.Number, &t.URL, &t.State, &t.ClosedByBot, &t.HumanCloseNoted, &t.Path,
			&t.System, &t.Mitigation, &t.Title, &t.Status, &t.Risk, &t.Owner, &t.Due, timeCol{&t.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: dashboard issues: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dashboard issues: %w", err)
	}
	return out, nil
}

// OpenIssuesPerModel counts, per repository and model file, the tracked
// mitigations that are not done (tmbot has not closed their issue).
func (s *Store) OpenIssuesPerModel(ctx context.Context) (map[[2]string]int, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT repo_key, path, count(*) FROM mitigation_issues
WHERE NOT (state = 'closed' AND closed_by_bot AND NOT human_close_noted) GROUP BY repo_key, path`)
	if err != nil {
		return nil, fmt.Errorf("store: open issues per model: %w", err)
	}
	defer rows.Close()
	out := map[[2]string]int{}
	for rows.Next() {
		var repo, path string
		var n int
		if err := rows.Scan(&repo, &path, &n); err != nil {
			return nil, fmt.Errorf("store: open issues per model: %w", err)
		}
		out[[2]string{repo, path}] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: open issues per model: %w", err)
	}
	return out, nil
}
