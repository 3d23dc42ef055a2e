package policy_test

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
)

const ruleStride = "stride-flows"

// strideWant is one expected finding: its severity and parts of its message.
type strideWant struct {
	severity string
	parts    []string
}

func warnOf(parts ...string) strideWant {
	return strideWant{policy.Warning, append(parts, "no threat in the model says what could go wrong")}
}
func askSay(parts ...string) strideWant { return strideWant{policy.Notice, parts} }

// checkStride reviews an added model whose flow f1 is flow, and compares
// the stride-flows findings, in order.
func checkStride(t *testing.T, s shop, want []strideWant) {
	t.Helper()
	head := s.String()
	got := only(review(t, "", head), ruleStride)
	if len(got) != len(want) {
		t.Fatalf("want %d findings, got:\n%s", len(want), dump(got))
	}
	for i, f := range got {
		if f.Severity != want[i].severity || f.Flow != "f1" {
			t.Errorf("got %s on flow %q, want %s on f1", f.Severity, f.Flow, want[i].severity)
		}
		if f.Line != lineOf(t, head, "f1:") {
			t.Errorf("line %d, want that of f1", f.Line)
		}
		mustContain(t, "message", f.Message, want[i].parts...)
	}
}

func TestStrideFlowsAddedModel(t *testing.T) {
	cases := []struct {
		name, flow, threats string
		want                []strideWant
	}{
		{"internet-facing into internal, stated unauthenticated", "{from: web, to: orders, authenticated: false, encrypted: true}", "",
			[]strideWant{warnOf(`from the internet-facing Web shop (web) into Order service (orders) without authentication`, "spoofing", "authenticated: true")}},
		{"user into internal, stated unauthenticated", "{from: customer, to: orders, authenticated: false, encrypted: true}", "",
			[]strideWant{warnOf(`from the user Customer (customer) into Order service (orders) without authentication`)}},
		{"entering, unknown authentication: one notice", "{from: web, to: orders, encrypted: true}", "",
			[]strideWant{askSay("The flow f1 goes into the system from outside", "whether it is authenticated.", "(authenticated: true|false)")}},
		{"entering, both unknown: still one notice", "{from: web, to: orders, data: [pii]}", "",
			[]strideWant{askSay("whether it is authenticated or encrypted", "authenticated: true|false, encrypted: true|false")}},
		{"entering, unknown encryption, stated unauthenticated", "{from: web, to: orders, authenticated: false}", "",
			[]strideWant{warnOf("without authentication"), askSay("whether it is encrypted.")}},
		{"authenticated", "{from: web, to: orders, authenticated: true, encrypted: true}", "", nil},
		{"entering over http, encryption unsaid: the protocol says it", "{from: web, to: orders, protocol: http, authenticated: true}", "", nil},
		{"entering over ldap, both unsaid: asks only about authentication", "{from: web, to: orders, protocol: ldap}", "",
			[]strideWant{askSay("whether it is authenticated.", "(authenticated: true|false)")}},
		{"entering over https, encryption unsaid: the protocol says it", "{from: web, to: orders, protocol: https, authenticated: true}", "", nil},
		{"entering over SSH, both unsaid: asks only about authentication", "{from: web, to: orders, protocol: SSH}", "",
			[]strideWant{askSay("whether it is authenticated.", "(authenticated: true|false)")}},
		{"entering over https stated unencrypted: the statement wins", "{from: web, to: orders, protocol: https, authenticated: true, encrypted: false, data: [pii]}", "",
			[]strideWant{warnOf("without encryption")}},
		{"entering over grpc, encryption unsaid: asked", "{from: web, to: orders, protocol: grpc, authenticated: true}", "",
			[]strideWant{askSay("whether it is encrypted.")}},
		{"internal to internal, unknown: no boundary crossed", "{from: orders, to: db, data: [pii]}", "", nil},
		{"internal to internal, stated unauthenticated", "{from: orders, to: db, authenticated: false}", "", nil},
		{"into an internet-facing component", "{from: customer, to: web, authenticated: false}", "", nil},
		{"a threat targets it", "{from: web, to: orders, authenticated: false, encrypted: true}",
			"  t1: {title: Forged order requests, targets: [f1], likelihood: low, impact: low, stride: [spoofing]}\n", nil},
		{"a threat targets it, whatever its STRIDE", "{from: web, to: orders, authenticated: false, encrypted: true}",
			"  t1: {title: Orders flood, targets: [f1], likelihood: low, impact: low, stride: [denial_of_service]}\n", nil},
		{"a threat on an end does not count", "{from: web, to: orders, authenticated: false, encrypted: true}",
			"  t1: {title: Forged order requests, targets: [orders], likelihood: low, impact: low}\n",
			[]strideWant{warnOf("without authentication")}},
		{"restricted data stated unencrypted", "{from: orders, to: db, data: [pii], authenticated: true, encrypted: false}", "",
			[]strideWant{warnOf("carries restricted data (Customer data) from Order service (orders) to Orders database (db) without encryption", "information disclosure", "encrypted: true")}},
		{"restricted data encrypted", "{from: orders, to: db, data: [pii], encrypted: true}", "", nil},
		{"public data unencrypted", "{from: orders, to: db, data: [catalogue], encrypted: false}", "", nil},
		{"both problems", "{from: web, to: orders, data: [pii, catalogue], authenticated: false, encrypted: false}", "",
			[]strideWant{warnOf("without authentication", "spoofing"), warnOf("restricted data (Customer data)", "information disclosure")}},
		{"bidirectional: the other direction enters", "{from: orders, to: web, bidirectional: true, authenticated: false, encrypted: true}", "",
			[]strideWant{warnOf("between Order service (orders) and Web shop (web) (both ways) without authentication")}},
		{"one-way out of the system", "{from: orders, to: web, authenticated: false, encrypted: true}", "", nil},
		{"a dependency is not a network call", "{from: web, to: orders, kind: dependency, data: [pii], authenticated: false, encrypted: false}", "", nil},
		{"a dependency with nothing said", "{from: web, to: orders, kind: dependency}", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkStride(t, shop{flows: "  f1: " + c.flow + "\n", threats: c.threats}, c.want)
		})
	}
}

