package forge

import "context"

// BlobReader is a forge that lists a commit's files with their blob ids
// and sizes in one call, and reads a file's content by its blob id
// (GitHub's git trees and blobs APIs). It is optional: a review through a
// forge that has it learns the sizes of the model files before reading
// any of them (so a request over the byte budget is refused without
// reading content), and reads each distinct content once (a file unchanged
// between base and head, or between two pushes, is not read again).
type BlobReader interface {
	// Blobs lists, of paths, those that are regular files at the commit,
	// with their blob ids and sizes. A path that is something else there
	// (a symbolic link, a submodule) is listed with an empty ID and a size
	// of -1: read it by path. Complete is false when the forge cut its
	// listing short (GitHub truncates a recursive tree past 100,000
	// entries or 7 MB): a path missing from the answer may then exist.
	Blobs(ctx context.Context, repo Repo, sha string, paths []string) (blobs map[string]Blob, complete bool, err error)
	// ReadBlob reads a blob by its id. Content over MaxBlobRead bytes is
	// cut there, so that the loader sees that it is too large without the
	// bot holding all of it.
	ReadBlob(ctx context.Context, repo Repo, id string) ([]byte, error)
}

// Blob is a file's content as the forge names it.
type Blob struct {
	// ID is git's object id of the content, empty for a path that is not
	// a regular file.
	ID string
	// Size is the content's length in bytes, -1 when unknown.
	Size int64
}

// MaxBlobRead is the most bytes of one blob a BlobReader returns: one
// more than the largest model file (brief §2: 16 MiB).
const MaxBlobRead = 16<<20 + 1
