package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func repo(inst int64, name string) forge.Repo {
	return forge.Repo{Forge: "github", Installation: inst, ID: inst*100 + 1, Owner: "acme", Name: name, DefaultBranch: "main"}
}

func pull(r forge.Repo, n int, head string, at time.Time) store.Pull {
	return store.Pull{
		PullRequest: forge.PullRequest{Repo: r, Number: n, Title: "t", BaseRef: "main", BaseSHA: "base", HeadSHA: head,
			HeadRepo: "fork/" + r.Name, State: "open", Author: "dev"},
		UpdatedAt: at,
	}
}

func TestOpenBadDatabase(t *testing.T) {
	for _, db := range []string{"", "mysql://x", "sqlite:", "sqlite:a.db?mode=ro"} {
		if _, err := store.Open(context.Background(), db, nil); err == nil {
			t.Errorf("Open(%q): no error", db)
		}
	}
}

func TestOpenPostgresErrorHidesPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := store.Open(ctx, "postgres://u:s3cretpw@127.0.0.1:1/x?sslmode=disable&connect_timeout=1", nil)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "s3cretpw") {
		t.Fatalf("error shows the password: %v", err)
	}
}

func TestSQLiteCreatesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "tmbot.db")
	st := storetest.OpenDatabase(t, "sqlite:"+path)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := st.DB().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := st.ReadDB().QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
	// The read pool does not write.
	if _, err := st.ReadDB().Exec("DELETE FROM locks"); err == nil {
		t.Fatal("read pool wrote")
	}
}

func migrationCounts(t *testing.T, st *store.Store) (own, river int) {
	t.Helper()
	if err := st.DB().QueryRow("SELECT count(*) FROM schema_migrations").Scan(&own); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRow("SELECT count(*) FROM river_migration").Scan(&river); err != nil {
		t.Fatal(err)
	}
	return own, river
}

func TestMigrations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		db := storetest.Database(t, backend)

		// Several replicas starting at once on an empty database.
		const n = 4
		stores := make([]*store.Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				stores[i], errs[i] = store.Open(ctxT(t), db, nil)
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("concurrent Open %d: %v", i, errs[i])
			}
			defer stores[i].Close()
		}
		own, river := migrationCounts(t, stores[0])
		if own < 1 || river < 6 {
			t.Fatalf("migrations: own %d river %d", own, river)
		}
		if err := stores[0].Ping(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if stores[0].Postgres() != (backend == "postgres") {
			t.Fatal("Postgres()")
		}
		for _, st := range stores {
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		}

		// Idempotent: opening again applies nothing.
		st := storetest.OpenDatabase(t, db)
		own2, river2 := migrationCounts(t, st)
		if own2 != own || river2 != river {
			t.Fatalf("reopen: own %d→%d river %d→%d", own, own2, river, river2)
		}
	})
}

func TestRecordDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		isNew, err := st.RecordDelivery(ctx, nil, "github", "d1", "pull_request")
		if err != nil || !isNew {
			t.Fatalf("first: %v %v", isNew, err)
		}
		isNew, err = st.RecordDelivery(ctx, nil, "github", "d1", "pull_request")
		if err != nil || isNew {
			t.Fatalf("duplicate: %v %v", isNew, err)
		}
		isNew, err = st.RecordDelivery(ctx, nil, "gitlab", "d1", "merge_request")
		if err != nil || !isNew {
			t.Fatalf("other forge: %v %v", isNew, err)
		}

		// A rolled-back delivery was not recorded.
		boom := errors.New("boom")
		err = st.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := st.RecordDelivery(ctx, tx, "github", "d2", "push"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		isNew, err = st.RecordDelivery(ctx, nil, "github", "d2", "push")
		if err != nil || !isNew {
			t.Fatalf("after rollback: %v %v", isNew, err)
		}

		// Racing the same delivery: exactly one is new.
		var news atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				err := st.InTx(ctx, func(tx *sql.Tx) error {
					n, err := st.RecordDelivery(ctx, tx, "github", "race", "pull_request")
					if err != nil {
						return err
					}
					// Hold the transaction a little, as a webhook would.
					time.Sleep(5 * time.Millisecond)
					if n {
						news.Add(1)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if news.Load() != 1 {
			t.Fatalf("racing deliveries: %d new", news.Load())
		}

		n, err := st.PruneDeliveries(ctx, time.Now().Add(time.Hour))
		if err != nil || n != 4 {
			t.Fatalf("prune: %d %v", n, err)
		}
	})
}

func TestUpsertPull(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		r := repo(7, "app")
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		key := pull(r, 3, "", t0).Key()

		if _, err := st.GetPull(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("absent: %v", err)
		}
		mustUpsert := func(p store.Pull, want bool) {
			t.Helper()
			changed, err := st.UpsertPull(ctx, nil, p)
			if err != nil || changed != want {
				t.Fatalf("UpsertPull(%s@%s) = %v, %v; want %v", p.HeadSHA, p.UpdatedAt, changed, err, want)
			}
		}
		mustUpsert(pull(r, 3, "aaa", t0), true)
		mustUpsert(pull(r, 3, "aaa", t0), false)                     // redelivery
		mustUpsert(pull(r, 3, "bbb", t0.Add(time.Minute)), true)     // new head
		mustUpsert(pull(r, 3, "aaa", t0.Add(30*time.Second)), false) // late redelivery
		mustUpsert(pull(r, 3, "bbb", t0.Add(2*time.Minute)), false)  // same content, newer
		mustUpsert(pull(r, 3, "aaa", t0.Add(90*time.Second)), false) // older than the bump above

		got, err := st.GetPull(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		want := pull(r, 3, "bbb", t0.Add(2*time.Minute))
		if got.PullRequest != want.PullRequest || !got.UpdatedAt.Equal(want.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
			t.Fatalf("GetPull = %+v, want %+v", got, want)
		}

		// In a caller's transaction, with draft and state changes.
		p := pull(r, 3, "bbb", t0.Add(3*time.Minute))
		p.Draft, p.State = true, "closed"
		err = st.InTx(ctx, func(tx *sql.Tx) error {
			changed, err := st.UpsertPull(ctx, tx, p)
			if err == nil && !changed {
				err = errors.New("not changed")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = st.GetPull(ctx, key)
		if !got.Draft || got.State != "closed" {
			t.Fatalf("draft/state: %+v", got)
		}

		// Concurrent first inserts of one request.
		var changes atomic.Int32
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				c, err := st.UpsertPull(ctx, nil, pull(r, 9, "ccc", t0))
				if err != nil {
					t.Error(err)
				}
				if c {
					changes.Add(1)
				}
			})
		}
		wg.Wait()
		if changes.Load() != 1 {
			t.Fatalf("concurrent inserts: %d changed", changes.Load())
		}
		list, err := st.ListPulls(ctx, r.Key(), "open")
		if err != nil || len(list) != 1 || list[0].Number != 9 {
			t.Fatalf("ListPulls open: %v %v", list, err)
		}
		list, err = st.ListPulls(ctx, "", "")
		if err != nil || len(list) != 2 {
			t.Fatalf("ListPulls all: %v %v", list, err)
		}
	})
}

func TestPRState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		key := pull(repo(1, "x"), 5, "", time.Time{}).Key()
		got, err := st.GetPRState(ctx, key)
		if err != nil || got != (store.PRState{}) {
			t.Fatalf("absent: %+v %v", got, err)
		}
		want := store.PRState{CommentID: 1 << 40, CommentHash: "h1", CheckRunID: 77, CheckHeadSHA: "abc",
			CheckHash: "h2", ReviewedHead: "abc", ReviewedAt: time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)}
		if err := st.SavePRState(ctx, key, want); err != nil {
			t.Fatal(err)
		}
		got, err = st.GetPRState(ctx, key)
		if err != nil || !got.ReviewedAt.Equal(want.ReviewedAt) {
			t.Fatalf("round trip: %+v %v", got, err)
		}
		got.ReviewedAt = want.ReviewedAt
		if got != want {
			t.Fatalf("round trip: %+v, want %+v", got, want)
		}
		want2 := store.PRState{CommentID: 2, CommentHash: "h3"}
		if err := st.SavePRState(ctx, key, want2); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.GetPRState(ctx, key); got != want2 {
			t.Fatalf("overwrite: %+v", got)
		}
	})
}

