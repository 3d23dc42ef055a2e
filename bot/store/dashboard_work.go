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

// DashboardMitigation is a tracked mitigation's issue with its model and
// first sighting.
type DashboardMitigation struct {
	TrackedIssue
	SystemName string
	Vendor     string
	SHA        string
	First      FirstSeen
}
