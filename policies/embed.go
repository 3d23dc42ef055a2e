// Package policies embeds tmbot's default policies (the *.cue files here,
// one rule per file) and the data they share (data.cue: the AI threat
// library), and gives Go code its view of that library (library.go: ids,
// kinds, STRIDE categories and keywords, for the model validator and the
// policy engine). bot/policy compiles and runs the policies. It imports
// nothing of the project.
package policies

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.cue
var files embed.FS

// DataFile is the shared data, given to every policy as `data`.
const DataFile = "data.cue"

// Data is the source of data.cue.
var Data = mustRead(DataFile)

// File is one default policy.
type File struct {
	Name   string // file name, e.g. unplanned-risk.cue
	Source []byte
}

// Defaults returns the default policies in name order.
func Defaults() ([]File, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded policies: %w", err)
	}
	var out []File
	for _, e := range entries {
		if e.Name() == DataFile || !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		src, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("read embedded policy %s: %w", e.Name(), err)
		}
		out = append(out, File{Name: e.Name(), Source: src})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	return string(b)
}
