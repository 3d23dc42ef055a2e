package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TrackedIssue is a planned mitigation's issue, as the bot remembers it:
// the mapping the bot finds the issue by, and what the dashboard shows.
type TrackedIssue struct {
	RepoKey string
	// Key is "system/mitigation".
	Key    string
	Number int
	URL    string
	// State is open or closed.
	State           string
	ClosedByBot     bool
	HumanCloseNoted bool
	Path            string
	Content         string
	System          string
	Mitigation      string
	Title           string
	Status          string
	Risk            string
	Owner           string
	Due             string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

const trackedColumns = `repo_key, key, number, url, state, closed_by_bot, human_close_noted, path, content, system,
    mitigation, title, status, risk, owner, due, created_at, updated_at`

func scanTracked(sc interface{ Scan(...any) error }) (TrackedIssue, error) {
	var t TrackedIssue
	err := sc.Scan(&t.RepoKey, &t.Key, &t.Number, &t.URL, &t.State, &t.ClosedByBot, &t.HumanCloseNoted, &t.Path,
		&t.Content, &t.System, &t.Mitigation, &t.Title, &t.Status, &t.Risk, &t.Owner, &t.Due,
		timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt})
	return t, err
}

// TrackedIssues returns a repository's tracked issues by key.
func (s *Store) TrackedIssues(ctx context.Context, repoKey string) (map[string]TrackedIssue, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+trackedColumns+` FROM mitigation_issues WHERE repo_key = ?`), repoKey)
	if err != nil {
		return nil, fmt.Errorf("store: tracked issues: %w", err)
	}
	defer rows.Close()
	out := map[string]TrackedIssue{}
	for rows.Next() {
		t, err := scanTracked(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tracked issues: %w", err)
		}
		out[t.Key] = t
	}
	return out, rows.Err()
}

// AllTrackedIssues returns every tracked issue of every repository (the
// dashboard), newest first.
func (s *Store) AllTrackedIssues(ctx context.Context) ([]TrackedIssue, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+trackedColumns+` FROM mitigation_issues ORDER BY created_at DESC, repo_key, key`))
	if err != nil {
		return nil, fmt.Errorf("store: all tracked issues: %w", err)
	}
	defer rows.Close()
	var out []TrackedIssue
	for rows.Next() {
		t, err := scanTracked(rows)
		if err != nil {
			return nil, fmt.Errorf("store: all tracked issues: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SaveTrackedIssue records a tracked issue (CreatedAt is kept from the
// first save).
func (s *Store) SaveTrackedIssue(ctx context.Context, t TrackedIssue) error {
	n := now()
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO mitigation_issues (`+trackedColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (repo_key, key) DO UPDATE SET number = excluded.number, url = excluded.url, state = excluded.state,
    closed_by_bot = excluded.closed_by_bot, human_close_noted = excluded.human_close_noted, path = excluded.path,
    content = excluded.content, system = excluded.system, mitigation = excluded.mitigation, title = excluded.title,
    status = excluded.status, risk = excluded.risk, owner = excluded.owner, due = excluded.due,
    updated_at = excluded.updated_at`),
		t.RepoKey, t.Key, t.Number, t.URL, t.State, t.ClosedByBot, t.HumanCloseNoted, t.Path, t.Content, t.System,
		t.Mitigation, t.Title, t.Status, t.Risk, t.Owner, t.Due, s.t(n), s.t(n))
	if err != nil {
		return fmt.Errorf("store: save tracked issue: %w", err)
	}
	return nil
}

// DeleteTrackedIssue forgets a key (a renamed mitigation's old key).
func (s *Store) DeleteTrackedIssue(ctx context.Context, repoKey, key string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM mitigation_issues WHERE repo_key = ? AND key = ?`), repoKey, key); err != nil {
		return fmt.Errorf("store: delete tracked issue: %w", err)
	}
	return nil
}

// RepoTracking is what the bot remembers of a repository's tracking.
type RepoTracking struct {
	RepoKey       string
	SHA           string // the default-branch commit last reconciled
	SummaryNumber int
	SummaryHash   string
}

// GetRepoTracking returns a repository's tracking state (zero when none).
func (s *Store) GetRepoTracking(ctx context.Context, repoKey string) (RepoTracking, error) {
	r := RepoTracking{RepoKey: repoKey}
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT sha, summary_number, summary_hash FROM repo_tracking WHERE repo_key = ?`), repoKey).
		Scan(&r.SHA, &r.SummaryNumber, &r.SummaryHash)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("store: get repo tracking: %w", err)
	}
	return r, nil
}

// SaveRepoTracking records a repository's tracking state.
func (s *Store) SaveRepoTracking(ctx context.Context, r RepoTracking) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO repo_tracking (repo_key, sha, summary_number, summary_hash, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (repo_key) DO UPDATE SET sha = excluded.sha, summary_number = excluded.summary_number,
    summary_hash = excluded.summary_hash, updated_at = excluded.updated_at`),
		r.RepoKey, r.SHA, r.SummaryNumber, r.SummaryHash, s.t(now()))
	if err != nil {
		return fmt.Errorf("store: save repo tracking: %w", err)
	}
	return nil
}