func TestReviews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		r := repo(1, "x")
		key := pull(r, 5, "", time.Time{}).Key()
		if ok, err := st.Reviewed(ctx, key, "h1"); err != nil || ok {
			t.Fatalf("before: %v %v", ok, err)
		}
		for i, h := range []string{"h1", "h2"} {
			if err := st.AddReview(ctx, store.ReviewRecord{PRKey: key, HeadSHA: h, Blocking: true, Models: 2,
				NewUnmitigated: 1, At: time.Now().Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := st.Reviewed(ctx, key, "h1"); err != nil || !ok {
			t.Fatalf("after: %v %v", ok, err)
		}
		if ok, _ := st.Reviewed(ctx, key, "h3"); ok {
			t.Fatal("h3 reviewed")
		}
		list, err := st.ListReviews(ctx, r.Key(), 0)
		if err != nil || len(list) != 2 || list[0].HeadSHA != "h2" || list[0].RepoKey != r.Key() || !list[0].Blocking || list[0].Models != 2 {
			t.Fatalf("ListReviews: %+v %v", list, err)
		}
	})
}

func TestLocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		try := func(owner string, ttl time.Duration, want bool) {
			t.Helper()
			ok, err := st.TryLock(ctx, "k", owner, ttl)
			if err != nil || ok != want {
				t.Fatalf("TryLock(%s) = %v, %v; want %v", owner, ok, err, want)
			}
		}
		try("a", time.Minute, true)
		try("b", time.Minute, false)
		try("a", time.Minute, true) // renew
		if err := st.Unlock(ctx, "k", "b"); err != nil {
			t.Fatal(err)
		}
		try("b", time.Minute, false) // b could not unlock a's lease
		if err := st.Unlock(ctx, "k", "a"); err != nil {
			t.Fatal(err)
		}
		try("b", 150*time.Millisecond, true)
		try("a", time.Minute, false)
		time.Sleep(200 * time.Millisecond)
		try("a", time.Minute, true) // b's lease expired: taken over
		if err := st.Unlock(ctx, "k", "b"); err != nil {
			t.Fatal(err)
		}
		try("b", time.Minute, false) // b's late unlock did not free a's lease

		// Only one of many racing owners gets a free lease.
		var got atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				ok, err := st.TryLock(ctx, "race", string(rune('a'+i)), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					got.Add(1)
				}
			})
		}
		wg.Wait()
		if got.Load() != 1 {
			t.Fatalf("%d owners got the lease", got.Load())
		}
	})
}

func TestInstallationsAndRepos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		for _, in := range []store.Installation{{ID: 1, Account: "acme"}, {ID: 2, Account: "other"}} {
			if err := st.UpsertInstallation(ctx, nil, in); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.UpsertInstallation(ctx, nil, store.Installation{ID: 1, Account: "acme", Suspended: true}); err != nil {
			t.Fatal(err)
		}
		if in, err := st.GetInstallation(ctx, 1); err != nil || !in.Suspended || in.Account != "acme" {
			t.Fatalf("GetInstallation: %+v %v", in, err)
		}
		if _, err := st.GetInstallation(ctx, 3); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		a, b, c := repo(1, "a"), repo(1, "b"), repo(2, "c")
		gl := forge.Repo{Forge: "gitlab", ID: 42, Owner: "grp/sub", Name: "proj"}
		for _, r := range []forge.Repo{a, b, c, gl} {
			if err := st.UpsertRepo(ctx, nil, r); err != nil {
				t.Fatal(err)
			}
			if _, err := st.UpsertPull(ctx, nil, pull(r, 1, "h", time.Now())); err != nil {
				t.Fatal(err)
			}
			key := pull(r, 1, "h", time.Time{}).Key()
			if err := st.SavePRState(ctx, key, store.PRState{CommentID: 9}); err != nil {
				t.Fatal(err)
			}
			if err := st.AddReview(ctx, store.ReviewRecord{PRKey: key, HeadSHA: "h"}); err != nil {
				t.Fatal(err)
			}
		}
		// An update without a default branch keeps the known one.
		a2 := a
		a2.DefaultBranch = ""
		if err := st.UpsertRepo(ctx, nil, a2); err != nil {
			t.Fatal(err)
		}
		if got, err := st.GetRepo(ctx, a.Key()); err != nil || got != a {
			t.Fatalf("GetRepo: %+v %v", got, err)
		}
		repos, err := st.ListRepos(ctx)
		if err != nil || len(repos) != 4 {
			t.Fatalf("ListRepos: %v %v", repos, err)
		}

		if err := st.DeleteInstallation(ctx, nil, 1); err != nil {
			t.Fatal(err)
		}
		repos, err = st.ListRepos(ctx)
		if err != nil || len(repos) != 2 || repos[0] != c || repos[1] != gl {
			t.Fatalf("after delete: %v %v", repos, err)
		}
		if _, err := st.GetInstallation(ctx, 1); !errors.Is(err, store.ErrNotFound) {
			t.Fatal("installation kept")
		}
		for _, r := range []forge.Repo{a, b} {
			key := pull(r, 1, "h", time.Time{}).Key()
			if _, err := st.GetPull(ctx, key); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("pull of %s kept: %v", r.Key(), err)
			}
			if s, _ := st.GetPRState(ctx, key); s != (store.PRState{}) {
				t.Fatalf("state of %s kept", r.Key())
			}
			if ok, _ := st.Reviewed(ctx, key, "h"); ok {
				t.Fatalf("reviews of %s kept", r.Key())
			}
		}
		for _, r := range []forge.Repo{c, gl} {
			key := pull(r, 1, "h", time.Time{}).Key()
			if _, err := st.GetPull(ctx, key); err != nil {
				t.Fatalf("pull of %s gone: %v", r.Key(), err)
			}
			if s, _ := st.GetPRState(ctx, key); s.CommentID != 9 {
				t.Fatalf("state of %s gone", r.Key())
			}
		}

		if err := st.DeleteRepo(ctx, nil, gl.Key()); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetPull(ctx, pull(gl, 1, "", time.Time{}).Key()); !errors.Is(err, store.ErrNotFound) {
			t.Fatal("gitlab pull kept")
		}
		if repos, _ := st.ListRepos(ctx); len(repos) != 1 {
			t.Fatalf("after DeleteRepo: %v", repos)
		}
	})
}

