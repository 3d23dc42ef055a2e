package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one embedded NNN_name.sql file.
type migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{3,})_([a-z0-9_]+)\.sql$`)

// migrations lists a backend's migrations ("sqlite" or "postgres") in
// version order.
func migrations(backend string) ([]migration, error) {
	dir := path.Join("migrations", backend)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("store: migration %s/%s: name is not NNN_name.sql", dir, e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 && ms[len(ms)-1].Version == v {
			return nil, fmt.Errorf("store: migration %s: version %d twice", dir, v)
		}
		ms = append(ms, migration{Version: v, Name: m[2], SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.Version - b.Version })
	return ms, nil
}

func (s *Store) backend() string {
	if s.pg {
		return "postgres"
	}
	return "sqlite"
}

// migrationLockKey is the pg_advisory_lock key replicas take while one of
// them migrates ("tmbotmig").
const migrationLockKey int64 = 0x746d626f746d6967

// migrate applies tmbot's and River's migrations.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations(s.backend())
	if err != nil {
		return err
	}
	rm, err := rivermigrate.New(s.drv, &rivermigrate.Config{Logger: s.riverLogger()})
	if err != nil {
		return fmt.Errorf("store: river migrator: %w", err)
	}
	if !s.pg {
		// One immediate transaction holds SQLite's write lock for the whole
		// migration: a second process waits (busy_timeout) and then finds
		// everything applied. SQLite's DDL is transactional, so River's
		// migrations can join the same transaction.
		return s.InTx(ctx, func(tx *sql.Tx) error {
			if err := s.applyOwn(ctx, tx, ms); err != nil {
				return err
			}
			// MigrateTx is deprecated because of PostgreSQL's enum
			// migrations; SQLite has none and needs the one lock.
			if _, err := rm.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil { //nolint:staticcheck
				return fmt.Errorf("store: river migrations: %w", err)
			}
			return nil
		})
	}

	// PostgreSQL: a session advisory lock, held on one connection while
	// tmbot's migrations (one transaction) and River's (one transaction
	// each, as River wants) are applied.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even when ctx is done (closing
		// the connection would release it too).
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(uctx, "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // drop the connection, and with it the lock
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if err := s.applyOwn(ctx, tx, ms); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrate: commit: %w", err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("store: river migrations: %w", err)
	}
	return nil
}

// applyOwn applies the migrations not yet in schema_migrations, in tx.
func (s *Store) applyOwn(ctx context.Context, tx *sql.Tx, ms []migration) error {
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)`
	if s.pg {
		create = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL
)`
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate: %w", err)
		}
		done[v] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	latest := 0
	for _, m := range ms {
		latest = max(latest, m.Version)
	}
	for v := range done {
		if v > latest {
			return fmt.Errorf("store: the database has migration %d, newer than this tmbot knows (%d): run a newer tmbot", v, latest)
		}
	}
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("store: migration %03d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			m.Version, m.Name, s.t(now())); err != nil {
			return fmt.Errorf("store: migration %03d_%s: %w", m.Version, m.Name, err)
		}
		s.log.InfoContext(ctx, "store: applied migration", "version", m.Version, "name", m.Name, "backend", s.backend())
	}
	return nil
}

// riverLogger is s.log with River's chatter (info and below) left out.
func (s *Store) riverLogger() *slog.Logger {
	return slog.New(MinLevel(s.log.Handler(), slog.LevelWarn))
}

// MinLevel wraps h so that records below level are dropped.
func MinLevel(h slog.Handler, level slog.Level) slog.Handler {
	return minLevel{h, level}
}

type minLevel struct {
	slog.Handler
	level slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.level && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(as), m.level}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.level}
}
