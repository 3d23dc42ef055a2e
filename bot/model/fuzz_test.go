package model

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadYAML feeds arbitrary bytes to the YAML reader and validator: it
// must never panic, and must either return a model or say where the
// problem is. The seed corpus is the examples and the broken files; new
// interesting inputs are kept in testdata/fuzz/FuzzLoadYAML.
func FuzzLoadYAML(f *testing.F) {
	fuzzLoad(f, "fuzz.threatmodel.yaml", "*.yaml")
}

// FuzzLoadJSON does the same for the JSON reader.
func FuzzLoadJSON(f *testing.F) {
	fuzzLoad(f, "fuzz.threatmodel.json", "*.json")
}

func fuzzLoad(f *testing.F, name, glob string) {
	l := newTestLoader(f)
	seeds, _ := filepath.Glob(filepath.Join("testdata/broken", glob))
	more, _ := filepath.Glob(filepath.Join("../../examples/*", "*"+glob[1:]))
	for _, s := range append(seeds, more...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := l.Load(context.Background(), name, data)
		if !res.Valid && len(res.Errors()) == 0 {
			t.Fatal("invalid without an error")
		}
		for _, d := range res.Diagnostics {
			if d.Line < 1 || d.Column < 1 || d.Message == "" {
				t.Fatalf("diagnostic without a position or message: %+v", d)
			}
		}
	})
}
