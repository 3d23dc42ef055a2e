package gitlabtest

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// FileDiff is one file of a merge request's diff, as GET
// /merge_requests/:iid/diffs gives it.
type FileDiff struct {
	OldPath, NewPath                  string
	NewFile, DeletedFile, RenamedFile bool
	TooLarge                          bool
	Diff                              string
	// lines maps a new line number to its old one (0: added), for the
	// lines the diff shows.
	lines map[int]int
	// removed holds the old line numbers of removed lines.
	removed map[int]bool
}

// maxDiffCells bounds the line diff's table (a file pair larger than that
// is "too large", as GitLab collapses huge diffs).
const maxDiffCells = 4_000_000

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

type op struct {
	kind     byte // ' ', '-', '+'
	old, new int  // 1-based line numbers (0 when n/a)
	text     string
}

// lineOps diffs two texts line by line (longest common subsequence).
func lineOps(a, b []string) ([]op, bool) {
	n, m := len(a), len(b)
	if (n+1)*(m+1) > maxDiffCells {
		return nil, false
	}
	// lcs[i][j]: the LCS length of a[i:] and b[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{' ', i + 1, j + 1, a[i]})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', i + 1, 0, a[i]})
			i++
		default:
			ops = append(ops, op{'+', 0, j + 1, b[j]})
			j++
		}
	}
	return ops, true
}

// unified renders ops as hunks with three lines of context, and records
// which new lines the diff shows.
func unified(ops []op, fd *FileDiff) string {
	const ctx = 3
	var changes []int
	for i, o := range ops {
		if o.kind != ' ' {
			changes = append(changes, i)
		}
	}
	if len(changes) == 0 {
		return ""
	}
	var b strings.Builder
	for k := 0; k < len(changes); {
		start := max(changes[k]-ctx, 0)
		end := changes[k]
		for k < len(changes) && changes[k] <= end+2*ctx {
			end = changes[k]
			k++
		}
		end = min(end+ctx, len(ops)-1)
		oldStart, newStart, oldCount, newCount := 0, 0, 0, 0
		// The numbers the hunk starts at.
		for i := start; i <= end; i++ {
			o := ops[i]
			if o.kind != '+' && oldStart == 0 {
				oldStart = o.old
			}
			if o.kind != '-' && newStart == 0 {
				newStart = o.new
			}
			if o.kind != '+' {
				oldCount++
			}
			if o.kind != '-' {
				newCount++
			}
		}
		if oldStart == 0 {
			oldStart = lastBefore(ops, start, true)
		}
		if newStart == 0 {
			newStart = lastBefore(ops, start, false)
		}
		fmt.Fprintf(&b, "@@ -%s +%s @@\n", span(oldStart, oldCount), span(newStart, newCount))
		for i := start; i <= end; i++ {
			o := ops[i]
			b.WriteByte(o.kind)
			b.WriteString(o.text)
			b.WriteByte('\n')
			switch o.kind {
			case ' ':
				fd.lines[o.new] = o.old
			case '+':
				fd.lines[o.new] = 0
			case '-':
				fd.removed[o.old] = true
			}
		}
	}
	return b.String()
}

// lastBefore is the line number before an empty side of a hunk (0 at the
// start of the file).
func lastBefore(ops []op, i int, old bool) int {
	for j := i - 1; j >= 0; j-- {
		if old && ops[j].old != 0 {
			return ops[j].old
		}
		if !old && ops[j].new != 0 {
			return ops[j].new
		}
	}
	return 0
}

func span(start, count int) string {
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

// diffFiles computes a merge request's diff: the files that differ between
// base and head, with renames of unchanged content found.
func diffFiles(base, head map[string][]byte) []FileDiff {
	var out []FileDiff
	var added, removed []string
	for p, h := range head {
		b, ok := base[p]
		switch {
		case !ok:
			added = append(added, p)
		case !bytes.Equal(b, h):
			out = append(out, fileDiff(p, p, b, h, false, false, false))
		}
	}
	for p := range base {
		if _, ok := head[p]; !ok {
			removed = append(removed, p)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	usedOld := map[string]bool{}
	for _, a := range added {
		renamed := ""
		for _, r := range removed {
			if !usedOld[r] && bytes.Equal(base[r], head[a]) {
				renamed = r
				break
			}
		}
		if renamed != "" {
			usedOld[renamed] = true
			out = append(out, fileDiff(renamed, a, base[renamed], head[a], false, false, true))
			continue
		}
		out = append(out, fileDiff(a, a, nil, head[a], true, false, false))
	}
	for _, r := range removed {
		if !usedOld[r] {
			out = append(out, fileDiff(r, r, base[r], nil, false, true, false))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NewPath < out[j].NewPath })
	return out
}

func fileDiff(oldPath, newPath string, a, b []byte, isNew, deleted, renamed bool) FileDiff {
	fd := FileDiff{OldPath: oldPath, NewPath: newPath, NewFile: isNew, DeletedFile: deleted, RenamedFile: renamed,
		lines: map[int]int{}, removed: map[int]bool{}}
	ops, ok := lineOps(splitLines(a), splitLines(b))
	if !ok {
		fd.TooLarge = true
		return fd
	}
	fd.Diff = unified(ops, &fd)
	return fd
}
