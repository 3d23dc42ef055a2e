package policy_test

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
)

const ruleStride = "stride-flows"

func TestStrideFlowsAddedModel(t *testing.T) {
	cases := []struct {
		name, flow, threats string
		want                [][]string // message parts of each finding, in order; nil for none
	}{
		{"internet-facing into internal, unauthenticated", "{from: web, to: orders}", "",
			[][]string{{`from the internet-facing Web shop (web) into Order service (orders) without authentication`, "spoofing", "authenticated: true"}}},
		{"user into internal, unauthenticated", "{from: customer, to: orders}", "",
			[][]string{{`from the user Customer (customer) into Order service (orders) without authentication`}}},
		{"authenticated", "{from: web, to: orders, authenticated: true}", "", nil},
		{"internal to internal", "{from: orders, to: db}", "", nil},
		{"into an internet-facing component", "{from: customer, to: web}", "", nil},
		{"a threat targets it", "{from: web, to: orders}",
			"  t1: {title: Forged order requests, targets: [f1], likelihood: low, impact: low, stride: [spoofing]}\n", nil},
		{"a threat targets it, whatever its STRIDE", "{from: web, to: orders}",
			"  t1: {title: Orders flood, targets: [f1], likelihood: low, impact: low, stride: [denial_of_service]}\n", nil},
		{"a threat on an end does not count", "{from: web, to: orders}",
			"  t1: {title: Forged order requests, targets: [orders], likelihood: low, impact: low}\n",
			[][]string{{"without authentication"}}},
		{"restricted data unencrypted", "{from: orders, to: db, data: [pii], authenticated: true}", "",
			[][]string{{"carries restricted data (Customer data) from Order service (orders) to Orders database (db) without encryption", "information disclosure", "encrypted: true"}}},
		{"restricted data encrypted", "{from: orders, to: db, data: [pii], encrypted: true}", "", nil},
		{"public data unencrypted", "{from: orders, to: db, data: [catalogue]}", "", nil},
		{"both problems", "{from: web, to: orders, data: [pii, catalogue]}", "",
			[][]string{{"without authentication", "spoofing"}, {"restricted data (Customer data)", "information disclosure"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := shop{flows: "  f1: " + c.flow + "\n", threats: c.threats}.String()
			got := only(review(t, "", head), ruleStride)
			if len(got) != len(c.want) {
				t.Fatalf("want %d findings, got:\n%s", len(c.want), dump(got))
			}
			for i, f := range got {
				if f.Severity != policy.Warning || f.Flow != "f1" {
					t.Errorf("got %s on flow %q", f.Severity, f.Flow)
				}
				if f.Line != lineOf(t, head, "f1:") {
					t.Errorf("line %d, want that of f1", f.Line)
				}
				mustContain(t, "message", f.Message, append(c.want[i], "no threat in the model says what could go wrong")...)
			}
		})
	}
}

func TestStrideFlowsOnlyWhatChanged(t *testing.T) {
	open := shop{flows: "  f1: {from: web, to: orders}\n"}.String()
	guarded := shop{flows: "  f1: {from: web, to: orders}\n",
		threats: "  t1: {title: Forged order requests, targets: [f1], likelihood: low, impact: low}\n"}.String()
	cases := []struct {
		name, base, head string
		want             int
	}{
		{"unchanged flow is old news", open, open, 0},
		{"flow changed", open, strings.Replace(open, "to: orders}", "to: orders, protocol: https}", 1), 1},
		{"flow added", shop{}.String(), open, 1},
		{"its threat removed", guarded, open, 1},
		{"its threat added", open, guarded, 0},
		{"an end became internet-facing", shop{flows: "  f1: {from: orders, to: db}\n"}.String(),
			strings.Replace(shop{flows: "  f1: {from: orders, to: db}\n"}.String(),
				"orders: {name: Order service, kind: service}", "orders: {name: Order service, kind: service, internet_facing: true}", 1), 1},
		{"authentication dropped", shop{flows: "  f1: {from: web, to: orders, authenticated: true}\n"}.String(), open, 1},
		{"authentication added", open, shop{flows: "  f1: {from: web, to: orders, authenticated: true}\n"}.String(), 0},
		{"model deleted", open, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := only(review(t, c.base, c.head), ruleStride)
			if len(got) != c.want {
				t.Fatalf("want %d findings, got:\n%s", c.want, dump(got))
			}
		})
	}
}
