package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// update rewrites the golden files in testdata:
// CI=1 go test ./cmd/tmbot -run TestDashboardInBrowser -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// regionsGolden holds each named region's box on a few views at 1,280 and
// 390 px, as the browser lays them out.
const regionsGolden = "testdata/dashboard_regions.json"

// regionTolerance is how far (px) a box's side may move from the golden
// file's: a font's rendering, not a layout change.
const regionTolerance = 8

// box is a region's place on the page (document coordinates, px).
type box struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// regions are the named regions measured, by CSS selector (the first
// match); a region a view does not have is left out.
var regions = []struct{ name, selector string }{
	{"header", "body > header"},
	{"views", "nav.views"},
	{"cards", ".cards"},
	{"first card", ".cards > .card"},
	{"last card", ".cards > .card:last-child"},
	{"risk table", "#now .table-wrap"},
	{"chart", "#risk-chart"},
	{"legend", "ul.legend"},
	{"filters", "#filter-form"},
	{"table wrap", "main .bar + .table-wrap"},
	{"table", "main .bar + .table-wrap > table"},
	{"pager", "nav.pager"},
	{"footer", "p.generated"},
}

// regionsJS measures the regions given as [[name, selector], …], and the
// page's own size (what it scrolls to) as "page".
const regionsJS = `((list) => {
  const d = document.documentElement;
  const out = {page: {x: 0, y: 0, w: d.scrollWidth, h: d.scrollHeight}};
  for (const [name, sel] of list) {
    const el = document.querySelector(sel);
    if (!el) continue;
    const r = el.getBoundingClientRect();
    out[name] = {x: Math.round(r.left + window.scrollX), y: Math.round(r.top + window.scrollY), w: Math.round(r.width), h: Math.round(r.height)};
  }
  return out;
})`

// regionPages are the views whose regions are compared.
var regionPages = []string{"/dashboard", "/dashboard/mitigations", "/dashboard/threats", "/dashboard/models"}

// checkRegions measures the regions of regionPages at 1,280 and 390 px
// and compares them with the golden file, within regionTolerance; with
// -update it writes the file instead.
func checkRegions(ctx context.Context, t *testing.T, base string) {
	t.Helper()
	list := make([][2]string, len(regions))
	for i, r := range regions {
		list[i] = [2]string{r.name, r.selector}
	}
	arg, _ := json.Marshal(list)
	got := map[string]map[string]box{}
	for _, width := range []int64{1280, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		for _, page := range regionPages {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+page)); err != nil {
				t.Fatalf("%s: %v", page, err)
			}
			m, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]box](regionsJS+"("+string(arg)+")"))
			if err != nil {
				t.Fatalf("%s at %d px: %v", page, width, err)
			}
			got[fmt.Sprintf("%s @ %d", page, width)] = m
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 1600)); err != nil {
		t.Fatal(err)
	}
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll(filepath.Dir(regionsGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(regionsGolden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(regionsGolden)
	if err != nil {
		t.Fatalf("%v: make it with CI=1 go test ./cmd/tmbot -run TestDashboardInBrowser -update", err)
	}
	var want map[string]map[string]box
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s: %v", regionsGolden, err)
	}
	for _, view := range slices.Sorted(mapKeys(want, got)) {
		for _, name := range slices.Sorted(mapKeys(want[view], got[view])) {
			w, okW := want[view][name]
			g, okG := got[view][name]
			if !okW || !okG || far(w.X, g.X) || far(w.Y, g.Y) || far(w.W, g.W) || far(w.H, g.H) {
				t.Errorf("%s: %s is at %+v (present: %v), want %+v (present: %v) within %d px; if the change is meant, run with -update",
					view, name, g, okG, w, okW, regionTolerance)
			}
		}
	}
}

func far(a, b int) bool { return a-b > regionTolerance || b-a > regionTolerance }

// mapKeys is the keys of both maps.
func mapKeys[V any](a, b map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok && !yield(k) {
				return
			}
		}
	}
}
