package gitlab

import (
	"strconv"
	"strings"
)

// fileDiff is what a merge request's diff of one file says about the lines
// of the new file: a discussion can only be placed on a line the diff
// shows (an added line, or a context line with its old number).
type fileDiff struct {
	oldPath, newPath string
	newFile          bool
	// lines maps a new line number to its old number (0 for an added
	// line).
	lines map[int]int
}

// parseDiff reads the hunks of a unified diff as GitLab gives it (the
// "diff" of GET /merge_requests/:iid/diffs: "@@ -a,b +c,d @@" headers, then
// lines starting with " ", "+" or "-").
func parseDiff(oldPath, newPath string, newFile bool, diff string) fileDiff {
	fd := fileDiff{oldPath: oldPath, newPath: newPath, newFile: newFile, lines: map[int]int{}}
	oldLine, newLine := 0, 0
	in := false
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, "@@") {
			o, n, ok := hunkStart(l)
			oldLine, newLine, in = o, n, ok
			continue
		}
		if !in || l == "" {
			continue
		}
		switch l[0] {
		case ' ':
			fd.lines[newLine] = oldLine
			oldLine++
			newLine++
		case '+':
			fd.lines[newLine] = 0
			newLine++
		case '-':
			oldLine++
		}
	}
	return fd
}

// hunkStart reads "@@ -a[,b] +c[,d] @@…".
func hunkStart(l string) (oldStart, newStart int, ok bool) {
	f := strings.Fields(l)
	if len(f) < 3 || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
		return 0, 0, false
	}
	num := func(s string) (int, bool) {
		s, _, _ = strings.Cut(s[1:], ",")
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	o, ok1 := num(f[1])
	n, ok2 := num(f[2])
	return o, n, ok1 && ok2
}

// position says where a finding on line of the new file goes: its new and
// old line numbers, and whether the diff shows the line at all.
func (fd fileDiff) position(line int) (newLine, oldLine int, ok bool) {
	old, shown := fd.lines[line]
	if !shown {
		return 0, 0, false
	}
	return line, old, true
}
