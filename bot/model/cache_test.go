package model

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tmbot/tmbot/bot/internal/modelgen"
)

// newLoaderWith returns a new Loader (sharing the test loader's schema and
// catalog) with the given caches.
func newLoaderWith(t testing.TB, c CacheLimits) *Loader {
	t.Helper()
	base := newTestLoader(t)
	l := &Loader{schema: base.schema, catalog: base.catalog, limits: base.limits, fast: base.fast}
	l.SetCacheLimits(c)
	return l
}

func noCache() CacheLimits { return CacheLimits{} }

// entriesOnly caches entries but not whole files, so that every load goes
// through the entry cache.
func entriesOnly() CacheLimits { return CacheLimits{EntryBytes: 64 << 20} }

// sameResult reports how two results differ, or "".
func sameResult(got, want *Result) string {
	if got.Valid != want.Valid {
		return fmt.Sprintf("valid %v, want %v", got.Valid, want.Valid)
	}
	if len(got.Diagnostics) != len(want.Diagnostics) || (len(got.Diagnostics) > 0 && !reflect.DeepEqual(got.Diagnostics, want.Diagnostics)) {
		return fmt.Sprintf("diagnostics\n%s\nwant\n%s", diagText(got.Diagnostics), diagText(want.Diagnostics))
	}
	if (got.Model == nil) != (want.Model == nil) {
		return fmt.Sprintf("model %v, want %v", got.Model != nil, want.Model != nil)
	}
	if got.Model != nil && !reflect.DeepEqual(got.Model, want.Model) {
		for _, id := range want.Model.ThreatOrder {
			if g, w := got.Model.Threats[id], want.Model.Threats[id]; !reflect.DeepEqual(g, w) {
				return fmt.Sprintf("threat %s: %+v\nwant %+v", id, g, w)
			}
		}
		return fmt.Sprintf("models differ:\n%+v\nwant\n%+v", got.Model, want.Model)
	}
	return ""
}

func diagText(ds []Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "  %s [%s]\n", d, d.Field)
	}
	return b.String()
}

// corpus returns the model files of the repository (examples, the broken
// files of the tests, the policies' test models) that are YAML or JSON.
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, glob := range []string{"testdata/broken/*.threatmodel.*", "../../examples/*/*.threatmodel.*",
		"../../examples/*/*/*.threatmodel.*", "../policy/testdata/*.threatmodel.*"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if SyntaxOf(f) == CUE {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[f] = data
		}
	}
	if len(out) < 20 {
		t.Fatalf("found only %d model files", len(out))
	}
	return out
}

// TestLoadAgreesWithReference checks the loader against the loader as it
// was before the performance work (reference_test.go), on every model file
// of the repository and generated ones.
func TestLoadAgreesWithReference(t *testing.T) {
	l := newLoaderWith(t, noCache())
	files := corpus(t)
	for _, n := range []int{10, 100} {
		files[fmt.Sprintf("gen-%d.threatmodel.yaml", n)] = modelgen.YAML(modelgen.Options{Threats: n})
		files[fmt.Sprintf("gen-%d.threatmodel.json", n)] = modelgen.JSON(modelgen.Options{Threats: n})
	}
	for name, data := range files {
		if diff := sameResult(l.Load(context.Background(), name, data), refLoad(l, name, data)); diff != "" {
			t.Errorf("%s: %s", name, diff)
		}
	}
}

// mutate returns data changed at random, line by line: a line removed,
// doubled, moved, indented or outdented, its value replaced, two
// neighbouring entries swapped, or lines added at the top.
func mutate(r *rand.Rand, data []byte) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	for range 1 + r.IntN(3) {
		if len(lines) < 2 {
			break
		}
		i := r.IntN(len(lines))
		switch r.IntN(9) {
		case 0:
			lines = append(lines[:i:i], lines[i+1:]...)
		case 1:
			lines = append(lines[:i+1:i+1], lines[i:]...)
		case 2:
			j := r.IntN(len(lines))
			lines[i], lines[j] = lines[j], lines[i]
		case 3:
			lines[i] = "  " + lines[i]
		case 4:
			lines[i] = strings.TrimPrefix(lines[i], "  ")
		case 5:
			if k := strings.Index(lines[i], ": "); k >= 0 {
				vals := []string{"1", "true", "[a, b]", "{}", "null", "\"x\"", "high", "2027-02-30", "T1190", "CWE-89", "*x", "&y z", "|", "\"un", "'q''", "[a,"}
				lines[i] = lines[i][:k+2] + vals[r.IntN(len(vals))] + "\n"
			}
		case 6:
			lines = append([]string{"# a comment\n", "\n"}, lines...)
		case 7:
			// Move a block of lines (an entry, often) elsewhere.
			j := min(len(lines), i+1+r.IntN(8))
			block := append([]string{}, lines[i:j]...)
			rest := append(append([]string{}, lines[:i]...), lines[j:]...)
			k := r.IntN(len(rest) + 1)
			lines = append(append(append([]string{}, rest[:k]...), block...), rest[k:]...)
		case 8:
			lines[i] = strings.Replace(lines[i], "-", "_", 1)
		}
	}
	return []byte(strings.Join(lines, ""))
}

