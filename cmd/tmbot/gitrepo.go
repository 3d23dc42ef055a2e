package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/tmbot/tmbot/bot/review"
)

// gitSource is a local git repository seen at two commits: what `tmbot
// review` reviews, the way the bot reviews a pull request.
type gitSource struct {
	dir        string
	base, head string // commit ids
}

func (g *gitSource) git(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", g.dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return out, nil
}

// resolve gives the commit id of a ref.
func (g *gitSource) resolve(ctx context.Context, ref string) (string, error) {
	out, err := g.git(ctx, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%s is not a commit in %s", ref, g.dir)
	}
	return strings.TrimSpace(string(out)), nil
}

// defaultBranch finds the branch a pull request would target: the
// remote's HEAD, else main or master.
func (g *gitSource) defaultBranch(ctx context.Context) (string, error) {
	if out, err := g.git(ctx, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"); err == nil {
		return strings.TrimSpace(string(out)), nil
	}
	for _, b := range []string{"main", "master"} {
		if _, err := g.resolve(ctx, b); err == nil {
			return b, nil
		}
	}
	return "", fmt.Errorf("cannot tell the default branch of %s: give --base", g.dir)
}

// ChangedFiles lists the files that differ between base and head,
// following renames.
func (g *gitSource) ChangedFiles(ctx context.Context) ([]review.FileChange, error) {
	out, err := g.git(ctx, "diff", "--name-status", "-z", "-M", "--no-ext-diff", g.base, g.head)
	if err != nil {
		return nil, err
	}
	fields := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	var changes []review.FileChange
	for i := 0; i < len(fields) && fields[i] != ""; {
		status := fields[i]
		switch {
		case strings.HasPrefix(status, "R") || strings.HasPrefix(status, "C"):
			if i+2 >= len(fields) {
				return nil, fmt.Errorf("git diff: unexpected output")
			}
			old, nw := fields[i+1], fields[i+2]
			st := review.FileRenamed
			if strings.HasPrefix(status, "C") {
				old, st = "", review.FileAdded
			}
			changes = append(changes, review.FileChange{Path: nw, OldPath: old, Status: st})
			i += 3
		default:
			if i+1 >= len(fields) {
				return nil, fmt.Errorf("git diff: unexpected output")
			}
			st := review.FileModified
			switch status {
			case "A":
				st = review.FileAdded
			case "D":
				st = review.FileRemoved
			}
			changes = append(changes, review.FileChange{Path: fields[i+1], Status: st})
			i += 2
		}
	}
	return changes, nil
}

// ReadFile reads a file at the base or head commit.
func (g *gitSource) ReadFile(ctx context.Context, side review.Side, path string) ([]byte, bool, error) {
	commit := g.head
	if side == review.Base {
		commit = g.base
	}
	return g.readBlob(ctx, commit, path)
}

// readBlob reads a file at a commit; found is false when it is not there.
func (g *gitSource) readBlob(ctx context.Context, commit, path string) ([]byte, bool, error) {
	spec := commit + ":" + path
	if _, err := g.git(ctx, "cat-file", "-e", spec); err != nil {
		return nil, false, nil
	}
	out, err := g.git(ctx, "cat-file", "blob", spec)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// Sizes implements review.Sizer: the sizes of files at a side, in one
// `git cat-file --batch-check`, so that the review's byte budget is
// checked before any model file is read.
func (g *gitSource) Sizes(ctx context.Context, side review.Side, paths []string) (map[string]int64, error) {
	commit := g.head
	if side == review.Base {
		commit = g.base
	}
	out := map[string]int64{}
	var in strings.Builder
	var asked []string
	for _, p := range paths {
		if strings.ContainsAny(p, "\n\r") {
			continue // not expressible on a batch line; read and counted later
		}
		in.WriteString(commit + ":" + p + "\n")
		asked = append(asked, p)
	}
	if len(asked) == 0 {
		return out, nil
	}
	cmd := exec.CommandContext(ctx, "git", "-C", g.dir, "cat-file", "--batch-check=%(objecttype) %(objectsize)")
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git cat-file --batch-check: %s %w", msg, err)
		}
		return nil, fmt.Errorf("git cat-file --batch-check: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(res), "\n"), "\n")
	if len(lines) != len(asked) {
		return nil, fmt.Errorf("git cat-file --batch-check: %d answers for %d files", len(lines), len(asked))
	}
	for i, l := range lines {
		typ, size, ok := strings.Cut(l, " ")
		if !ok || typ != "blob" {
			continue // missing at this side, or not a file
		}
		n, err := strconv.ParseInt(size, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("git cat-file --batch-check: %q: not a size", l)
		}
		out[asked[i]] = n
	}
	return out, nil
}

// ReadAt implements review.BaselineReader: a file at any commit of the
// repository (the adoption baseline).
func (g *gitSource) ReadAt(ctx context.Context, commit, path string) ([]byte, bool, error) {
	if _, err := g.resolve(ctx, commit); err != nil {
		return nil, false, fmt.Errorf("%w: %s", review.ErrNoCommit, err)
	}
	return g.readBlob(ctx, commit, path)
}
