package model

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	loaderOnce sync.Once
	testLoader *Loader
	loaderErr  error
)

func newTestLoader(t testing.TB) *Loader {
	t.Helper()
	loaderOnce.Do(func() { testLoader, loaderErr = NewLoader(Limits{}) })
	if loaderErr != nil {
		t.Fatal(loaderErr)
	}
	return testLoader
}

func loadFile(t testing.TB, l *Loader, path string) *Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return l.Load(context.Background(), path, data)
}

type want struct {
	line, col int
	severity  string
	field     string
	message   string
}

func readWants(t *testing.T, path string) []want {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ws []want
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		// LINE:COL: SEVERITY: FIELD: MESSAGE-SUBSTRING
		parts := strings.SplitN(line, ": ", 4)
		if len(parts) != 4 {
			t.Fatalf("%s: bad want line %q", path, line)
		}
		var w want
		if _, err := fmtSscanf(parts[0], &w.line, &w.col); err != nil {
			t.Fatalf("%s: bad position in %q", path, line)
		}
		w.severity, w.field, w.message = parts[1], parts[2], parts[3]
		ws = append(ws, w)
	}
	return ws
}

// TestBrokenFiles loads one broken file per error class and checks that
// each expected diagnostic is reported at its line and column, with its
// field path and message, and that nothing else is.
func TestBrokenFiles(t *testing.T) {
	l := newTestLoader(t)
	files, _ := filepath.Glob("testdata/broken/*.threatmodel.*")
	if len(files) < 15 {
		t.Fatalf("found only %d broken files", len(files))
	}
	for _, file := range files {
		name := strings.SplitN(filepath.Base(file), ".", 2)[0]
		t.Run(name, func(t *testing.T) {
			wants := readWants(t, filepath.Join("testdata/broken", name+".want"))
			res := loadFile(t, l, file)
			if res.Valid && hasError(wants) {
				t.Errorf("file is valid, want errors")
			}
			matched := make([]bool, len(res.Diagnostics))
			for _, w := range wants {
				found := false
				for i, d := range res.Diagnostics {
					if !matched[i] && d.Line == w.line && d.Column == w.col && string(d.Severity) == w.severity &&
						d.Field == w.field && strings.Contains(d.Message, w.message) && d.File == file {
						matched[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("missing %d:%d: %s: %s: %s", w.line, w.col, w.severity, w.field, w.message)
				}
			}
			for i, d := range res.Diagnostics {
				if !matched[i] {
					t.Errorf("unexpected %s [%s]", d, d.Field)
				}
			}
		})
	}
}

func hasError(ws []want) bool {
	for _, w := range ws {
		if w.severity == "error" {
			return true
		}
	}
	return false
}
