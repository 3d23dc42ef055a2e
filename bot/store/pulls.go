package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
)

// Pull is the newest known state of a request, as webhooks and resync saw
// it. UpdatedAt is the forge's updated_at of that state (or when it was
// seen, when the forge gives none): it orders states, so that a late
// redelivery cannot roll a head back.
type Pull struct {
	forge.PullRequest
	UpdatedAt time.Time
}

const pullCols = `forge, installation, repo_id, owner, name, default_branch, number, title, base_ref, base_sha,
    head_sha, head_repo, draft, state, author, updated_at`

func scanPull(sc interface{ Scan(...any) error }) (Pull, error) {
	var p Pull
	r := &p.Repo
	err := sc.Scan(&r.Forge, &r.Installation, &r.ID, &r.Owner, &r.Name, &r.DefaultBranch,
		&p.Number, &p.Title, &p.BaseRef, &p.BaseSHA, &p.HeadSHA, &p.HeadRepo, &p.Draft, &p.State, &p.Author,
		timeCol{&p.UpdatedAt})
	return p, err
}

// UpsertPull stores p as the newest state of its request unless the stored
// state is newer (a stored UpdatedAt after p's). changed reports whether
// the request's fields (anything but UpdatedAt) changed: false for a
// redelivery, and for an update that was ignored as older.
func (s *Store) UpsertPull(ctx context.Context, tx *sql.Tx, p Pull) (changed bool, err error) {
	if p.Repo.Forge == "" || p.Repo.Owner == "" || p.Repo.Name == "" || p.Number <= 0 {
		return false, errors.New("store: UpsertPull: repository and number are required")
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = now()
	}
	p.UpdatedAt = p.UpdatedAt.UTC().Truncate(time.Microsecond)
	key := p.Key()
	err = s.inTx(ctx, tx, func(tx *sql.Tx) error {
		changed = false
		for range 2 {
			old, err := scanPull(tx.QueryRowContext(ctx, s.q("SELECT "+pullCols+" FROM pulls WHERE key = ?"+s.forUpdate()), key))
			if errors.Is(err, sql.ErrNoRows) {
				// Insert; a concurrent insert of the same request wins the
				// race and this reads it again.
				res, err := tx.ExecContext(ctx, s.q(`INSERT INTO pulls (key, repo_key, `+pullCols+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO NOTHING`), append([]any{key, p.Repo.Key()}, s.pullArgs(p)...)...)
				if err != nil {
					return fmt.Errorf("store: upsert pull: %w", err)
				}
				if n, err := res.RowsAffected(); err != nil {
					return fmt.Errorf("store: upsert pull: %w", err)
				} else if n == 1 {
					changed = true
					return nil
				}
				continue
			}
			if err != nil {
				return fmt.Errorf("store: upsert pull: %w", err)
			}
			if old.UpdatedAt.After(p.UpdatedAt) {
				return nil // older than what is stored
			}
			changed = old.PullRequest != p.PullRequest
			if !changed && old.UpdatedAt.Equal(p.UpdatedAt) {
				return nil
			}
			_, err = tx.ExecContext(ctx, s.q(`UPDATE pulls SET forge = ?, installation = ?, repo_id = ?, owner = ?, name = ?,
    default_branch = ?, number = ?, title = ?, base_ref = ?, base_sha = ?, head_sha = ?, head_repo = ?, draft = ?,
    state = ?, author = ?, updated_at = ?
WHERE key = ?`), append(s.pullArgs(p), key)...)
			if err != nil {
				return fmt.Errorf("store: upsert pull: %w", err)
			}
			return nil
		}
		return errors.New("store: upsert pull: the row came and went")
	})
	return changed, err
}

func (s *Store) pullArgs(p Pull) []any {
	r := p.Repo
	return []any{r.Forge, r.Installation, r.ID, r.Owner, r.Name, r.DefaultBranch,
		p.Number, p.Title, p.BaseRef, p.BaseSHA, p.HeadSHA, p.HeadRepo, p.Draft, p.State, p.Author,
		s.t(p.UpdatedAt)}
}

// GetPull reads a request by its key (forge.PullRequest.Key);
// ErrNotFound when absent.
func (s *Store) GetPull(ctx context.Context, key string) (Pull, error) {
	p, err := scanPull(s.rdb.QueryRowContext(ctx, s.q("SELECT "+pullCols+" FROM pulls WHERE key = ?"), key))
	if errors.Is(err, sql.ErrNoRows) {
		return Pull{}, ErrNotFound
	}
	if err != nil {
		return Pull{}, fmt.Errorf("store: get pull: %w", err)
	}
	return p, nil
}

// ListPulls lists the stored requests of a repository (repoKey "" for all),
// in a state ("" for any), by repository and number.
func (s *Store) ListPulls(ctx context.Context, repoKey, state string) ([]Pull, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q("SELECT "+pullCols+` FROM pulls
WHERE (? = '' OR repo_key = ?) AND (? = '' OR state = ?)
ORDER BY repo_key, number`), repoKey, repoKey, state, state)
	if err != nil {
		return nil, fmt.Errorf("store: list pulls: %w", err)
	}
	defer rows.Close()
	var out []Pull
	for rows.Next() {
		p, err := scanPull(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list pulls: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PRState is what the bot last wrote for a request, so that it writes
// nothing when nothing changed: the review comment (id, hash of its body),
// the check (run id on GitHub, for which head, hash of its content), and
// the last head reviewed.
type PRState struct {
	CommentID    int64
	CommentHash  string
	CheckRunID   int64
	CheckHeadSHA string
	CheckHash    string
	ReviewedHead string
	ReviewedAt   time.Time
}

// GetPRState reads a request's state; the zero value when there is none.
func (s *Store) GetPRState(ctx context.Context, key string) (PRState, error) {
	var st PRState
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT comment_id, comment_hash, check_run_id, check_head_sha, check_hash,
    reviewed_head, reviewed_at FROM pr_state WHERE pr_key = ?`), key).
		Scan(&st.CommentID, &st.CommentHash, &st.CheckRunID, &st.CheckHeadSHA, &st.CheckHash, &st.ReviewedHead,
			timeCol{&st.ReviewedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return PRState{}, nil
	}
	if err != nil {
		return PRState{}, fmt.Errorf("store: get pr state: %w", err)
	}
	return st, nil
}

// SavePRState replaces a request's state.
func (s *Store) SavePRState(ctx context.Context, key string, st PRState) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO pr_state (pr_key, repo_key, comment_id, comment_hash, check_run_id,
    check_head_sha, check_hash, reviewed_head, reviewed_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (pr_key) DO UPDATE SET comment_id = excluded.comment_id, comment_hash = excluded.comment_hash,
    check_run_id = excluded.check_run_id, check_head_sha = excluded.check_head_sha, check_hash = excluded.check_hash,
    reviewed_head = excluded.reviewed_head, reviewed_at = excluded.reviewed_at, updated_at = excluded.updated_at`),
		key, repoKeyOf(key), st.CommentID, st.CommentHash, st.CheckRunID, st.CheckHeadSHA, st.CheckHash,
		st.ReviewedHead, s.tn(st.ReviewedAt), s.t(now()))
	if err != nil {
		return fmt.Errorf("store: save pr state: %w", err)
	}
	return nil
}

// ReviewRecord is one review the bot made, for the dashboard and for
// resync (a head never reviewed).
type ReviewRecord struct {
	PRKey, RepoKey, HeadSHA string
	Blocking                bool
	Models, NewUnmitigated  int
	Errors                  int
	At                      time.Time
}

// AddReview records a review (At defaults to now; RepoKey to PRKey's
// repository).
func (s *Store) AddReview(ctx context.Context, r ReviewRecord) error {
	if r.PRKey == "" || r.HeadSHA == "" {
		return errors.New("store: AddReview: PRKey and HeadSHA are required")
	}
	if r.RepoKey == "" {
		r.RepoKey = repoKeyOf(r.PRKey)
	}
	if r.At.IsZero() {
		r.At = now()
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO reviews (pr_key, repo_key, head_sha, blocking, models, new_unmitigated, errors, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), r.PRKey, r.RepoKey, r.HeadSHA, r.Blocking, r.Models, r.NewUnmitigated, r.Errors, s.t(r.At))
	if err != nil {
		return fmt.Errorf("store: add review: %w", err)
	}
	return nil
}

// Reviewed reports whether a request's head was reviewed.
func (s *Store) Reviewed(ctx context.Context, prKey, headSHA string) (bool, error) {
	var one int
	err := s.rdb.QueryRowContext(ctx, s.q("SELECT 1 FROM reviews WHERE pr_key = ? AND head_sha = ? LIMIT 1"), prKey, headSHA).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: reviewed: %w", err)
	}
	return true, nil
}

// ListReviews lists the newest reviews of a repository (repoKey "" for
// all), newest first, at most limit (0 means 100).
func (s *Store) ListReviews(ctx context.Context, repoKey string, limit int) ([]ReviewRecord, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT pr_key, repo_key, head_sha, blocking, models, new_unmitigated, errors, at
FROM reviews WHERE (? = '' OR repo_key = ?) ORDER BY at DESC, id DESC LIMIT ?`), repoKey, repoKey, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list reviews: %w", err)
	}
	defer rows.Close()
	var out []ReviewRecord
	for rows.Next() {
		var r ReviewRecord
		if err := rows.Scan(&r.PRKey, &r.RepoKey, &r.HeadSHA, &r.Blocking, &r.Models, &r.NewUnmitigated, &r.Errors,
			timeCol{&r.At}); err != nil {
			return nil, fmt.Errorf("store: list reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// TryLock takes, renews or takes over the lease on key for owner until
// ttl from now: it succeeds when nobody holds it, owner holds it, or the
// holder's lease expired. Work for one request is serialised on its key
// across replicas.
func (s *Store) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if key == "" || owner == "" || ttl <= 0 {
		return false, errors.New("store: TryLock: key, owner and a positive ttl are required")
	}
	t := now()
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE locks.owner = excluded.owner OR locks.expires_at <= ?`), key, owner, s.t(t.Add(ttl)), s.t(t))
	if err != nil {
		return false, fmt.Errorf("store: lock: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: lock: %w", err)
	}
	return n == 1, nil
}

// Unlock gives up owner's lease on key (nothing when another holds it).
func (s *Store) Unlock(ctx context.Context, key, owner string) error {
	if _, err := s.db.ExecContext(ctx, s.q("DELETE FROM locks WHERE key = ? AND owner = ?"), key, owner); err != nil {
		return fmt.Errorf("store: unlock: %w", err)
	}
	return nil
}
