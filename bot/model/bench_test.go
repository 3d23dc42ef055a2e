package model

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/modelgen"
)

var benchSizes = []int{10, 100, 1000, 10000}

// BenchmarkValidateYAML is the whole load of a generated YAML model: parse,
// shape, references, catalog ids, decode. Compare with BenchmarkFloorYAML.
func BenchmarkValidateYAML(b *testing.B) {
	l := newTestLoader(b)
	for _, n := range benchSizes {
		data := modelgen.YAML(modelgen.Options{Threats: n})
		b.Run(fmt.Sprintf("threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if res := l.Load(context.Background(), "gen.threatmodel.yaml", data); !res.Valid {
					b.Fatal(res.Diagnostics[0])
				}
			}
		})
	}
}

// BenchmarkValidateJSON is the same for JSON; compare with BenchmarkFloorJSON.
func BenchmarkValidateJSON(b *testing.B) {
	l := newTestLoader(b)
	for _, n := range benchSizes {
		data := modelgen.JSON(modelgen.Options{Threats: n})
		b.Run(fmt.Sprintf("threats=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if res := l.Load(context.Background(), "gen.threatmodel.json", data); !res.Valid {
					b.Fatal(res.Diagnostics[0])
				}
			}
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
			for b.Loop() {
				var v map[string]any
				if err := yaml.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
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
			for b.Loop() {
				var v map[string]any
				if err := json.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
