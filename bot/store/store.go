// Package store is tmbot's durable state: webhook deliveries (for
// deduplication), installations and repositories, the newest known state of
// each pull request, what the bot last wrote for a request, review history,
// per-request leases, the tracking issues and what the dashboard reads
// (model snapshots, first appearances, risk history; dashboard*.go), a
// tracking job's checkpoint and the installations' rate budgets
// (resilience.go), and the dashboard's sessions. It is one implementation over database/sql for
// both backends, chosen by the form of TMBOT_DATABASE:
//
//   - sqlite:PATH — modernc.org/sqlite (pure Go), the file created when
//     missing, WAL journal, busy timeout, foreign keys on. One connection
//     writes (every transaction is BEGIN IMMEDIATE on it, so writers queue in
//     Go instead of sleeping in SQLite's busy handler, which keeps the
//     webhook acknowledgement fast); a separate read-only pool serves the
//     read methods, which never wait for a writer under WAL.
//   - postgres://… or postgresql://… — github.com/jackc/pgx/v5/stdlib.
//
// Open applies the embedded, versioned migrations (migrations/sqlite,
// migrations/postgres; recorded in schema_migrations) and River's own
// migrations, so that the queue (bot/queue) can run over the same *sql.DB.
// Several replicas may Open at once: on PostgreSQL the migrations run under
// pg_advisory_lock, on SQLite in one immediate transaction.
//
// All times are UTC. Methods that take a *sql.Tx run in that transaction;
// a nil tx makes them run on their own.
//
// On SQLite the writer pool has a single connection: inside InTx, use only
// the transaction you are given (and read methods, which use the read
// pool); calling a write method with a nil tx, or DB(), from inside an
// InTx callback would wait for the connection the callback holds.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned by getters when the thing asked for is not stored.
var ErrNotFound = errors.New("store: not found")

// Store is tmbot's database. It is safe for concurrent use.
type Store struct {
	db  *sql.DB // all writes, River; on PostgreSQL also reads
	rdb *sql.DB // reads (SQLite: a read-only pool; PostgreSQL: db)
	pg  bool
	log *slog.Logger
	drv riverdriver.Driver[*sql.Tx]
	// path is the SQLite file.
	path string
}

// Open opens (and migrates) the database named by database: "sqlite:PATH"
// or a "postgres://" URL. log may be nil. Errors never contain the URL (it
// may carry a password).
func Open(ctx context.Context, database string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		s   *Store
		err error
	)
	switch {
	case strings.HasPrefix(database, "sqlite:"):
		s, err = openSQLite(ctx, strings.TrimPrefix(database, "sqlite:"), log)
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		s, err = openPostgres(ctx, database, log)
	default:
		return nil, errors.New("store: TMBOT_DATABASE must be sqlite:PATH or a postgres:// URL")
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if !s.pg {
		// The read pool opens after migration: the file is in WAL mode by now.
		if err := s.openSQLiteReader(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// sqlitePath is the path of a "sqlite:" database; "sqlite:///abs" and
// "sqlite://rel" are accepted too.
func sqlitePath(p string) (string, error) {
	p = strings.TrimPrefix(p, "//")
	if p == "" {
		return "", errors.New("store: sqlite: empty path")
	}
	if strings.ContainsAny(p, "?#") || p == ":memory:" || strings.HasPrefix(p, "file:") {
		return "", fmt.Errorf("store: sqlite: unsupported path %q (a plain file path is expected)", p)
	}
	return p, nil
}

// sqliteParams are the connection settings of every SQLite connection; the
// writer adds journal_mode and _txlock, the readers query_only.
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

func openSQLite(ctx context.Context, p string, log *slog.Logger) (*Store, error) {
	path, err := sqlitePath(p)
	if err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: sqlite: %w", err)
		}
	}
	db, err := sql.Open("sqlite", path+"?"+sqliteParams+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: sqlite: %w", err)
	}
	// One writer: SQLite serialises writers anyway, and queueing them on
	// database/sql's pool hands the connection over at once, where
	// several connections would meet SQLITE_BUSY and sleep in the busy
	// handler. River's SQLite driver asks for this too.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: sqlite: open %s: %w", path, err)
	}
	if err := walMode(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: sqlite: open %s: %w", path, err)
	}
	s := &Store{db: db, log: log, path: path}
	s.drv = riversqlite.New(db)
	return s, nil
}

// walMode puts the database in WAL mode (a property of the file, kept
// once set). Switching needs an exclusive lock, and SQLite answers
// SQLITE_BUSY at once, without its busy handler, when another process
// opens the same new file at the same moment: so retry for a while.
func walMode(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				return fmt.Errorf("journal_mode is %q, not wal", mode)
			}
			return nil
		}
		if !Retryable(err) || time.Now().After(deadline) {
			return fmt.Errorf("journal_mode=WAL: %w", err)
		}
		t := time.NewTimer(time.Duration(10+rand.IntN(40)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Store) openSQLiteReader(ctx context.Context) error {
	rdb, err := sql.Open("sqlite", s.path+"?"+sqliteParams+"&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("store: sqlite: %w", err)
	}
	n := min(max(4, runtime.GOMAXPROCS(0)), 8)
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxIdleTime(5 * time.Minute)
	if err := rdb.PingContext(ctx); err != nil {
		_ = rdb.Close()
		return fmt.Errorf("store: sqlite: open reader: %w", err)
	}
	s.rdb = rdb
	return nil
}

func openPostgres(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", redact(err, url))
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: postgres: connect: %w", redact(err, url))
	}
	s := &Store{db: db, rdb: db, pg: true, log: log}
	s.drv = riverdatabasesql.New(db)
	return s, nil
}

