package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
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
			if strings.HasPrefix(status, "C") {
				old = ""
			}
			changes = append(changes, review.FileChange{Path: nw, OldPath: old})
			i += 3
		default:
			if i+1 >= len(fields) {
				return nil, fmt.Errorf("git diff: unexpected output")
			}
			changes = append(changes, review.FileChange{Path: fields[i+1]})
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
