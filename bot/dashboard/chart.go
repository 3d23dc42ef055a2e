package dashboard

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/store"
)

// riskColors are the chart's colours, the legend's and the risk badges'
// too (style.css): IBM's colour-blind-safe palette (magenta darkened for
// white text on critical), told apart by people with any common colour
// vision deficiency, and in the chart also by their order (critical at the
// bottom) and a white gap between segments.
var riskColors = map[string]string{
	"critical": "#9f1853",
	"high":     "#fe6100",
	"medium":   "#ffb000",
	"low":      "#648fff",
}

// chartOrder stacks the bars from the bottom: the most severe where it is
// easiest to compare.
var chartOrder = []string{"critical", "high", "medium", "low"}

// minSegment is the least height of a segment that is not zero, so that
// one critical threat among hundreds still shows.
const minSegment = 2.5

// Chart geometry (SVG user units).
const (
	chartW, chartH         = 760, 240
	chartLeft, chartRight  = 44, 36
	chartTop, chartBottom  = 10, 28
	chartPlotW, chartPlotH = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	chartYTicks            = 4
	chartMaxXLabels        = 7
	chartBarFill           = 0.8
)

// niceStep is the smallest of 1, 2, 5, 10, 20, 50… at least v.
func niceStep(v int) int {
	if v <= 1 {
		return 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= v {
				return m * p
			}
		}
	}
}

// riskChart draws the open threats per day as stacked bars (low at the
// bottom, critical on top), server-side, as inline SVG: no script, no
// external asset. Each bar carries a <title> with its day's numbers.
func riskChart(points []riskPoint) template.HTML {
	if len(points) == 0 {
		return ""
	}
	most := 0
	for _, p := range points {
		most = max(most, p.Total)
	}
	step := niceStep((most + chartYTicks - 1) / chartYTicks)
	top := step * chartYTicks
	y := func(v int) float64 { return chartTop + chartPlotH - float64(v)*chartPlotH/float64(top) }
	last := points[len(points)-1]

	var b strings.Builder
	b.Grow(512 + len(points)*600)
	fmt.Fprintf(&b, `<svg id="risk-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="risk-chart-title risk-chart-desc">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="risk-chart-title">Open threats by risk, per day, %s to %s</title>`, points[0].Day, last.Day)
	fmt.Fprintf(&b, `<desc id="risk-chart-desc">On %s: %s.</desc>`, last.Day, template.HTMLEscapeString(countsText(last.Open)))
	// Grid and y axis.
	for i := 0; i <= chartYTicks; i++ {
		v := step * i
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#d0d4da" stroke-width="1"/>`, chartLeft, yy, chartW-chartRight, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" font-size="11" fill="#4a5260">%d</text>`, chartLeft-6, yy+4, v)
	}
	slot := float64(chartPlotW) / float64(len(points))
	bar := max(1, slot*chartBarFill)
	every := max(1, (len(points)+chartMaxXLabels-1)/chartMaxXLabels)
	for i, p := range points {
		x := chartLeft + float64(i)*slot + (slot-bar)/2
		fmt.Fprintf(&b, `<g class="day" data-day="%s"><title>%s: %s</title>`, p.Day, p.Day, template.HTMLEscapeString(countsText(p.Open)))
		y0 := y(0)
		for _, r := range chartOrder {
			n := p.Open.Of(r)
			if n == 0 {
				continue
			}
			h := max(minSegment, float64(n)*chartPlotH/float64(top))
			fmt.Fprintf(&b, `<rect class="risk-%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="#fff" stroke-width="0.5"/>`,
				r, x, y0-h, bar, h, riskColors[r])
			y0 -= h
		}
		b.WriteString(`</g>`)
		if i%every == 0 || i == len(points)-1 && (len(points)-1)%every >= every/2 {
			label := p.Day
			if d, err := time.Parse(store.DayLayout, p.Day); err == nil {
				label = d.Format("2 Jan")
			}
			anchor := "middle"
			if i == len(points)-1 && len(points) > 1 {
				anchor = "end"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="%s" font-size="11" fill="#4a5260">%s</text>`, x+bar/2, chartH-8, anchor, label)
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#4a5260" stroke-width="1"/>`, chartLeft, y(0), chartW-chartRight, y(0))
	b.WriteString(`</svg>`)
	// The legend, with the last day's numbers.
	b.WriteString(`<ul class="legend" aria-label="Legend, with the numbers of ` + template.HTMLEscapeString(last.Day) + `">`)
	for _, r := range chartOrder {
		fmt.Fprintf(&b, `<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="%s"/></svg> %s: %d</li>`, riskColors[r], r, last.Open.Of(r))
	}
	b.WriteString(`</ul>`)
	return template.HTML(b.String())
}

// countsText reads counts as a person would say them.
func countsText(c store.RiskCounts) string {
	return fmt.Sprintf("%d open (%d critical, %d high, %d medium, %d low)", c.Total(), c.Critical, c.High, c.Medium, c.Low)
}
