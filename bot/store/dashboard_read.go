package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// How the dashboard reads its rows: all of them, or those of the
// repositories whose generation changed (migration
// 007_dashboard_generations.sql: triggers bump a repository's generation
// on every write to a table the dashboard reads).

// repoFilter selects repositories by key: nil for every repository.
type repoFilter []string

// oneRepo is the filter of one repository ("" for every repository).
func oneRepo(key string) repoFilter {
	if key == "" {
		return nil
	}
	return repoFilter{key}
}

// where is the filter's WHERE clause on repo_key ("" for every
// repository) and its arguments.
func (f repoFilter) where() (string, []any) {
	if f == nil {
		return "", nil
	}
	if len(f) == 0 {
		return " WHERE 1 = 0", nil
	}
	args := make([]any, len(f))
	for i, k := range f {
		args[i] = k
	}
	return " WHERE repo_key IN (?" + strings.Repeat(", ?", len(f)-1) + ")", args
}

// DashboardWork is what the dashboard's views are made from: every tracked
// issue and every open threat, each with its model and first sighting,
// every model with its accepted risks, and each repository's summary
// issue.
type DashboardWork struct {
	Mitigations []DashboardMitigation
	Threats     []DashboardThreat
	Models      []ModelSnapshot
	// Summary maps each repository with a summary tracking issue to its
	// number.
	Summary map[string]int
}

// firstKey finds a first sighting: repository, kind, key.
type firstKey struct{ repo, kind, key string }

// DashboardWork reads what the dashboard shows of repos (no repos: of
// every repository). The tables are read one by one and joined here: with
// ten thousand issues, SQLite answers a join with an index look-up per row
// about twice as slowly.
func (s *Store) DashboardWork(ctx context.Context, repos ...string) (*DashboardWork, error) {
	var in repoFilter
	if len(repos) > 0 {
		in = repoFilter(repos)
	}
	// The issues, most of the rows, are read while the rest is read
	// alongside (on another connection).
	var (
		issues   []TrackedIssue
		errIssue error
		wg       sync.WaitGroup
	)
	wg.Go(func() { issues, errIssue = s.dashboardIssues(ctx, in) })
	models, err := s.modelSnapshots(ctx, in)
	var first map[firstKey]FirstSeen
	if err == nil {
		first, err = s.firstSeen(ctx, in)
	}
	byModel := make(map[[2]string]*ModelSnapshot, len(models))
	for i := range models {
		byModel[[2]string{models[i].RepoKey, models[i].Path}] = &models[i]
	}
	w := &DashboardWork{Models: models}
	if err == nil {
		w.Threats, err = s.dashboardThreats(ctx, in, byModel, first)
	}
	if err == nil {
		w.Summary, err = s.summaryIssues(ctx, in)
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

func (s *Store) firstSeen(ctx context.Context, in repoFilter) (map[firstKey]FirstSeen, error) {
	where, args := in.where()
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT repo_key, kind, item_key, first_seen_at, sha, pr_number, since_install
FROM first_seen`+where), args...)
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

func (s *Store) dashboardThreats(ctx context.Context, in repoFilter, byModel map[[2]string]*ModelSnapshot,
	first map[firstKey]FirstSeen) ([]DashboardThreat, error) {
	where, args := in.where()
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT repo_key, path, system_id, threat_id, title, risk, planned, mitigations
FROM threat_snapshots`+where), args...)
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
	return s.summaryIssues(ctx, nil)
}

func (s *Store) summaryIssues(ctx context.Context, in repoFilter) (map[string]int, error) {
	where, args := in.where()
	cond := " WHERE summary_number > 0"
	if where != "" {
		cond = where + " AND summary_number > 0"
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT repo_key, summary_number FROM repo_tracking`+cond), args...)
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

// DashboardGenerations maps each repository that has had something the
// dashboard reads to its generation, which every write to those tables
// bumps (a tracked issue, a reconcile's snapshot, a first sighting, a
// summary issue; a deleted repository's rows too). The dashboard keeps each
// repository's rows while its generation stays the same: one small query
// instead of every row.
func (s *Store) DashboardGenerations(ctx context.Context) (map[string]int64, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT repo_key, generation FROM dashboard_generations`)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard generations: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var g int64
		if err := rows.Scan(&k, &g); err != nil {
			return nil, fmt.Errorf("store: dashboard generations: %w", err)
		}
		out[k] = g
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dashboard generations: %w", err)
	}
	return out, nil
}
