package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	_ "image/png" // FullScreenshot at quality 100 is a PNG
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The dashboard in Chromium at a laptop's width (1,280 px) and a phone's
// (390 px), used with the keyboard only, and as a screen reader sees it
// (the browser's accessibility tree). Called from TestDashboardInBrowser,
// logged in.

// layoutFacts is what the browser measures of a page's layout.
type layoutFacts struct {
	ViewWidth   int      `json:"vw"`
	ScrollWidth int      `json:"scrollWidth"`
	Height      int      `json:"height"`
	TopBars     int      `json:"topBars"`
	Outside     []string `json:"outside"`
	Clipped     []string `json:"clipped"`
	ChartLabels []string `json:"chartLabels"`
}

// layoutJS lists the elements that reach past the window's sides (except
// inside a table's own scroll box, and the skip link and caption hidden
// until focused or read), the text boxes whose content is cut off, and
// the chart's labels that fall outside the chart.
const layoutJS = `(() => {
  const vw = document.documentElement.clientWidth, out = [], clipped = [], labels = [];
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined ? '.' + el.className : '');
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.skip, .sr-only') || (el.closest('.table-wrap') && !el.classList.contains('table-wrap'))) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) out.push(name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    const cs = getComputedStyle(el);
    if ((cs.overflowX === 'hidden' || cs.overflowX === 'clip') && el.scrollWidth > el.clientWidth + 1 && !el.closest('svg')) clipped.push(name(el));
  }
  const svg = document.querySelector('#risk-chart');
  if (svg) {
    const b = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.left < b.left - 0.5 || r.right > b.right + 0.5 || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5) labels.push(t.textContent);
    }
  }
  const nav = document.querySelector('nav.views');
  return {vw, scrollWidth: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
    topBars: nav ? Math.ceil(nav.getBoundingClientRect().bottom + window.scrollY) : 0,
    outside: out.slice(0, 8), clipped: clipped.slice(0, 8), chartLabels: labels};
})()`

// dashboardPages are the views the layout checks visit.
func dashboardPages(vendorRepo string) []string {
	return []string{"/dashboard", "/dashboard/threats", "/dashboard/mitigations", "/dashboard/models", "/dashboard/accepted",
		"/dashboard/vendors", "/dashboard/vendor?vendor=Acme+Supplies+Ltd", "/dashboard/repo?repo=" + url.QueryEscape("github:7:alpine/pay"),
		"/dashboard/repo?repo=" + url.QueryEscape("github:7:"+vendorRepo), "/dashboard/threats?plan=unplanned&sort=age&dir=desc",
		"/dashboard/models?state=invalid"}
}

// checkLayout: no page is wider than the window at 1,280 and 390 px, no
// text is cut off, the chart's labels are inside it; and a full-page
// screenshot is exactly the window's width with nothing painted against
// its right edge below the header (where a layout break shows). With
// TMBOT_SCREENSHOT_DIR set, the screenshots are kept there to look at.
func checkLayout(ctx context.Context, t *testing.T, base, vendorRepo string) {
	t.Helper()
	keep := os.Getenv("TMBOT_SCREENSHOT_DIR")
	for _, width := range []int64{1280, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		for _, page := range dashboardPages(vendorRepo) {
			where := fmt.Sprintf("%s at %d px", page, width)
			if err := chromedp.Do(ctx, chromedp.Navigate(base+page)); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			f, err := chromedp.Run(ctx, chromedp.Evaluate[layoutFacts](layoutJS))
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if f.ScrollWidth > f.ViewWidth || len(f.Outside) > 0 {
				t.Errorf("%s: the page is %d px wide in a %d px window; past its sides: %v", where, f.ScrollWidth, f.ViewWidth, f.Outside)
			}
			if len(f.Clipped) > 0 || len(f.ChartLabels) > 0 {
				t.Errorf("%s: text cut off in %v; chart labels outside the chart: %v", where, f.Clipped, f.ChartLabels)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", where, err)
			}
			checkScreenshot(t, where, shot, int(width), f.TopBars)
			if keep != "" {
				name := fmt.Sprintf("%d%s.png", width, strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-", "%", "").Replace(page))
				_ = os.WriteFile(filepath.Join(keep, name), shot, 0o644)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 1600)); err != nil {
		t.Fatal(err)
	}
}

// checkScreenshot compares a full-page screenshot with the window: as
// wide as it, and with only the page's background in its rightmost
// pixels below the header and the views' bar.
func checkScreenshot(t *testing.T, where string, png []byte, width, topBars int) {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatalf("%s: decode the screenshot: %v", where, err)
	}
	b := img.Bounds()
	if b.Dx() != width {
		t.Errorf("%s: the screenshot is %d px wide, the window %d", where, b.Dx(), width)
		return
	}
	bg := color.RGBA{0xf6, 0xf7, 0xf9, 0xff}
	for y := b.Min.Y + topBars + 1; y < b.Max.Y; y++ {
		for x := b.Max.X - 3; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if uint8(r>>8) != bg.R || uint8(g>>8) != bg.G || uint8(bb>>8) != bg.B {
				t.Errorf("%s: something is painted against the right edge at y=%d (x=%d): rgb(%d,%d,%d)", where, y, x, r>>8, g>>8, bb>>8)
				return
			}
		}
	}
}

