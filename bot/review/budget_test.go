package review

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
)

// memSource is a request held in memory. When sample is set, every read
// first collects the garbage and records the live heap, so that peak is
// the most memory the review held between two reads.
type memSource struct {
	changes    []FileChange
	base, head map[string][]byte
	// gen, when set, makes the files (so that the source itself holds
	// none of them).
	gen    func(side Side, path string) ([]byte, bool)
	sample bool
	peak   uint64
	reads  int
}

func (s *memSource) ChangedFiles(context.Context) ([]FileChange, error) { return s.changes, nil }

func (s *memSource) ReadFile(_ context.Context, side Side, path string) ([]byte, bool, error) {
	if s.sample {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.peak = max(s.peak, ms.HeapAlloc)
	}
	if strings.HasSuffix(path, ".threatmodel.yaml") {
		s.reads++
	}
	if s.gen != nil {
		data, ok := s.gen(side, path)
		return data, ok, nil
	}
	files := s.head
	if side == Base {
		files = s.base
	}
	data, ok := files[path]
	return append([]byte(nil), data...), ok, nil // a copy, as a forge's read is
}

// bigModel is a valid model of about size bytes (components with long
// descriptions) and the given number of threats.
func bigModel(id string, size, threats int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nsystem: {id: %s, name: System %s}\ncomponents:\n", id, id)
	desc := strings.Repeat("a component that does one thing well ", 6)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "  c%d: {name: Component %d, kind: service, description: %q}\n", i, i, desc)
	}
	b.WriteString("threats:\n")
	for j := range threats {
		fmt.Fprintf(&b, "  t%d: {title: Threat %d, likelihood: high, impact: high, targets: [c0]}\n", j, j)
	}
	return []byte(b.String())
}

// modifiedRequest changes n models of about size bytes: each gains a
// threat.
func modifiedRequest(n, size int) *memSource {
	s := &memSource{gen: func(side Side, path string) ([]byte, bool) {
		if path == ".tmbot.yaml" && side == Base {
			return []byte("policies: {defaults: false}\n"), true
		}
		var i int
		if _, err := fmt.Sscanf(path, "m/%d.threatmodel.yaml", &i); err != nil {
			return nil, false
		}
		return bigModel(fmt.Sprintf("s%d", i), size, 1+int(side)), true
	}}
	for i := range n {
		s.changes = append(s.changes, FileChange{Path: fmt.Sprintf("m/%d.threatmodel.yaml", i), Status: FileModified})
	}
	return s
}

func uncachedLoader(t testing.TB) *model.Loader {
	t.Helper()
	l, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	l.SetCacheLimits(model.CacheLimits{}) // measure the review, not the loader's bounded caches
	return l
}

// TestReviewMemoryDoesNotGrowWithFiles: the most memory a review holds
// does not grow with the number of model files it reviews: 40 files of
// 16 KiB (1.25 MiB of base and head) hold no more than 10 do, but for the
// few KiB of each file's report. Before files were read one at a time,
// every file's contents and models were held to the end.
func TestReviewMemoryDoesNotGrowWithFiles(t *testing.T) {
	loader := uncachedLoader(t)
	peak := func(n int) (uint64, *Report) {
		src := modifiedRequest(n, 16<<10)
		src.sample = true
		rep, _, err := ReviewSource(context.Background(), src, Options{Loader: loader, Today: "2026-11-22"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Summary.Models != n || rep.Summary.NewUnmitigated != n || rep.OverBudget != nil {
			t.Fatalf("%d files: %d models, %d new threats, over budget %v", n, rep.Summary.Models, rep.Summary.NewUnmitigated, rep.OverBudget)
		}
		return src.peak, rep
	}
	p10, r10 := peak(10)
	p40, r40 := peak(40)
	grown := int64(p40) - int64(p10)
	t.Logf("peak heap: %d KiB with 10 files, %d KiB with 40", p10>>10, p40>>10)
	// 30 more files hold 30 × 2 × 16 KiB = 960 KiB of source, and more
	// as models; their reports a few KiB each.
	if grown > 512<<10 {
		t.Errorf("30 more files grew the peak heap by %d KiB, want under 512 KiB", grown>>10)
	}
	if !strings.Contains(r40.Markdown(), "System s39") || !strings.Contains(r10.Markdown(), "`t1`") {
		t.Error("the comment lost the system names or the new threats")
	}
}

// TestAddedAndRemovedFilesAreReadOnOneSide: an added file is read at the
// head only, a removed one at the base only, a modified one at both.
func TestAddedAndRemovedFilesAreReadOnOneSide(t *testing.T) {
	src := &memSource{base: map[string][]byte{}, head: map[string][]byte{}}
	src.head["a.threatmodel.yaml"] = bigModel("a", 10, 1)
	src.base["r.threatmodel.yaml"] = bigModel("r", 10, 1)
	src.base["m.threatmodel.yaml"] = bigModel("m", 10, 1)
	src.head["m.threatmodel.yaml"] = bigModel("m", 10, 2)
	src.changes = []FileChange{{Path: "a.threatmodel.yaml", Status: FileAdded}, {Path: "r.threatmodel.yaml", Status: FileRemoved},
		{Path: "m.threatmodel.yaml", Status: FileModified}}
	rep, _, err := ReviewSource(context.Background(), src, Options{Loader: uncachedLoader(t), Today: "2026-11-22"})
	if err != nil {
		t.Fatal(err)
	}
	if src.reads != 4 {
		t.Errorf("%d reads of model files, want 4", src.reads)
	}
	got := map[string]string{}
	for _, m := range rep.Models {
		got[m.Path] = m.Status
	}
	if got["a.threatmodel.yaml"] != "added" || got["r.threatmodel.yaml"] != "removed" || got["m.threatmodel.yaml"] != "modified" {
		t.Errorf("statuses %v", got)
	}
}

// TestOverBudgetInEveryOutput: a request over budget says so in the
// JSON report (over_budget), the SARIF log (a review-budget error) and
// the comment, and blocks.
func TestOverBudgetInEveryOutput(t *testing.T) {
	src := modifiedRequest(3, 100)
	rep, _, err := ReviewSource(context.Background(), src, Options{Loader: uncachedLoader(t), Today: "2026-11-22",
		Budget: Budget{MaxFiles: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Blocking || rep.OverBudget == nil || rep.OverBudget.Limit != LimitFiles || rep.OverBudget.Actual != 3 || rep.OverBudget.Max != 2 {
		t.Fatalf("blocking %v, over budget %+v", rep.Blocking, rep.OverBudget)
	}
	if src.reads != 0 {
		t.Errorf("%d model files read", src.reads)
	}
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var sarif strings.Builder
	if err := rep.SARIF(&sarif, "test"); err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"JSON": string(js), "SARIF": sarif.String(), "comment": rep.Markdown()} {
		for _, w := range []string{"changes 3 model files", "TMBOT"} {
			if !strings.Contains(text, w) {
				t.Errorf("the %s does not say %q:\n%s", what, w, text)
			}
		}
	}
	if !strings.Contains(string(js), `"over_budget"`) || !strings.Contains(sarif.String(), RuleBudget) {
		t.Errorf("JSON or SARIF without the budget:\n%s\n%s", js, sarif.String())
	}
}
