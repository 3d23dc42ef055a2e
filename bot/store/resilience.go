package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Checkpoint is a tracking reconcile's progress, kept across the attempts
// of one job (bot/jobs/track.go says what State holds).
type Checkpoint struct {
	RepoKey string
	JobID   int64
	SHA     string
	State   []byte
	// UpdatedAt is when it was last saved (UTC).
	UpdatedAt time.Time
}

// GetCheckpoint reads a repository's checkpoint: ErrNotFound when none.
func (s *Store) GetCheckpoint(ctx context.Context, repoKey string) (Checkpoint, error) {
	c := Checkpoint{RepoKey: repoKey}
	var at any
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT job_id, sha, state, updated_at FROM track_checkpoints WHERE repo_key = ?`), repoKey).
		Scan(&c.JobID, &c.SHA, &c.State, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: get the checkpoint of %s: %w", repoKey, err)
	}
	switch v := at.(type) {
	case time.Time:
		c.UpdatedAt = v.UTC()
	case string:
		c.UpdatedAt, _ = time.Parse(sqliteTime, v)
	case []byte:
		c.UpdatedAt, _ = time.Parse(sqliteTime, string(v))
	}
	return c, nil
}

// SaveCheckpoint records a repository's checkpoint, replacing any.
func (s *Store) SaveCheckpoint(ctx context.Context, c Checkpoint) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO track_checkpoints (repo_key, job_id, sha, state, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (repo_key) DO UPDATE SET job_id = excluded.job_id, sha = excluded.sha, state = excluded.state,
    updated_at = excluded.updated_at`),
		c.RepoKey, c.JobID, c.SHA, c.State, s.t(now()))
	if err != nil {
		return fmt.Errorf("store: save the checkpoint of %s: %w", c.RepoKey, err)
	}
	return nil
}

// DeleteCheckpoint forgets a repository's checkpoint (tx may be nil).
func (s *Store) DeleteCheckpoint(ctx context.Context, tx *sql.Tx, repoKey string) error {
	query := s.q(`DELETE FROM track_checkpoints WHERE repo_key = ?`)
	var err error
	if tx != nil {
		_, err = tx.ExecContext(ctx, query, repoKey)
	} else {
		_, err = s.db.ExecContext(ctx, query, repoKey)
	}
	if err != nil {
		return fmt.Errorf("store: delete the checkpoint of %s: %w", repoKey, err)
	}
	return nil
}

// RateBudget is the last primary rate limit an installation's calls
// reported.
type RateBudget struct {
	// Key is "forge:installation".
	Key       string
	Remaining int
	Reset     time.Time
}

// GetRateBudget reads a budget; ok is false when none was recorded or its
// reset has passed (the limit is whole again).
func (s *Store) GetRateBudget(ctx context.Context, key string, at time.Time) (RateBudget, bool, error) {
	b := RateBudget{Key: key}
	var reset int64
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT remaining, reset_at FROM rate_budgets WHERE budget_key = ?`), key).
		Scan(&b.Remaining, &reset)
	if errors.Is(err, sql.ErrNoRows) {
		return b, false, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("store: get the rate budget of %s: %w", key, err)
	}
	b.Reset = time.Unix(reset, 0).UTC()
	if !b.Reset.After(at) {
		return b, false, nil
	}
	return b, true, nil
}

// SaveRateBudget records what an installation's last answer said of its
// rate limit.
func (s *Store) SaveRateBudget(ctx context.Context, b RateBudget) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO rate_budgets (budget_key, remaining, reset_at, updated_at)
VALUES (?, ?, ?, ?)
ON CONFLICT (budget_key) DO UPDATE SET remaining = excluded.remaining, reset_at = excluded.reset_at,
    updated_at = excluded.updated_at`),
		b.Key, b.Remaining, b.Reset.Unix(), s.t(now()))
	if err != nil {
		return fmt.Errorf("store: save the rate budget of %s: %w", b.Key, err)
	}
	return nil
}
