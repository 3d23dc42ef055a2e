package model

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	RunCUEChildIfRequested()
	os.Exit(m.Run())
}

const cueSmallModel = `package tm

// Hidden fields, definitions and let clauses are not data.
_owner: "team-sec"
#Threat: {
	title:    string
	severity: *"medium" | "low" | "high"
}
let prefix = "T-"

version: 1
system: {
	id:    "shop"
	name:  "Shop"
	owner: _owner
}
names: ["sqli", "xss"]
threats: {
	for n in names {
		"\(prefix)\(n)": #Threat & {
			title: "Threat \(n)"
		}
	}
}
ratio: 0.5
internal: false
nothing:  null
café: "naïve"
`

func loadCUEString(t *testing.T, src string, b CUEBudget) (*Node, error) {
	t.Helper()
	return LoadCUE(context.Background(), "model.cue", []byte(src), b)
}

func wantPos(t *testing.T, what string, got, want Pos) {
	t.Helper()
	if got != want {
		t.Errorf("%s at %d:%d, want %d:%d", what, got.Line, got.Column, want.Line, want.Column)
	}
}

func TestLoadCUESmallModel(t *testing.T) {
	start := time.Now()
	n, err := loadCUEString(t, cueSmallModel, CUEBudget{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded a small CUE model through the child in %v", time.Since(start))

	if n.Kind != MapNode || n.Pos() != (Pos{1, 1}) {
		t.Fatalf("root is %v at %v, want a mapping at 1:1", n.Kind, n.Pos())
	}
	if got, want := strings.Join(n.Keys, ","), "version,system,names,threats,ratio,internal,nothing,café"; got != want {
		t.Errorf("keys %s, want %s", got, want)
	}
	wantPos(t, "key version", n.KeyPosOf("version"), Pos{11, 1})
	v := n.Get("version")
	if v.Kind != IntNode || v.Str != "1" {
		t.Errorf("version = %v %q", v.Kind, v.Str)
	}
	wantPos(t, "version", v.Pos(), Pos{11, 10})

	sys := n.Get("system")
	wantPos(t, "key system", n.KeyPosOf("system"), Pos{12, 1})
	wantPos(t, "system", sys.Pos(), Pos{12, 9})
	wantPos(t, "key system.name", sys.KeyPosOf("name"), Pos{14, 2})
	if o := sys.Get("owner"); o == nil || o.Kind != StringNode || o.Str != "team-sec" {
		t.Errorf("system.owner = %+v, want the string team-sec", o)
	} else {
		// A reference: CUE gives the position of the reference.
		wantPos(t, "system.owner", o.Pos(), Pos{15, 9})
	}

	names := n.Get("names")
	if names.Kind != ListNode || len(names.Items) != 2 {
		t.Fatalf("names = %+v", names)
	}
	wantPos(t, "names[1]", names.Items[1].Pos(), Pos{17, 17})

	threats := n.Get("threats")
	if got, want := strings.Join(threats.Keys, ","), "T-sqli,T-xss"; got != want {
		t.Fatalf("threat keys %s, want %s", got, want)
	}
	for i, id := range []string{"sqli", "xss"} {
		wantPos(t, "threat key", threats.KeyPos[i], Pos{20, 3})
		th := threats.Values[i]
		if got := strings.Join(th.Keys, ","); got != "title,severity" {
			t.Errorf("threat %s keys %s", id, got)
		}
		if got := th.Get("title").Str; got != "Threat "+id {
			t.Errorf("threat %s title %q", id, got)
		}
		wantPos(t, "title key", th.KeyPosOf("title"), Pos{21, 4})
		wantPos(t, "title", th.Get("title").Pos(), Pos{21, 11})
		if sev := th.Get("severity"); sev.Str != "medium" {
			t.Errorf("threat %s severity %q, want the default medium", id, sev.Str)
		} else {
			wantPos(t, "severity (from the definition)", sev.Pos(), Pos{7, 12})
		}
	}

	if r := n.Get("ratio"); r.Kind != FloatNode || r.Str != "0.5" {
		t.Errorf("ratio = %v %q", r.Kind, r.Str)
	}
	if b := n.Get("internal"); b.Kind != BoolNode || b.Str != "false" {
		t.Errorf("internal = %v %q", b.Kind, b.Str)
	}
	if x := n.Get("nothing"); x.Kind != NullNode {
		t.Errorf("nothing = %v", x.Kind)
	}
	// Columns count characters, as in the YAML and JSON readers.
	wantPos(t, "naïve", n.Get("café").Pos(), Pos{28, 7})
}

func TestLoadCUEKeyPositionOfRepeatedField(t *testing.T) {
	n, err := evalCUE("m.cue", []byte("a: b: 1\na: c: 2\nx: 1\nx: int\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := n.Get("a")
	wantPos(t, "key a", n.KeyPosOf("a"), Pos{1, 1})
	wantPos(t, "key a.c", a.KeyPosOf("c"), Pos{2, 4})
	wantPos(t, "a.c", a.Get("c").Pos(), Pos{2, 7})
	wantPos(t, "key x", n.KeyPosOf("x"), Pos{3, 1})
	wantPos(t, "x", n.Get("x").Pos(), Pos{3, 4})
}

func TestLoadCUEErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"import", "package tm\n\nimport \"strings\"\n\nversion: 1\nname: strings.ToUpper(\"x\")\n",
			3, 8, `a CUE model may not import packages (found import "strings")`},
		{"grouped import", "import (\n\t\"list\"\n\t\"strings\"\n)\nversion: 1\n",
			2, 2, `a CUE model may not import packages (found import "list")`},
		{"syntax", "version: 1\nsystem: {\n\tid: \"x\",,\n}\n", 3, 10, "invalid CUE: expected operand, found ','"},
		{"not concrete", "version: 1\nthreats: x: {\n\ttitle: string\n}\n", 3, 9,
			"the value of threats.x.title is not concrete: give it a value"},
		{"conflict", "version: 1\nversion: int & 2\n", 2, 16, "version: conflicting values 2 and 1"},
		{"duplicate", "version: 1\nversion: 2\n", 2, 1, `duplicate key "version": it is already defined at line 1`},
		{"required", "#T: {title!: string}\nthreats: x: #T & {}\n", 1, 6, "threats.x.title: field is required but not present"},
		{"top-level list", "[1, 2]\n", 1, 1, "a CUE model must be a struct at the top level, not a list"},
		{"top-level string", "\"x\"\n", 1, 1, "must be a struct at the top level, not a string"},
		{"empty", "package tm\n// nothing\n", 1, 1, "the file is empty"},
		{"bytes", "version: 1\nkey: 'abc'\n", 2, 6, "the value of key is bytes"},
		{"embed", "@extern(embed)\n\npackage x\n\na: _ @embed(file=model.cue)\n", 1, 1, "cannot embed files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := evalCUE("model.cue", []byte(tc.src))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *SyntaxError", err, err)
			}
			if se.Line != tc.line || se.Column != tc.col || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("err = %v, want %d:%d: ...%s...", se, tc.line, tc.col, tc.msg)
			}
		})
	}
}

