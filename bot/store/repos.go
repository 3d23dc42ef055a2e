package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
)

// RecordDelivery records a webhook delivery, by forge and delivery id
// (GitHub's X-GitHub-Delivery, GitLab's Idempotency-Key). new is false when
// the delivery was recorded before: the caller then does nothing more. In
// the caller's transaction, two deliveries of the same id racing each other
// make exactly one new (the second waits for the first to commit).
func (s *Store) RecordDelivery(ctx context.Context, tx *sql.Tx, forgeName, id, event string) (new bool, err error) {
	if forgeName == "" || id == "" {
		return false, errors.New("store: RecordDelivery: forge and id are required")
	}
	res, err := s.on(tx).ExecContext(ctx, s.q(`INSERT INTO deliveries (forge, id, event, received_at) VALUES (?, ?, ?, ?)
ON CONFLICT (forge, id) DO NOTHING`), forgeName, id, event, s.t(now()))
	if err != nil {
		return false, fmt.Errorf("store: record delivery: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: record delivery: %w", err)
	}
	return n == 1, nil
}

// PruneDeliveries forgets deliveries received before before (forges do
// not redeliver after a few days), and returns how many it removed.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q("DELETE FROM deliveries WHERE received_at < ?"), s.t(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune deliveries: %w", err)
	}
	return res.RowsAffected()
}

// Installation is a GitHub App installation (GitLab has none: its
// repositories use installation 0).
type Installation struct {
	ID        int64
	Account   string
	Suspended bool
}

// UpsertInstallation creates or updates an installation.
func (s *Store) UpsertInstallation(ctx context.Context, tx *sql.Tx, in Installation) error {
	_, err := s.on(tx).ExecContext(ctx, s.q(`INSERT INTO installations (id, account, suspended, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET account = excluded.account, suspended = excluded.suspended, updated_at = excluded.updated_at`),
		in.ID, in.Account, in.Suspended, s.t(now()))
	if err != nil {
		return fmt.Errorf("store: upsert installation: %w", err)
	}
	return nil
}

// GetInstallation reads an installation; ErrNotFound when absent.
func (s *Store) GetInstallation(ctx context.Context, id int64) (Installation, error) {
	var in Installation
	err := s.rdb.QueryRowContext(ctx, s.q("SELECT id, account, suspended FROM installations WHERE id = ?"), id).
		Scan(&in.ID, &in.Account, &in.Suspended)
	if errors.Is(err, sql.ErrNoRows) {
		return Installation{}, ErrNotFound
	}
	if err != nil {
		return Installation{}, fmt.Errorf("store: get installation: %w", err)
	}
	return in, nil
}

// ListInstallations lists the installations by id.
func (s *Store) ListInstallations(ctx context.Context) ([]Installation, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT id, account, suspended FROM installations ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: list installations: %w", err)
	}
	defer rows.Close()
	var out []Installation
	for rows.Next() {
		var in Installation
		if err := rows.Scan(&in.ID, &in.Account, &in.Suspended); err != nil {
			return nil, fmt.Errorf("store: list installations: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// DeleteInstallation removes a GitHub installation with its repositories
// and everything stored for them (requests, what the bot wrote, review
// history).
func (s *Store) DeleteInstallation(ctx context.Context, tx *sql.Tx, id int64) error {
	prefix := forge.Repo{Forge: "github", Installation: id}.Key()
	prefix = prefix[:strings.LastIndex(prefix, ":")+1] // "github:ID:"
	return s.inTx(ctx, tx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM installations WHERE id = ?"), id); err != nil {
			return fmt.Errorf("store: delete installation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM repos WHERE forge = 'github' AND installation = ?"), id); err != nil {
			return fmt.Errorf("store: delete installation: %w", err)
		}
		return s.deleteRepoState(ctx, tx, "repo_key LIKE ?", prefix+"%")
	})
}

// deleteRepoState removes requests, their state and review history, and
// what the dashboard shows (tracked issues, model and threat snapshots,
// accepted risks, first sightings, risk history) and the tracking job's
// checkpoint of the repositories that where (a condition on repo_key)
// selects.
func (s *Store) deleteRepoState(ctx context.Context, tx *sql.Tx, where string, arg any) error {
	for _, table := range []string{"pulls", "pr_state", "reviews", "mitigation_issues", "repo_tracking", "model_snapshots",
		"accepted_risks", "threat_snapshots", "first_seen", "risk_history", "track_checkpoints"} {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM "+table+" WHERE "+where), arg); err != nil {
			return fmt.Errorf("store: delete %s: %w", table, err)
		}
	}
	return nil
}

