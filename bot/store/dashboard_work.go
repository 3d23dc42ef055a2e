package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// What the dashboard needs to be a work tool (migration
// 006_dashboard_work.sql): each open threat of each model, the commit a
// model was read at, and when each threat and mitigation first appeared on
// the default branch, through which merged request.

// OpenThreat is an open threat of a model as the last reconcile found it.
type OpenThreat struct {
	ThreatID string
	Title    string
	Risk     string
	// Planned: one of its mitigations is planned, in_progress,
	// implemented or verified.
	Planned bool
	// Mitigations are the ids of its mitigations.
	Mitigations []string
}

// Kinds of first_seen rows.
const (
	KindThreat     = "threat"
	KindMitigation = "mitigation"
)

// FirstSeen is when a threat or mitigation (Key system/id) first appeared
// on a repository's default branch.
type FirstSeen struct {
	Kind string
	Key  string
	At   time.Time
	SHA  string
	// PR is the merged request whose merge led to the reconcile that saw
	// it first (0 when none, or several at once).
	PR int
	// SinceInstall: it was already there at the repository's first
	// reconcile, so it is at least as old as At.
	SinceInstall bool
}

func (s *Store) saveOpenThreats(ctx context.Context, tx *sql.Tx, repoKey string, m ModelSnapshot) error {
	seen := map[string]bool{}
	for _, t := range m.OpenThreats {
		if t.ThreatID == "" || seen[t.ThreatID] {
			continue
		}
		seen[t.ThreatID] = true
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO threat_snapshots (repo_key, path, threat_id, system_id, title, risk,
    planned, mitigations) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), repoKey, m.Path, t.ThreatID, m.SystemID, t.Title, t.Risk,
			t.Planned, strings.Join(t.Mitigations, ","))
		if err != nil {
			return err
		}
	}
	return nil
}

// HasFirstSeen reports whether anything was recorded as first seen in a
// repository (false before its first reconcile with this version).
func (s *Store) HasFirstSeen(ctx context.Context, repoKey string) (bool, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT count(*) FROM first_seen WHERE repo_key = ?`), repoKey).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: first seen of %s: %w", repoKey, err)
	}
	return n > 0, nil
}

// NoteFirstSeen records the items of a repository not recorded before;
// those already recorded keep their first sighting.
func (s *Store) NoteFirstSeen(ctx context.Context, repoKey string, items []FirstSeen) error {
	if repoKey == "" {
		return errors.New("store: NoteFirstSeen: repoKey is required")
	}
	if len(items) == 0 {
		return nil
	}
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		for _, it := range items {
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO first_seen (repo_key, kind, item_key, first_seen_at, sha, pr_number,
    since_install) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (repo_key, kind, item_key) DO NOTHING`),
				repoKey, it.Kind, it.Key, s.t(it.At), it.SHA, it.PR, it.SinceInstall)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: note first seen in %s: %w", repoKey, err)
	}
	return nil
}

// DashboardThreat is an open threat with its model and first sighting.
type DashboardThreat struct {
	RepoKey  string
	Path     string
	SystemID string
	OpenThreat
	SystemName  string
	SystemOwner string
	Vendor      string
	SHA         string
	First       FirstSeen
}

// firstSeenCols are a LEFT JOINed first_seen f's columns (empty values
// when there is no row).
const firstSeenCols = `f.first_seen_at, COALESCE(f.sha, ''), COALESCE(f.pr_number, 0),
    CASE WHEN f.since_install THEN 1 ELSE 0 END`

// DashboardThreats lists every open threat of every valid model.
func (s *Store) DashboardThreats(ctx context.Context) ([]DashboardThreat, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT t.repo_key, t.path, t.system_id, t.threat_id, t.title, t.risk, t.planned,
    t.mitigations, COALESCE(m.system_name, ''), COALESCE(m.system_owner, ''), COALESCE(m.vendor, ''), COALESCE(m.sha, ''),
    `+firstSeenCols+`
FROM threat_snapshots t
LEFT JOIN model_snapshots m ON m.repo_key = t.repo_key AND m.path = t.path
LEFT JOIN first_seen f ON f.repo_key = t.repo_key AND f.kind = 'threat' AND f.item_key = t.system_id || '/' || t.threat_id`)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard threats: %w", err)
	}
	defer rows.Close()
	var out []DashboardThreat
	for rows.Next() {
		var t DashboardThreat
		var mits string
		if err := rows.Scan(&t.RepoKey, &t.Path, &t.SystemID, &t.ThreatID, &t.Title, &t.Risk, &t.Planned, &mits,
			&t.SystemName, &t.SystemOwner, &t.Vendor, &t.SHA, timeCol{&t.First.At}, &t.First.SHA, &t.First.PR,
			&t.First.SinceInstall); err != nil {
			return nil, fmt.Errorf("store: dashboard threats: %w", err)
		}
		if mits != "" {
			t.Mitigations = strings.Split(mits, ",")
		}
		t.First.Kind, t.First.Key = KindThreat, t.SystemID+"/"+t.ThreatID
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dashboard threats: %w", err)
	}
	return out, nil
}

// DashboardMitigation is a tracked mitigation's issue with its model and
// first sighting.
type DashboardMitigation struct {
	TrackedIssue
	SystemName string
	Vendor     string
	SHA        string
	First      FirstSeen
}

// DashboardMitigations lists every tracked issue (Content and UpdatedAt
// left out) with the model it comes from and when it first appeared, in
// no particular order.
func (s *Store) DashboardMitigations(ctx context.Context) ([]DashboardMitigation, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT i.repo_key, i.key, i.number, i.url, i.state, i.closed_by_bot,
    i.human_close_noted, i.path, i.system, i.mitigation, i.title, i.status, i.risk, i.owner, i.due, i.created_at,
    COALESCE(m.system_name, ''), COALESCE(m.vendor, ''), COALESCE(m.sha, ''), `+firstSeenCols+`
FROM mitigation_issues i
LEFT JOIN model_snapshots m ON m.repo_key = i.repo_key AND m.path = i.path
LEFT JOIN first_seen f ON f.repo_key = i.repo_key AND f.kind = 'mitigation' AND f.item_key = i.key`)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard mitigations: %w", err)
	}
	defer rows.Close()
	var out []DashboardMitigation
	for rows.Next() {
		var d DashboardMitigation
		t := &d.TrackedIssue
		if err := rows.Scan(&t.RepoKey, &t.Key, &t.Number, &t.URL, &t.State, &t.ClosedByBot, &t.HumanCloseNoted, &t.Path,
			&t.System, &t.Mitigation, &t.Title, &t.Status, &t.Risk, &t.Owner, &t.Due, timeCol{&t.CreatedAt},
			&d.SystemName, &d.Vendor, &d.SHA, timeCol{&d.First.At}, &d.First.SHA, &d.First.PR, &d.First.SinceInstall); err != nil {
			return nil, fmt.Errorf("store: dashboard mitigations: %w", err)
		}
		d.First.Kind, d.First.Key = KindMitigation, t.Key
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dashboard mitigations: %w", err)
	}
	return out, nil
}

// SummaryIssues maps each repository with a summary tracking issue to its
// number.
func (s *Store) SummaryIssues(ctx context.Context) (map[string]int, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT repo_key, summary_number FROM repo_tracking WHERE summary_number > 0`)
	if err != nil {
		return nil, fmt.Errorf("store: summary issues: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("store: summary issues: %w", err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: summary issues: %w", err)
	}
	return out, nil
}