func TestLoadCUEErrorThroughChild(t *testing.T) {
	_, err := loadCUEString(t, "package tm\n\nimport \"strings\"\n\nversion: strings.ToUpper(\"x\")\n", CUEBudget{})
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(se.Msg, `found import "strings"`) {
		t.Fatalf("err = %v (%T), want a *SyntaxError at line 3 naming the import", err, err)
	}
	_, err = loadCUEString(t, "version: 1\nthreats: x: title: string\n", CUEBudget{})
	if !errors.As(err, &se) || se.Line != 2 || !strings.Contains(se.Msg, "threats.x.title is not concrete") {
		t.Fatalf("err = %v, want threats.x.title is not concrete at line 2", err)
	}
}

// A comprehension of 10^12 iterations: it never finishes, in constant
// memory, so only the time budget stops it.
const cueTimeBomb = `L: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
out: {
	for a in L for b in L for c in L for d in L for e in L for f in L
	for g in L for h in L for i in L for j in L for k in L for l in L
	if a+b+c+d+e+f+g+h+i+j+k+l > 200 {
		"\(a)\(b)\(c)\(d)\(e)\(f)\(g)\(h)\(i)\(j)\(k)\(l)": 1
	}
}
`

// A comprehension producing 10^12 fields: memory grows by hundreds of MB
// a second.
const cueMemoryBomb = `L: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
out: {
	for a in L for b in L for c in L for d in L for e in L for f in L
	for g in L for h in L for i in L for j in L for k in L for l in L {
		"\(a)\(b)\(c)\(d)\(e)\(f)\(g)\(h)\(i)\(j)\(k)\(l)": 1
	}
}
`