// UpsertRepo creates or updates a repository, by its Key. An empty
// DefaultBranch or a zero ID leaves the stored one.
func (s *Store) UpsertRepo(ctx context.Context, tx *sql.Tx, r forge.Repo) error {
	if r.Forge == "" || r.Owner == "" || r.Name == "" {
		return errors.New("store: UpsertRepo: forge, owner and name are required")
	}
	_, err := s.on(tx).ExecContext(ctx, s.q(`INSERT INTO repos (key, forge, installation, repo_id, owner, name, default_branch, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    repo_id = CASE WHEN excluded.repo_id <> 0 THEN excluded.repo_id ELSE repos.repo_id END,
    default_branch = CASE WHEN excluded.default_branch <> '' THEN excluded.default_branch ELSE repos.default_branch END,
    updated_at = excluded.updated_at`),
		r.Key(), r.Forge, r.Installation, r.ID, r.Owner, r.Name, r.DefaultBranch, s.t(now()))
	if err != nil {
		return fmt.Errorf("store: upsert repo: %w", err)
	}
	return nil
}

// DeleteRepo removes a repository (by Key) and everything stored for it.
func (s *Store) DeleteRepo(ctx context.Context, tx *sql.Tx, key string) error {
	return s.inTx(ctx, tx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM repos WHERE key = ?"), key); err != nil {
			return fmt.Errorf("store: delete repo: %w", err)
		}
		return s.deleteRepoState(ctx, tx, "repo_key = ?", key)
	})
}

const repoCols = "forge, installation, repo_id, owner, name, default_branch"

func scanRepo(sc interface{ Scan(...any) error }) (forge.Repo, error) {
	var r forge.Repo
	err := sc.Scan(&r.Forge, &r.Installation, &r.ID, &r.Owner, &r.Name, &r.DefaultBranch)
	return r, err
}

// GetRepo reads a repository by Key; ErrNotFound when absent.
func (s *Store) GetRepo(ctx context.Context, key string) (forge.Repo, error) {
	r, err := scanRepo(s.rdb.QueryRowContext(ctx, s.q("SELECT "+repoCols+" FROM repos WHERE key = ?"), key))
	if errors.Is(err, sql.ErrNoRows) {
		return forge.Repo{}, ErrNotFound
	}
	if err != nil {
		return forge.Repo{}, fmt.Errorf("store: get repo: %w", err)
	}
	return r, nil
}

// ListRepos lists every repository, by key.
func (s *Store) ListRepos(ctx context.Context) ([]forge.Repo, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+repoCols+" FROM repos ORDER BY key")
	if err != nil {
		return nil, fmt.Errorf("store: list repos: %w", err)
	}
	defer rows.Close()
	var out []forge.Repo
	for rows.Next() {
		r, err := scanRepo(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list repos: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// repoKeyOf is the repository part of a request key ("KEY#N" → "KEY").
func repoKeyOf(prKey string) string {
	i := strings.LastIndexByte(prKey, '#')
	if i < 0 {
		return prKey
	}
	if _, err := strconv.Atoi(prKey[i+1:]); err != nil {
		return prKey
	}
	return prKey[:i]
}
