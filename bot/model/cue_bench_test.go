package model

import (
	"context"
	"fmt"
	"testing"

	"github.com/tmbot/tmbot/bot/internal/modelgen"
)

// BenchmarkValidateCUE is the whole load of a generated model written as
// plain-data CUE (read in process, see cue_plain.go) by a Loader without
// cache; compare with BenchmarkValidateJSON of the same model.
func BenchmarkValidateCUE(b *testing.B) {
	l := newLoaderWith(b, noCache())
	for _, n := range benchSizes {
		data := modelgen.CUE(modelgen.Options{Threats: n})
		b.Run(fmt.Sprintf("threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			loopCPU(b, func() {
				if res := l.Load(context.Background(), "gen.threatmodel.cue", data); !res.Valid {
					b.Fatal(res.Diagnostics[0])
				}
			})
		})
	}
}

// BenchmarkReadPlainCUE compares the two in-process readers on the same
// generated file: the fast reader, and CUE's parser with the walk of its
// syntax tree (what a plain file the fast reader declines costs).
func BenchmarkReadPlainCUE(b *testing.B) {
	for _, n := range []int{100, 10000} {
		data := modelgen.CUE(modelgen.Options{Threats: n})
		b.Run(fmt.Sprintf("fast/threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			loopCPU(b, func() {
				if _, ok := readPlainCUE(data); !ok {
					b.Fatal("not plain")
				}
			})
		})
		b.Run(fmt.Sprintf("parser/threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			loopCPU(b, func() {
				if _, err, ok := parsePlainCUEAST("gen.cue", data); !ok || err != nil {
					b.Fatal("not plain", err)
				}
			})
		})
	}
}
