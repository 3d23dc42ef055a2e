package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Dashboard sessions: the server side of the dashboard's session cookies,
// so that a logout ends a session on every replica.

// CreateSession records a session, by id (a hash of the cookie's nonce),
// until expires; sessions expired before now are forgotten on the way.
func (s *Store) CreateSession(ctx context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("store: CreateSession: the id is required")
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM dashboard_sessions WHERE expires_at <= ?"), s.t(now())); err != nil {
			return fmt.Errorf("store: forget expired sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO dashboard_sessions (id, expires_at) VALUES (?, ?)"), id, s.t(expires)); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return nil
	})
}

// SessionActive reports whether a session exists and has not expired at
// at.
func (s *Store) SessionActive(ctx context.Context, id string, at time.Time) (bool, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM dashboard_sessions WHERE id = ? AND expires_at > ?"), id, s.t(at)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: read session: %w", err)
	}
	return n == 1, nil
}

// DeleteSession ends a session (nothing when it is unknown).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, s.q("DELETE FROM dashboard_sessions WHERE id = ?"), id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}