// TestCachedLoadsAgree loads mutations of every model file three ways: by
// the reference loader, by a Loader without cache, and by a Loader whose
// entry cache has seen the original and the other mutations. All three
// must give the same diagnostics, positions and model.
func TestCachedLoadsAgree(t *testing.T) {
	plain := newLoaderWith(t, noCache())
	cached := newLoaderWith(t, entriesOnly())
	r := rand.New(rand.NewPCG(1, 2))
	files := corpus(t)
	files["gen-30.threatmodel.yaml"] = modelgen.YAML(modelgen.Options{Threats: 30})
	files["gen-30.threatmodel.json"] = modelgen.JSON(modelgen.Options{Threats: 30})
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	for name, data := range files {
		cached.Load(context.Background(), name, data)
		for range rounds {
			m := mutate(r, data)
			want := refLoad(plain, name, m)
			if diff := sameResult(plain.Load(context.Background(), name, m), want); diff != "" {
				t.Fatalf("%s, uncached, mutated to\n%s\n%s", name, m, diff)
			}
			if diff := sameResult(cached.Load(context.Background(), name, m), want); diff != "" {
				t.Fatalf("%s, cached, mutated to\n%s\n%s", name, m, diff)
			}
		}
	}
	if s := cached.CacheStats(); s.EntryHits == 0 {
		t.Errorf("the entry cache was never used: %+v", s)
	}
}

// TestCachedEntriesMoved changes one threat of a generated model and moves
// entries to other lines (comments added above them, an entry moved to the
// end): the cached load must use the cache and give exactly the positions
// of an uncached one.
func TestCachedEntriesMoved(t *testing.T) {
	for _, syn := range []string{"yaml", "json"} {
		t.Run(syn, func(t *testing.T) {
			gen := modelgen.YAML
			if syn == "json" {
				gen = modelgen.JSON
			}
			name := "gen.threatmodel." + syn
			base := gen(modelgen.Options{Threats: 200})
			head := gen(modelgen.Options{Threats: 200, Change: true})
			var variants [][]byte
			variants = append(variants, head)
			if syn == "yaml" {
				// Lines added at the top and in the middle of the threats.
				moved := append([]byte("# moved\n\n# down\n"), head...)
				moved = bytes.Replace(moved, []byte("\n  threat-150:\n"), []byte("\n  # a comment\n\n  threat-150:\n"), 1)
				variants = append(variants, moved)
				// An invalid change in one threat, and a dangling reference.
				bad := bytes.Replace(head, []byte("likelihood: \"high\"\n"), []byte("likelihood: \"hihg\"\n"), 1)
				bad = bytes.Replace(bad, []byte("[\"component-7\", \"flow-7\"]"), []byte("[\"component-7\", \"flow-x\"]"), 1)
				variants = append(variants, bad)
				// An entry moved to the start of its section.
				j := bytes.Index(head, []byte("\n  threat-100:\n"))
				k := bytes.Index(head[j+1:], []byte("\n  threat-101:\n")) + j + 1
				entry := append([]byte{}, head[j+1:k+1]...)
				rest := append(append([]byte{}, head[:j+1]...), head[k+1:]...)
				t0 := bytes.Index(rest, []byte("\nthreats:\n")) + len("\nthreats:\n")
				variants = append(variants, append(append(append([]byte{}, rest[:t0]...), entry...), rest[t0:]...))
			} else {
				moved := bytes.Replace(head, []byte("{\n"), []byte("{\n\n\n"), 1)
				variants = append(variants, moved)
				bad := bytes.Replace(head, []byte(`"likelihood": "high"`), []byte(`"likelihood": "hihg"`), 1)
				variants = append(variants, bad)
			}
			plain := newLoaderWith(t, noCache())
			for i, v := range variants {
				cached := newLoaderWith(t, entriesOnly())
				cached.Load(context.Background(), name, base)
				before := cached.CacheStats()
				got := cached.Load(context.Background(), name, v)
				after := cached.CacheStats()
				if diff := sameResult(got, refLoad(plain, name, v)); diff != "" {
					t.Fatalf("variant %d: %s", i, diff)
				}
				if hits := after.EntryHits - before.EntryHits; hits < 400 {
					t.Errorf("variant %d: only %d entries came from the cache (%+v)", i, hits, after)
				}
			}
		})
	}
}

