package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/review"
)

// prSource reads a request through the forge, by commit: a request from a
// fork is read through the base repository.
//
// Through a forge that lists blobs (forge.BlobReader: GitHub), it is a
// review.Sizer: one listing per side gives the sizes of the changed model
// files, so the byte budget is applied before any content is read; a
// listed file is then read by its blob id, a content unchanged between
// the sides is read once, and a file the listing says is absent costs no
// call. What a listing does not settle (a path it cut short, a link, a
// submodule, a file never listed, like .tmbot.yaml) is read by path.
type prSource struct {
	client forge.Client
	pr     *forge.PullRequest
	log    *slog.Logger
	blobs  forge.BlobReader // nil: the forge reads by path only
	// listed holds, per side, what the listing said of each path asked:
	// a blob, or absent (found false, only from a complete listing).
	listed [2]map[string]listedPath
	// last is the blob just read at the base, kept until the next read:
	// the head of a file whose content did not change is that content.
	lastID   string
	lastData []byte
}

type listedPath struct {
	blob  forge.Blob
	found bool
}

var (
	_ review.Sizer          = (*prSource)(nil)
	_ review.ReadBounder    = (*prSource)(nil)
	_ review.BaselineReader = (*prSource)(nil)
)

// MaxRead implements review.ReadBounder: both forges cut a read at
// forge.MaxBlobRead bytes.
func (s *prSource) MaxRead() int64 { return forge.MaxBlobRead }

func newPRSource(client forge.Client, pr *forge.PullRequest, log *slog.Logger) *prSource {
	s := &prSource{client: client, pr: pr, log: log}
	s.blobs, _ = client.(forge.BlobReader)
	return s
}

func (s *prSource) sha(side review.Side) string {
	if side == review.Base {
		return s.pr.BaseSHA
	}
	return s.pr.HeadSHA
}

func (s *prSource) ChangedFiles(ctx context.Context) ([]review.FileChange, error) {
	return s.client.ChangedFiles(ctx, s.pr)
}

// Sizes implements review.Sizer: one listing of the side (none for no
// path). review.ErrSizesUnknown when the forge cannot list blobs, or when
// its listing leaves a size unknown (cut short, or a path that is not a
// regular file): the review then checks the budget as it reads.
func (s *prSource) Sizes(ctx context.Context, side review.Side, paths []string) (map[string]int64, error) {
	if s.blobs == nil {
		return nil, review.ErrSizesUnknown
	}
	out := make(map[string]int64, len(paths))
	if len(paths) == 0 {
		return out, nil
	}
	got, complete, err := s.blobs.Blobs(ctx, s.pr.Repo, s.sha(side), paths)
	if err != nil {
		return nil, fmt.Errorf("list the files at the %s (%s): %w", side, s.sha(side), err)
	}
	if s.listed[side] == nil {
		s.listed[side] = make(map[string]listedPath, len(paths))
	}
	unknown := 0
	for _, p := range paths {
		b, found := got[p]
		switch {
		case found && b.ID != "":
			// A read is cut at MaxBlobRead: the budget counts what is read.
			out[p] = min(b.Size, forge.MaxBlobRead)
			s.listed[side][p] = listedPath{blob: b, found: true}
		case !found && complete:
			s.listed[side][p] = listedPath{}
		default:
			unknown++
		}
	}
	if unknown > 0 {
		s.log.Info("sizes of model files not known before reading; the byte budget is checked while reading",
			"side", side.String(), "commit", s.sha(side), "tree_truncated", !complete, "unknown", unknown)
		return nil, fmt.Errorf("%d of %d files at the %s: %w", unknown, len(paths), side, review.ErrSizesUnknown)
	}
	return out, nil
}

// ReadFile reads a file at one side: by its blob id when the side's
// listing named it (and not at all when the listing says it is absent),
// by path otherwise.
func (s *prSource) ReadFile(ctx context.Context, side review.Side, path string) ([]byte, bool, error) {
	l, ok := s.listed[side][path]
	last, lastData := s.lastID, s.lastData
	s.lastID, s.lastData = "", nil
	switch {
	case !ok:
		return s.client.ReadFile(ctx, s.pr.Repo, s.sha(side), path)
	case !l.found:
		return nil, false, nil
	case side == review.Head && l.blob.ID == last:
		// The content is the base's, just read: the review only reads
		// what it is given, so both sides may share it.
		return lastData, true, nil
	}
	data, err := s.blobs.ReadBlob(ctx, s.pr.Repo, l.blob.ID)
	if err != nil {
		return nil, false, fmt.Errorf("read %s at the %s: %w", path, side, err)
	}
	if side == review.Base {
		s.lastID, s.lastData = l.blob.ID, data
	}
	return data, true, nil
}

// ReadAt implements review.BaselineReader: a file at any commit, by path
// (the repository's adoption baseline: one read per model file, which the
// client caches by commit).
func (s *prSource) ReadAt(ctx context.Context, commit, path string) ([]byte, bool, error) {
	data, found, err := s.client.ReadFile(ctx, s.pr.Repo, commit, path)
	if errors.Is(err, forge.ErrNotFound) {
		return nil, false, fmt.Errorf("%w: %w", review.ErrNoCommit, err)
	}
	return data, found, err
}