// checkKeyboard: from the top of a list, Tab reaches the skip link, which
// is visible when focused; Enter on it moves to the content; the next Tab
// is the search box; typing and Enter filters the list.
func checkKeyboard(ctx context.Context, t *testing.T, base string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/dashboard/mitigations")); err != nil {
		t.Fatal(err)
	}
	type focus struct {
		ID, Class, Tag string
		Left           float64
		Outline        string
	}
	active := func() focus {
		t.Helper()
		f, err := chromedp.Run(ctx, chromedp.Evaluate[focus](`(() => { const e = document.activeElement, r = e.getBoundingClientRect();
  return {ID: e.id, Class: e.className, Tag: e.tagName, Left: r.left, Outline: getComputedStyle(e).outlineStyle}; })()`))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if f := active(); f.Class != "skip" || f.Left < 0 || f.Outline == "none" {
		t.Errorf("the first Tab: %+v, want the skip link, visible, with a focus outline", f)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if f := active(); f.ID != "main" {
		t.Errorf("Enter on the skip link: focus on %+v, want main", f)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if f := active(); f.ID != "f-q" || f.Outline == "none" {
		t.Errorf("Tab after the skip link: %+v, want the search box with a focus outline", f)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.KeyEvent("MFA"+kb.Enter)); err != nil {
		t.Fatalf("search by keyboard: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	rs, err := chromedp.Run(ctx, chromedp.Evaluate[[]browserRow](rowsJS))
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOfRows(rs); !strings.Contains(loc, "q=MFA") || !slices.Equal(got, []string{"alpinepay/admin-mfa"}) {
		t.Errorf("searched by keyboard: %s, rows %v", loc, got)
	}
}

// axName is a node's accessible name ("" without one).
func axName(n *accessibility.Node) string {
	if n.Name == nil || len(n.Name.Value) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(n.Name.Value, &s); err != nil {
		return string(n.Name.Value)
	}
	return strings.TrimSpace(s)
}

func axRole(n *accessibility.Node) string {
	if n.Role == nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(n.Role.Value, &s)
	return s
}

// checkScreenReader: in the accessibility tree of each view, every form
// field, button, link, table and image has a name; the views' navigation
// and the main content are landmarks; the current view is marked.
func checkScreenReader(ctx context.Context, t *testing.T, base string) {
	t.Helper()
	for _, page := range []string{"/dashboard", "/dashboard/threats", "/dashboard/mitigations", "/dashboard/models"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+page)); err != nil {
			t.Fatal(err)
		}
		tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
		if err != nil {
			t.Fatalf("%s: the accessibility tree: %v", page, err)
		}
		named := map[string]bool{"combobox": true, "searchbox": true, "textbox": true, "checkbox": true, "button": true,
			"link": true, "table": true, "image": true, "navigation": true}
		var unnamed []string
		landmarks := map[string]string{}
		for _, n := range tree.Nodes {
			if n.Ignored {
				continue
			}
			role, name := axRole(n), axName(n)
			if named[role] && name == "" {
				unnamed = append(unnamed, fmt.Sprintf("%s (DOM node %d)", role, n.BackendDOMNodeID))
			}
			if role == "navigation" || role == "main" || role == "search" || role == "image" {
				landmarks[role] += name + ";"
			}
		}
		if len(unnamed) > 0 {
			t.Errorf("%s: a screen reader finds no name for %v", page, unnamed)
		}
		if !strings.Contains(landmarks["navigation"], "Dashboard views") || landmarks["main"] == "" && !hasRole(tree.Nodes, "main") {
			t.Errorf("%s: landmarks %v", page, landmarks)
		}
		if page == "/dashboard" && !strings.Contains(landmarks["image"], "Open threats by risk") {
			t.Errorf("%s: the chart's name: %q", page, landmarks["image"])
		}
		cur, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('nav.views [aria-current=page]') || {}).textContent || ''`))
		if err != nil || cur == "" {
			t.Errorf("%s: the current view is not marked (%q %v)", page, cur, err)
		}
	}
}

func hasRole(nodes []*accessibility.Node, role string) bool {
	for _, n := range nodes {
		if !n.Ignored && axRole(n) == role {
			return true
		}
	}
	return false
}