// redact keeps a database URL (and so its password) out of an error.
func redact(err error, url string) error {
	if err == nil || url == "" || !strings.Contains(err.Error(), url) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), url, "postgres://…"))
}

// Close closes the database pools.
func (s *Store) Close() error {
	var errs []error
	if s.rdb != nil && s.rdb != s.db {
		errs = append(errs, s.rdb.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// DB is the read-write pool River runs over (on SQLite its single
// connection: see the package comment).
func (s *Store) DB() *sql.DB { return s.db }

// ReadDB is a pool for reads only (on PostgreSQL the same as DB).
func (s *Store) ReadDB() *sql.DB { return s.rdb }

// Postgres reports whether the store is PostgreSQL (else SQLite).
func (s *Store) Postgres() bool { return s.pg }

// RiverDriver is the River driver over DB (riverdatabasesql or
// riversqlite); bot/queue builds its client with it.
func (s *Store) RiverDriver() riverdriver.Driver[*sql.Tx] { return s.drv }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return err
	}
	if s.rdb != nil && s.rdb != s.db {
		return s.rdb.PingContext(ctx)
	}
	return nil
}

// txAttempts is how many times InTx runs fn when the database says to try
// again.
const txAttempts = 5

// InTx runs fn in a transaction and commits it, or rolls it back when fn
// returns an error. It runs fn again (up to a few times, with a short
// jittered backoff) when the database reports a conflict that a retry
// resolves: SQLITE_BUSY/SQLITE_LOCKED, or a PostgreSQL serialization
// failure or deadlock. fn must therefore have no effect outside the
// transaction.
func (s *Store) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < txAttempts; attempt++ {
		if attempt > 0 {
			d := time.Duration(5<<attempt) * time.Millisecond
			d += time.Duration(rand.Int64N(int64(d)))
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return errors.Join(err, ctx.Err())
			case <-t.C:
			}
		}
		err = s.inTxOnce(ctx, fn)
		if err == nil || !Retryable(err) || ctx.Err() != nil {
			return err
		}
		s.log.DebugContext(ctx, "store: transaction conflict, retrying", "attempt", attempt+1, "err", err)
	}
	return err
}

func (s *Store) inTxOnce(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Retryable reports whether err is a transient conflict that running the
// transaction again may resolve.
func Retryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// execer is what *sql.DB and *sql.Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// on is tx, or the writer pool when tx is nil.
func (s *Store) on(tx *sql.Tx) execer {
	if tx != nil {
		return tx
	}
	return s.db
}

// inTx runs fn in tx, or in a transaction of its own when tx is nil.
func (s *Store) inTx(ctx context.Context, tx *sql.Tx, fn func(tx *sql.Tx) error) error {
	if tx != nil {
		return fn(tx)
	}
	return s.InTx(ctx, fn)
}

// q rewrites a query written with ? placeholders for the backend
// (PostgreSQL wants $1, $2…). Queries hold no ? other than placeholders.
func (s *Store) q(query string) string {
	if !s.pg || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// forUpdate is the row-locking suffix of a SELECT (SQLite transactions
// already hold the database's write lock).
func (s *Store) forUpdate() string {
	if s.pg {
		return " FOR UPDATE"
	}
	return ""
}

// sqliteTime is how SQLite columns hold times: fixed width, so that text
// order is time order; microseconds, as PostgreSQL keeps.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// t is the value to bind for a time.
func (s *Store) t(v time.Time) any {
	v = v.UTC().Truncate(time.Microsecond)
	if s.pg {
		return v
	}
	return v.Format(sqliteTime)
}

// tn is t, or NULL for the zero time.
func (s *Store) tn(v time.Time) any {
	if v.IsZero() {
		return nil
	}
	return s.t(v)
}

// timeCol scans a time column of either backend (NULL is the zero time).
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	var t time.Time
	switch x := v.(type) {
	case nil:
	case time.Time:
		t = x
	case string:
		p, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return fmt.Errorf("store: bad time %q: %w", x, err)
		}
		t = p
	case []byte:
		p, err := time.Parse(time.RFC3339Nano, string(x))
		if err != nil {
			return fmt.Errorf("store: bad time %q: %w", x, err)
		}
		t = p
	default:
		return fmt.Errorf("store: cannot scan %T as a time", v)
	}
	if t.IsZero() || t.Equal(time.Time{}) {
		*c.t = time.Time{}
		return nil
	}
	*c.t = t.UTC()
	return nil
}

// now is the store's clock (UTC, microseconds).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