// TestWholeFileCache loads the same bytes under two names: the second load
// comes from the cache, with its own name in diagnostics and model.
func TestWholeFileCache(t *testing.T) {
	l := newLoaderWith(t, DefaultCacheLimits())
	data, err := os.ReadFile("testdata/broken/dangling-ref.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	first := l.Load(context.Background(), "a.threatmodel.yaml", data)
	second := l.Load(context.Background(), "b.threatmodel.yaml", data)
	if s := l.CacheStats(); s.FileHits != 1 {
		t.Errorf("file hits %d, want 1", s.FileHits)
	}
	want := refLoad(l, "b.threatmodel.yaml", data)
	if diff := sameResult(second, want); diff != "" {
		t.Error(diff)
	}
	// Results are independent: changing one does not change the other.
	first.Diagnostics[0].Message = "changed"
	if third := l.Load(context.Background(), "a.threatmodel.yaml", data); third.Diagnostics[0].Message == "changed" {
		t.Error("a cached result shares its diagnostics with one returned before")
	}
}

// TestCacheBounded fills a small entry cache well past its budget.
func TestCacheBounded(t *testing.T) {
	l := newLoaderWith(t, CacheLimits{Files: 2, FileBytes: 1 << 20, EntryBytes: 256 << 10})
	for i := range 20 {
		data := modelgen.YAML(modelgen.Options{Threats: 50 + i})
		l.Load(context.Background(), "gen.threatmodel.yaml", data)
	}
	l.cache.mu.Lock()
	defer l.cache.mu.Unlock()
	if l.cache.files.Len() > 2 {
		t.Errorf("%d files kept, limit 2", l.cache.files.Len())
	}
	var size int64
	for _, er := range l.cache.prev {
		size += int64(er.size)
	}
	if size+l.cache.curBytes > 256<<10 {
		t.Errorf("entries use %d bytes, limit %d", size+l.cache.curBytes, 256<<10)
	}
}

// TestCacheConcurrent loads changed models from several goroutines through
// one Loader (run with -race).
func TestCacheConcurrent(t *testing.T) {
	l := newLoaderWith(t, DefaultCacheLimits())
	plain := newLoaderWith(t, noCache())
	base := modelgen.YAML(modelgen.Options{Threats: 60})
	head := modelgen.YAML(modelgen.Options{Threats: 60, Change: true})
	want := map[bool]*Result{false: plain.Load(context.Background(), "m.threatmodel.yaml", base),
		true: plain.Load(context.Background(), "m.threatmodel.yaml", head)}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				change := (g+i)%2 == 0
				data := base
				if change {
					data = head
				}
				if diff := sameResult(l.Load(context.Background(), "m.threatmodel.yaml", data), want[change]); diff != "" {
					t.Error(diff)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzCachedYAML checks the cached loader against the reference on
// arbitrary YAML. The Loader's entry cache lives across inputs, so entries
// the fuzzer repeats come from it.
func FuzzCachedYAML(f *testing.F) {
	fuzzCached(f, "fuzz.threatmodel.yaml", "*.yaml")
}

// FuzzCachedJSON does the same for JSON.
func FuzzCachedJSON(f *testing.F) {
	fuzzCached(f, "fuzz.threatmodel.json", "*.json")
}

func fuzzCached(f *testing.F, name, glob string) {
	l := newLoaderWith(f, entriesOnly())
	seeds, _ := filepath.Glob(filepath.Join("testdata/broken", glob))
	more, _ := filepath.Glob(filepath.Join("../../examples/*", "*"+glob[1:]))
	for _, s := range append(seeds, more...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
			l.Load(context.Background(), name, data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if diff := sameResult(l.Load(context.Background(), name, data), refLoad(l, name, data)); diff != "" {
			t.Fatal(diff)
		}
	})
}
