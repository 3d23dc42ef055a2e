package github_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
)

// TestBlobsListsOnceAndReadsByID: one tree call lists the asked paths with
// their blob ids and sizes (an absent one is left out), a second asking
// costs nothing, a blob is read by id once, and a large blob is cut at
// forge.MaxBlobRead.
func TestBlobsListsOnceAndReadsByID(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	big := bytes.Repeat([]byte("x"), forge.MaxBlobRead+10)
	f.srv.PutFile("alpine/pay", commit("c1"), "m/a.threatmodel.yaml", []byte("version: 1\n"))
	f.srv.PutFile("alpine/pay", commit("c1"), "m/big.threatmodel.yaml", big)
	f.srv.PutFile("alpine/pay", commit("c1"), "other/x.go", []byte("package x\n"))
	paths := []string{"m/a.threatmodel.yaml", "m/big.threatmodel.yaml", "m/absent.threatmodel.yaml"}
	for i := range 2 {
		got, complete, err := f.c.Blobs(ctx, f.repo, commit("c1"), paths)
		if err != nil || !complete {
			t.Fatalf("listing %d: complete %v, %v", i, complete, err)
		}
		if len(got) != 2 || got["m/a.threatmodel.yaml"].Size != 11 || got["m/big.threatmodel.yaml"].Size != int64(len(big)) ||
			len(got["m/a.threatmodel.yaml"].ID) != 40 {
			t.Fatalf("listing %d: %+v", i, got)
		}
	}
	if n := f.c.Calls(); n != 1 {
		t.Errorf("%d calls for two listings of one commit, want 1", n)
	}
	got, _, _ := f.c.Blobs(ctx, f.repo, commit("c1"), paths)
	for range 2 {
		data, err := f.c.ReadBlob(ctx, f.repo, got["m/a.threatmodel.yaml"].ID)
		if err != nil || string(data) != "version: 1\n" {
			t.Fatalf("%q %v", data, err)
		}
		data[0] = 'X' // the caller's copy
	}
	data, err := f.c.ReadBlob(ctx, f.repo, got["m/big.threatmodel.yaml"].ID)
	if err != nil || len(data) != forge.MaxBlobRead {
		t.Errorf("a blob of %d bytes read as %d bytes (%v), want cut at %d", len(big), len(data), err, forge.MaxBlobRead)
	}
	if n := f.c.Calls(); n != 3 {
		t.Errorf("%d calls, want 3 (one listing, two blobs)", n)
	}
	if _, err := f.c.ReadBlob(ctx, f.repo, "not-a-sha"); err == nil {
		t.Error("a blob id that is not hex was sent")
	}
	_, err = f.c.ReadBlob(ctx, f.repo, strings.Repeat("ab", 20))
	if f.seen(err) == nil || !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("an unknown blob: %v, want not found", err)
	}
	f.noSecrets(t)
}

// TestBlobsTruncatedListing: a listing GitHub cut short is marked
// incomplete, keeps what it did list, and is not cached as saying that
// the rest is absent.
func TestBlobsTruncatedListing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.srv.PutFile("alpine/pay", commit("c1"), "a.threatmodel.yaml", []byte("a"))
	f.srv.PutFile("alpine/pay", commit("c1"), "z/z.threatmodel.yaml", []byte("z"))
	f.srv.SetTreeLimit(1)
	paths := []string{"a.threatmodel.yaml", "z/z.threatmodel.yaml"}
	for range 2 {
		got, complete, err := f.c.Blobs(ctx, f.repo, commit("c1"), paths)
		if err != nil || complete {
			t.Fatalf("complete %v, %v; want an incomplete listing", complete, err)
		}
		if _, ok := got["a.threatmodel.yaml"]; !ok || len(got) != 1 {
			t.Errorf("%+v, want the one listed file", got)
		}
	}
	if n := f.c.Calls(); n != 2 {
		t.Errorf("%d calls, want 2: an incomplete listing is not taken as the whole", n)
	}
}
