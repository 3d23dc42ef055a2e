package review

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
)

func TestDiagramOfAChange(t *testing.T) {
	base := handModel("s").
		comp("user", "User", "user").
		comp("web", "Web app", "web_app").
		comp("api", "API", "api").
		comp("db", "Database", "database").
		comp("old", "Old service", "service").
		comp("far", "Far away", "service").
		flow("user-web", "user", "web").
		flow("web-api", "web", "api").
		flow("api-db", "api", "db").
		flow("web-old", "web", "old").
		flow("db-far", "db", "far")
	head := handModel("s").
		comp("user", "User", "user").
		comp("web", "Web app", "web_app").
		comp("api", "API", "api").
		comp("db", "Database", "database").
		comp("far", "Far away", "service").
		comp("bot", `Support "bot" [beta] {x} <b>|`+"`", "llm").
		flow("user-web", "user", "web").
		flow("web-api", "web", "api").
		flow("api-db", "api", "db").
		flow("db-far", "db", "far").
		flow("web-bot", "web", "bot").
		threat("t", "Prompt injection", model.High, model.High, nil, "bot")
	// The API changes kind: a changed component.
	head.m.Components["api"].Kind = "service"
	mr := handReport("s.threatmodel.yaml", base.m, head.m, nil)
	got := mr.Diagram(DiagramMaxNodes)
	// Nodes: the changed API and the added bot, the web app (end of the
	// added flow and neighbour of both), the database (neighbour of the
	// API); not the user, nor the far service two steps away, nor the
	// removed component.
	for _, w := range []string{
		`["Web app"]`, `["API"]`, `[("Database")]`,
		`{{"⚠️ Support #quot;bot#quot; #91;beta#93; #123;x#125; #lt;b#gt;#124;#96;"}}`,
		"classDef added", "classDef changed", "class n4 added", "class n2 changed",
		`n1 -->|"web-bot"| n4`, `linkStyle 2 stroke:#1a7f37`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("the diagram lacks %q:\n%s", w, got)
		}
	}
	for _, no := range []string{"User", "Far away", "Old service", "removed: web-old", "```"} {
		if strings.Contains(got, no) {
			t.Errorf("the diagram has %q:\n%s", no, got)
		}
	}
	if !strings.HasPrefix(got, "flowchart LR\n") {
		t.Errorf("not a flowchart:\n%s", got)
	}
}

func TestDiagramRemovedFlowIsDashed(t *testing.T) {
	base := handModel("s").comp("a", "A", "service").comp("b", "B", "service").flow("a-b", "a", "b").flow("b-a", "b", "a")
	head := handModel("s").comp("a", "A", "service").comp("b", "B", "service").flow("b-a", "b", "a")
	got := handReport("s.threatmodel.yaml", base.m, head.m, nil).Diagram(0)
	if !strings.Contains(got, `n1 -.->|"removed: a-b"| n2`) || !strings.Contains(got, `n2 -->|"b-a"| n1`) {
		t.Fatalf("removed flow not dashed:\n%s", got)
	}
}

func TestDiagramNothingToDraw(t *testing.T) {
	m := handModel("s").comp("a", "A", "service").m
	if d := handReport("s.threatmodel.yaml", m, m, nil).Diagram(DiagramMaxNodes); d != "" {
		t.Fatalf("nothing changed, yet a diagram:\n%s", d)
	}
	if d := (&ModelReport{}).Diagram(DiagramMaxNodes); d != "" {
		t.Fatal("a report without a head has no diagram")
	}
}

func TestDiagramIsCapped(t *testing.T) {
	head := handModel("s")
	for i := 0; i < 100; i++ {
		head.comp(fmt.Sprintf("c%03d", i), fmt.Sprintf("C%d", i), "service")
		if i > 0 {
			head.flow(fmt.Sprintf("f%03d", i), fmt.Sprintf("c%03d", i-1), fmt.Sprintf("c%03d", i))
		}
	}
	got := handReport("s.threatmodel.yaml", nil, head.m, nil).Diagram(DiagramMaxNodes)
	if n := strings.Count(got, `["C`); n != DiagramMaxNodes {
		t.Fatalf("%d nodes, want %d", n, DiagramMaxNodes)
	}
	if !strings.Contains(got, "… 40 more components not shown") {
		t.Fatalf("no note about the nodes left out:\n%s", got)
	}
}

func TestShapes(t *testing.T) {
	for kind, want := range map[string]string{
		"database": `[("x")]`, "vector_store": `[("x")]`, "user": `(["x"])`, "llm": `{{"x"}}`,
		"agent": `{{"x"}}`, "tool": `[["x"]]`, "third_party_service": `[/"x"/]`, "api": `["x"]`,
	} {
		if got := mermaidShape(kind, "x"); got != want {
			t.Errorf("mermaidShape(%s) = %s, want %s", kind, got, want)
		}
	}
}
