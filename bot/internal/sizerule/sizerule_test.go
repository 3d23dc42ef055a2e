package sizerule

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// allowed are the files (by slash path from the module root) and the
// functions ("path:Func" or "path:Type.Method") that may exceed the limits,
// each with the reason a reader is better served by one piece. An entry
// that no longer exceeds its limit fails the test, so the list only
// shrinks.
var allowed = map[string]string{}

// TestSizes walks the main module's production files and reports every
// file over MaxFileLines lines and every function over MaxFuncLines lines
// that the allowlist does not name.
func TestSizes(t *testing.T) {
	root := moduleRoot(t)
	over := map[string]string{} // allowlist key -> what exceeds
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && skipDir(p, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if n := bytes.Count(src, []byte("\n")); n > MaxFileLines {
			over[rel] = fmt.Sprintf("%d lines (limit %d)", n, MaxFileLines)
		}
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if n > MaxFuncLines {
				over[rel+":"+funcName(fd)] = fmt.Sprintf("%d lines (limit %d)", n, MaxFuncLines)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	keys := make([]string, 0, len(over))
	for k := range over {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := allowed[k]; !ok {
			t.Errorf("%s: %s; split it into parts named for what they do, or add it to the allowlist in this test with the reason and to docs/architecture.md (Size rules)", k, over[k])
		}
	}
	var stale []string
	for k := range allowed {
		if _, ok := over[k]; !ok {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		t.Errorf("%s is on the allowlist but is within the limits (or gone): remove it from the allowlist and from docs/architecture.md", k)
	}
}

// moduleRoot is the nearest folder above the test's that holds go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// skipDir says whether a folder below the root holds no production code of
// the main module: hidden folders, testdata, vendor, and nested modules
// (deploy/deploytest, deploy/release, and any other with its own go.mod).
func skipDir(p, name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "deploy" {
		return true
	}
	_, err := os.Stat(filepath.Join(p, "go.mod"))
	return err == nil
}

// funcName is a function's name, or a method's Type.Method.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	typ := fd.Recv.List[0].Type
	for {
		switch e := typ.(type) {
		case *ast.StarExpr:
			typ = e.X
			continue
		case *ast.IndexExpr:
			typ = e.X
			continue
		case *ast.IndexListExpr:
			typ = e.X
			continue
		case *ast.Ident:
			return e.Name + "." + fd.Name.Name
		}
		return fd.Name.Name
	}
}