func TestInTxRollsBackOnPanic(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	ctx := ctxT(t)
	func() {
		defer func() { _ = recover() }()
		_ = st.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := st.RecordDelivery(ctx, tx, "github", "p", "x"); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	// The connection is usable and the delivery was not recorded.
	isNew, err := st.RecordDelivery(ctx, nil, "github", "p", "x")
	if err != nil || !isNew {
		t.Fatalf("%v %v", isNew, err)
	}
}

func TestTrackedIssues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ti := store.TrackedIssue{RepoKey: "github:1:a/b", Key: "pay/waf", Number: 7, State: "open", Path: "m.threatmodel.yaml",
			Title: "WAF", Status: "planned", Risk: "high", Owner: "@alice", Due: "2027-01-31"}
		if err := st.SaveTrackedIssue(ctx, ti); err != nil {
			t.Fatal(err)
		}
		ti.State, ti.ClosedByBot = "closed", true
		if err := st.SaveTrackedIssue(ctx, ti); err != nil {
			t.Fatal(err)
		}
		got, err := st.TrackedIssues(ctx, "github:1:a/b")
		if err != nil {
			t.Fatal(err)
		}
		g := got["pay/waf"]
		if len(got) != 1 || g.Number != 7 || g.State != "closed" || !g.ClosedByBot || g.CreatedAt.IsZero() || g.Owner != "@alice" {
			t.Errorf("got %+v", got)
		}
		all, err := st.AllTrackedIssues(ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("all: %v %v", all, err)
		}
		rt := store.RepoTracking{RepoKey: "github:1:a/b", SHA: "abc", SummaryNumber: 3, SummaryHash: "h"}
		if err := st.SaveRepoTracking(ctx, rt); err != nil {
			t.Fatal(err)
		}
		if got, err := st.GetRepoTracking(ctx, rt.RepoKey); err != nil || got != rt {
			t.Errorf("repo tracking %+v %v", got, err)
		}
		for _, key := range []string{"github:1:a/b", "github:1:a/other"} {
			if err := st.SaveCheckpoint(ctx, store.Checkpoint{RepoKey: key, JobID: 9, SHA: "abc", State: []byte("{}")}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.DeleteRepo(ctx, nil, "github:1:a/b"); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.TrackedIssues(ctx, "github:1:a/b"); len(got) != 0 {
			t.Errorf("left after DeleteRepo: %v", got)
		}
		// A removed repository's tracking checkpoint goes with it (a
		// repository added again starts its tracking afresh); another's stays.
		if c, err := st.GetCheckpoint(ctx, "github:1:a/b"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("checkpoint left after DeleteRepo: %+v %v", c, err)
		}
		if _, err := st.GetCheckpoint(ctx, "github:1:a/other"); err != nil {
			t.Errorf("another repository's checkpoint: %v", err)
		}
	})
}
