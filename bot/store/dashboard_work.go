package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
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

// DashboardMitigation is a tracked mitigation's issue with its model and
// first sighting.
type DashboardMitigation struct {
	TrackedIssue
	SystemName string
	Vendor     string
	SHA        string
	First      FirstSeen
}

// DashboardWork is what the dashboard's views are made from: every tracked
// issue and every open threat, each with its model and first sighting, and
// every model with its accepted risks.
type DashboardWork struct {
	Mitigations []DashboardMitigation
	Threats     []DashboardThreat
	Models      []ModelSnapshot
}

// firstKey finds a first sighting: repository, kind, key.
type firstKey struct{ repo, kind, key string }

// DashboardWork reads everything the dashboard shows. The tables are read
// one by one and joined here: with ten thousand issues, SQLite answers a
// join with an index look-up per row about twice as slowly.
func (s *Store) DashboardWork(ctx context.Context) (*DashboardWork, error) {
	// The issues, most of the rows, are read while the rest is read
	// alongside (on another connection).
	var (
		issues   []TrackedIssue
		errIssue error
		wg       sync.WaitGroup
	)
	wg.Go(func() { issues, errIssue = s.DashboardIssues(ctx) })
	models, err := s.ModelSnapshots(ctx, "")
	var first map[firstKey]FirstSeen
	if err == nil {
		first, err = s.firstSeen(ctx)
	}
	byModel := make(map[[2]string]*ModelSnapshot, len(models))
	for i := range models {
		byModel[[2]string{models[i].RepoKey, models[i].Path}] = &models[i]
	}
	w := &DashboardWork{Models: models}
	if err == nil {
		w.Threats, err = s.dashboardThreats(ctx, byModel, first)
	}
	wg.Wait()
	if err := errors.Join(err, errIssue); err != nil {
		return nil, err
	}
	w.Mitigations = make([]DashboardMitigation, 0, len(issues))
	for _, t := range issues {
		d := DashboardMitigation{TrackedIssue: t}
		if m := byModel[[2]string{t.RepoKey, t.Path}]; m != nil {
			d.SystemName, d.Vendor, d.SHA = m.SystemName, m.Vendor, m.SHA
		}
		d.First = first[firstKey{t.RepoKey, KindMitigation, t.Key}]
		d.First.Kind, d.First.Key = KindMitigation, t.Key
		w.Mitigations = append(w.Mitigations, d)
	}
	return w, nil
}

func (s *Store) firstSeen(ctx context.Context) (map[firstKey]FirstSeen, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT repo_key, kind, item_key, first_seen_at, sha, pr_number, since_install FROM first_seen`)
	if err != nil {
		return nil, fmt.Errorf("store: first seen: %w", err)
	}
	defer rows.Close()
	out := map[firstKey]FirstSeen{}
	for rows.Next() {
		var k firstKey
		var f FirstSeen
		if err := rows.Scan(&k.repo, &k.kind, &k.key, timeCol{&f.At}, &f.SHA, &f.PR, &f.SinceInstall); err != nil {
			return nil, fmt.Errorf("store: first seen: %w", err)
		}
		out[k] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: first seen: %w", err)
	}
	return out, nil
}

func (s *Store) dashboardThreats(ctx context.Context, byModel map[[2]string]*ModelSnapshot, first map[firstKey]FirstSeen) ([]DashboardThreat, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT repo_key, path, system_id, threat_id, title, risk, planned, mitigations
FROM threat_snapshots`)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard threats: %w", err)
	}
	defer rows.Close()
	var out []DashboardThreat
	for rows.Next() {
		var t DashboardThreat
		var mits string
		if err := rows.Scan(&t.RepoKey, &t.Path, &t.SystemID, &t.ThreatID, &t.Title, &t.Risk, &t.Planned, &mits); err != nil {
			return nil, fmt.Errorf("store: dashboard threats: %w", err)
		}
		if mits != "" {
			t.Mitigations = strings.Split(mits, ",")
		}
		if m := byModel[[2]string{t.RepoKey, t.Path}]; m != nil {
			t.SystemName, t.SystemOwner, t.Vendor, t.SHA = m.SystemName, m.SystemOwner, m.Vendor, m.SHA
		}
		key := t.SystemID + "/" + t.ThreatID
		t.First = first[firstKey{t.RepoKey, KindThreat, key}]
		t.First.Kind, t.First.Key = KindThreat, key
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dashboard threats: %w", err)
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

// DashboardVersion changes whenever what DashboardWork and SummaryIssues
// read changes: a tracked issue saved or deleted, a reconcile's snapshot,
// a first sighting, a summary issue. The dashboard keeps what it read
// while it stays the same (one cheap query instead of every row).
func (s *Store) DashboardVersion(ctx context.Context) (string, error) {
	txt := func(col string) string {
		if s.pg {
			return "COALESCE(max(" + col + ")::text, '')"
		}
		return "COALESCE(max(" + col + "), '')"
	}
	var a, b, c, d int64
	var ua, ub, ud string
	err := s.rdb.QueryRowContext(ctx, `SELECT
    (SELECT count(*) FROM mitigation_issues), (SELECT `+txt("updated_at")+` FROM mitigation_issues),
    (SELECT count(*) FROM model_snapshots), (SELECT `+txt("updated_at")+` FROM model_snapshots),
    (SELECT count(*) FROM first_seen),
    (SELECT count(*) FROM repo_tracking), (SELECT `+txt("updated_at")+` FROM repo_tracking)`).Scan(&a, &ua, &b, &ub, &c, &d, &ud)
	if err != nil {
		return "", fmt.Errorf("store: dashboard version: %w", err)
	}
	return fmt.Sprintf("%d/%s/%d/%s/%d/%d/%s", a, ua, b, ub, c, d, ud), nil
}