func TestLoadCUEBudget(t *testing.T) {
	t.Run("time", func(t *testing.T) {
		start := time.Now()
		_, err := loadCUEString(t, cueTimeBomb, CUEBudget{Timeout: 2 * time.Second})
		elapsed := time.Since(start)
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != "cue-time" {
			t.Fatalf("err = %v (%T), want a cue-time *LimitError", err, err)
		}
		if want := "CUE evaluation exceeded its time budget of 2s"; le.Msg != want {
			t.Errorf("message %q, want %q", le.Msg, want)
		}
		if elapsed > 3500*time.Millisecond {
			t.Errorf("took %v to stop a 2s evaluation", elapsed)
		}
	})
	t.Run("memory", func(t *testing.T) {
		start := time.Now()
		_, err := loadCUEString(t, cueMemoryBomb, CUEBudget{MemoryBytes: 64 << 20})
		elapsed := time.Since(start)
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != "cue-memory" {
			t.Fatalf("err = %v (%T), want a cue-memory *LimitError", err, err)
		}
		if want := "CUE evaluation exceeded its memory budget of 64 MiB"; le.Msg != want {
			t.Errorf("message %q, want %q", le.Msg, want)
		}
		t.Logf("memory bomb stopped after %v", elapsed)
	})
	t.Run("one huge string", func(t *testing.T) {
		// 10 MB repeated a million times: one allocation of 10 TB.
		src := "a: \"0123456789\" * 1000000\nb: a * 1000000\n"
		_, err := loadCUEString(t, src, CUEBudget{MemoryBytes: 64 << 20, Timeout: 5 * time.Second})
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != "cue-memory" {
			t.Fatalf("err = %v (%T), want a cue-memory *LimitError", err, err)
		}
	})
	t.Run("one big string", func(t *testing.T) {
		// 10 MB repeated a thousand times: one allocation of 10 GB, which
		// blocks the child's own watchdog; the parent stops it.
		start := time.Now()
		src := "a: \"0123456789\" * 1000000\nb: a * 1000\n"
		_, err := loadCUEString(t, src, CUEBudget{MemoryBytes: 64 << 20, Timeout: 5 * time.Second})
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != "cue-memory" {
			t.Fatalf("err = %v (%T), want a cue-memory *LimitError", err, err)
		}
		t.Logf("10 GB string stopped after %v", time.Since(start))
	})
	t.Run("parent unharmed", func(t *testing.T) {
		n, err := loadCUEString(t, cueSmallModel, CUEBudget{})
		if err != nil {
			t.Fatal(err)
		}
		if n.Get("system").Get("id").Str != "shop" {
			t.Errorf("system.id = %q", n.Get("system").Get("id").Str)
		}
	})
}

func TestLoadCUECancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := LoadCUE(ctx, "bomb.cue", []byte(cueTimeBomb), CUEBudget{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to stop after cancellation", d)
	}
}

func BenchmarkLoadCUESmall(b *testing.B) {
	for b.Loop() {
		if _, err := LoadCUE(context.Background(), "model.cue", []byte(cueSmallModel), CUEBudget{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalCUESmall(b *testing.B) {
	for b.Loop() {
		if _, err := evalCUE("model.cue", []byte(cueSmallModel)); err != nil {
			b.Fatal(err)
		}
	}
}

// The new keys read the same from CUE as from YAML: boundaries, a flow's
// kind and bidirectional, flags left unsaid, a threat on an asset.
func TestLoadCUENewKeysAgreeWithYAML(t *testing.T) {
	const yamlSrc = `version: 1
system: {id: s, name: S}
components:
  a: {name: A, kind: user}
  b: {name: B, kind: service}
  lib: {name: Lib, kind: other}
assets:
  d: {name: D}
flows:
  f: {from: a, to: b, bidirectional: true, encrypted: false}
  g: {from: lib, to: b, kind: dependency}
boundaries:
  out: {name: Out, trusted: false, members: [a]}
  in: {name: In, members: [b]}
threats:
  t: {title: T, targets: [d], likelihood: low, impact: low}
`
	const cueSrc = `version: 1
system: {id: "s", name: "S"}
components: {
	a: {name: "A", kind: "user"}
	b: {name: "B", kind: "service"}
	lib: {name: "Lib", kind: "other"}
}
assets: d: name: "D"
flows: {
	f: {from: "a", to: "b", bidirectional: true, encrypted: false}
	g: {from: "lib", to: "b", kind: "dependency"}
}
boundaries: {
	out: {name: "Out", trusted: false, members: ["a"]}
	"in": {name: "In", members: ["b"]}
}
threats: t: {title: "T", targets: ["d"], likelihood: "low", impact: "low"}
`
	l := newTestLoader(t)
	y := l.Load(context.Background(), "m.threatmodel.yaml", []byte(yamlSrc))
	c := l.Load(context.Background(), "m.threatmodel.cue", []byte(cueSrc))
	if !y.Valid || !c.Valid {
		t.Fatalf("valid: yaml %v %v; cue %v %v", y.Valid, y.Diagnostics, c.Valid, c.Diagnostics)
	}
	for _, r := range []*Result{y, c} {
		m := r.Model
		f, g := m.Flows["f"], m.Flows["g"]
		if !f.Bidirectional || f.Authenticated != nil || !Says(f.Encrypted, false) || f.IsDependency() || !g.IsDependency() {
			t.Errorf("%s: flows f %+v g %+v", m.Path, f, g)
		}
		if m.BoundaryOf("a") != "out" || m.BoundaryOf("b") != "in" || m.BoundaryOf("lib") != "" ||
			m.Boundaries["out"].Trusted || !m.Boundaries["in"].Trusted || strings.Join(m.BoundaryOrder, ",") != "out,in" {
			t.Errorf("%s: boundaries %+v", m.Path, m.Boundaries)
		}
	}
}
