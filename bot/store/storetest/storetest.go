// Package storetest gives tests a fresh, empty, migrated database on each
// backend: SQLite in t.TempDir(), and PostgreSQL in a database of its own
// (tmbot_test_<random>, created from the server in TMBOT_TEST_POSTGRES,
// default postgres://postgres@127.0.0.1:5432/test?sslmode=disable, and
// dropped at cleanup).
//
// PostgreSQL tests are skipped when the server does not answer, unless CI
// is set, when they fail.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"github.com/tmbot/tmbot/bot/store"
)

// DefaultPostgres is the server PostgreSQL tests use unless
// TMBOT_TEST_POSTGRES says otherwise.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Backends are the backends to run a test on.
var Backends = []string{"sqlite", "postgres"}

// Each runs f as a parallel subtest per backend.
func Each(t *testing.T, f func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// Open opens a store on a fresh database of backend, closed at cleanup.
func Open(t testing.TB, backend string) *store.Store {
	t.Helper()
	return OpenDatabase(t, Database(t, backend))
}

// OpenDatabase opens a store on database (from Database), closed at
// cleanup.
func OpenDatabase(t testing.TB, database string) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, database, nil)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	if st.Postgres() {
		// Tests run side by side on one server: keep each store modest.
		st.DB().SetMaxOpenConns(8)
		st.DB().SetMaxIdleConns(2)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Database returns a TMBOT_DATABASE value naming a fresh, empty database
// of backend ("sqlite" or "postgres"), removed at cleanup.
func Database(t testing.TB, backend string) string {
	t.Helper()
	switch backend {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "tmbot.db")
	case "postgres":
		return postgresDatabase(t)
	}
	t.Fatalf("storetest: unknown backend %q", backend)
	return ""
}

var (
	pgOnce sync.Once
	pgErr  error
)

func serverURL() string {
	if u := os.Getenv("TMBOT_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// RequirePostgres skips t (or fails it, under CI) when the PostgreSQL
// server does not answer.
func RequirePostgres(t testing.TB) {
	t.Helper()
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", serverURL())
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	if pgErr == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("PostgreSQL at %s is unreachable and CI is set: %v", redacted(), pgErr)
	}
	t.Skipf("PostgreSQL at %s is unreachable (set CI to make this fail): %v", redacted(), pgErr)
}

func redacted() string {
	u, err := url.Parse(serverURL())
	if err != nil {
		return "TMBOT_TEST_POSTGRES"
	}
	return u.Redacted()
}

func postgresDatabase(t testing.TB) string {
	t.Helper()
	RequirePostgres(t)
	admin, err := sql.Open("pgx", serverURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "tmbot_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for attempt := 0; ; attempt++ {
		_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name)
		// Concurrent CREATE DATABASE may find the template busy
		// (SQLSTATE 55006, object_in_use: "source database is being
		// accessed by other users").
		var pgErr *pgconn.PgError
		if err == nil || attempt == 10 || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", serverURL())
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(serverURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
