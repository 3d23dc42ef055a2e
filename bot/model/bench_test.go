package model

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/internal/modelgen"
)

var benchSizes = []int{10, 100, 1000, 10000}

// cpuTime returns the CPU time this process has used (all its threads:
// the benchmark and the garbage collector).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs body in b.Loop and reports, besides the wall time, the CPU
// time per op (cpu-ns/op): on a shared machine it varies less with what
// else runs, as it leaves out the time spent waiting for a core.
func loopCPU(b *testing.B, body func()) {
	start := cpuTime()
	for b.Loop() {
		body()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkValidateYAML is the whole load of a generated YAML model: parse,
// shape, references, catalog ids, decode, by a Loader without cache (each
// load does all the work). Compare with BenchmarkFloorYAML.
func BenchmarkValidateYAML(b *testing.B) {
	l := newLoaderWith(b, noCache())
	for _, n := range benchSizes {
		data := modelgen.YAML(modelgen.Options{Threats: n})
		b.Run(fmt.Sprintf("threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			loopCPU(b, func() {
				if res := l.Load(context.Background(), "gen.threatmodel.yaml", data); !res.Valid {
					b.Fatal(res.Diagnostics[0])
				}
			})
		})
	}
}

// BenchmarkValidateJSON is the same for JSON; compare with BenchmarkFloorJSON.
func BenchmarkValidateJSON(b *testing.B) {
	l := newLoaderWith(b, noCache())
	for _, n := range benchSizes {
		data := modelgen.JSON(modelgen.Options{Threats: n})
		b.Run(fmt.Sprintf("threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			loopCPU(b, func() {
				if res := l.Load(context.Background(), "gen.threatmodel.json", data); !res.Valid {
					b.Fatal(res.Diagnostics[0])
				}
			})
		})
	}
}

// BenchmarkFloorYAML is plain gopkg.in/yaml.v3 decoding of the same file
// into map[string]any: the floor that validation is compared with.
func BenchmarkFloorYAML(b *testing.B) {
	for _, n := range benchSizes {
		data := modelgen.YAML(modelgen.Options{Threats: n})
		b.Run(fmt.Sprintf("threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			loopCPU(b, func() {
				var v map[string]any
				if err := yaml.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkFloorJSON is plain encoding/json decoding into map[string]any.
func BenchmarkFloorJSON(b *testing.B) {
	for _, n := range benchSizes {
		data := modelgen.JSON(modelgen.Options{Threats: n})
		b.Run(fmt.Sprintf("threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			loopCPU(b, func() {
				var v map[string]any
				if err := json.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkLoadChanged loads the head of a change to one threat after its
// base, through a Loader whose entry cache has seen the base (the whole-file
// cache is off): the 9,999 unchanged threats come from the entry cache.
// Each iteration changes the threat's title anew, so that one entry is
// parsed and checked every time. Compare with BenchmarkValidate*.
func BenchmarkLoadChanged(b *testing.B) {
	for _, syn := range []string{"yaml", "json"} {
		for _, n := range benchSizes {
			gen := modelgen.YAML
			if syn == "json" {
				gen = modelgen.JSON
			}
			base := gen(modelgen.Options{Threats: n})
			head := gen(modelgen.Options{Threats: n, Change: true})
			name := "gen.threatmodel." + syn
			b.Run(fmt.Sprintf("%s/threats=%d", syn, n), func(b *testing.B) {
				l := newLoaderWith(b, entriesOnly())
				l.Load(context.Background(), name, base)
				before := l.CacheStats()
				b.SetBytes(int64(len(head)))
				b.ReportAllocs()
				// The changed title holds a counter, written anew in place
				// before each load.
				data := bytes.Replace(head, []byte("in a new way"), []byte("in way 000000"), 1)
				at := bytes.Index(data, []byte("in way 000000")) + len("in way ")
				i := 0
				loopCPU(b, func() {
					i++
					copy(data[at:at+6], fmt.Sprintf("%06d", i%1000000))
					if res := l.Load(context.Background(), name, data); !res.Valid {
						b.Fatal(res.Diagnostics[0])
					}
				})
				if s := l.CacheStats(); s.EntryMisses-before.EntryMisses > int64(i) {
					b.Fatalf("the entry cache missed more than once a load: %+v after %d loads", s, i)
				}
			})
		}
	}
}

// BenchmarkLoadCUEFile loads a small CUE model through a Loader: without
// cache each load starts the evaluation child process (as
// BenchmarkLoadCUESmall, plus validation); with the whole-file cache, a
// file loaded before costs a hash.
func BenchmarkLoadCUEFile(b *testing.B) {
	for _, c := range []struct {
		name  string
		cache CacheLimits
	}{{"uncached", noCache()}, {"cached", DefaultCacheLimits()}} {
		b.Run(c.name, func(b *testing.B) {
			l := newLoaderWith(b, c.cache)
			b.ReportAllocs()
			loopCPU(b, func() {
				if res := l.Load(context.Background(), "model.threatmodel.cue", []byte(cueSmallModel)); res.Model == nil {
					b.Fatal(res.Diagnostics)
				}
			})
		})
	}
}