// TestStrideFlowsBoundaries: with trust boundaries drawn, a flow that
// crosses one and leaves something unsaid gets a notice, and a flow from
// an untrusted boundary into a trusted one that states it is not
// authenticated gets a warning.
func TestStrideFlowsBoundaries(t *testing.T) {
	zones := "  outside: {name: Internet, trusted: false, members: [customer]}\n" +
		"  dmz: {name: DMZ, members: [web]}\n" +
		"  core: {name: Core, members: [orders, db]}\n"
	cases := []struct {
		name, flow, boundaries string
		want                   []strideWant
	}{
		{"crossing, unknown", "{from: web, to: orders}", zones,
			[]strideWant{askSay("goes from the boundary dmz into core", "Web shop (web) to Order service (orders)", "authenticated or encrypted")}},
		{"inside one boundary, unknown", "{from: orders, to: db, data: [pii]}", zones, nil},
		{"into a boundary from none", "{from: orders, to: db, encrypted: true}",
			"  core: {name: Core, members: [db]}\n",
			[]strideWant{askSay("goes into the boundary core", "whether it is authenticated.")}},
		{"untrusted into trusted, stated unauthenticated", "{from: customer, to: orders, authenticated: false, encrypted: true}", zones,
			[]strideWant{warnOf("without authentication")}},
		{"untrusted into trusted, internal ends only", "{from: db, to: orders, authenticated: false, encrypted: true}",
			"  lab: {name: Lab, trusted: false, members: [db]}\n  core: {name: Core, members: [orders]}\n",
			[]strideWant{warnOf("from Orders database (db) into Order service (orders) without authentication")}},
		{"trusted into untrusted", "{from: orders, to: db, authenticated: false, encrypted: true}",
			"  lab: {name: Lab, trusted: false, members: [db]}\n  core: {name: Core, members: [orders]}\n", nil},
		{"a dependency crosses nothing", "{from: customer, to: orders, kind: dependency}", zones, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkStride(t, shop{flows: "  f1: " + c.flow + "\n", boundaries: c.boundaries}, c.want)
		})
	}
}

func TestStrideFlowsOnlyWhatChanged(t *testing.T) {
	open := shop{flows: "  f1: {from: web, to: orders, authenticated: false, encrypted: true}\n"}.String()
	unsaid := shop{flows: "  f1: {from: web, to: orders}\n"}.String()
	guarded := shop{flows: "  f1: {from: web, to: orders, authenticated: false, encrypted: true}\n",
		threats: "  t1: {title: Forged order requests, targets: [f1], likelihood: low, impact: low}\n"}.String()
	internal := shop{flows: "  f1: {from: orders, to: db, authenticated: false, encrypted: true}\n"}.String()
	cases := []struct {
		name, base, head string
		want             int
	}{
		{"unchanged flow is old news", open, open, 0},
		{"unchanged unsaid flow is old news", unsaid, unsaid, 0},
		{"flow changed", open, strings.Replace(open, "to: orders,", "to: orders, protocol: https,", 1), 1},
		{"flow added", shop{}.String(), open, 1},
		{"its threat removed", guarded, open, 1},
		{"its threat added", open, guarded, 0},
		{"an end became internet-facing", internal,
			strings.Replace(internal, "orders: {name: Order service, kind: service}", "orders: {name: Order service, kind: service, internet_facing: true}", 1), 1},
		{"authentication dropped", shop{flows: "  f1: {from: web, to: orders, authenticated: true, encrypted: true}\n"}.String(), open, 1},
		{"authentication added", open, shop{flows: "  f1: {from: web, to: orders, authenticated: true, encrypted: true}\n"}.String(), 0},
		{"authentication left unsaid", shop{flows: "  f1: {from: web, to: orders, authenticated: true, encrypted: true}\n"}.String(), unsaid, 1},
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
