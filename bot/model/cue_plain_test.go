package model

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/internal/modelgen"
)

// plainCUECases are plain data: both in-process readers or at least CUE's
// parser must read them, and agree with CUE itself (evalCUE).
var plainCUECases = []string{
	"version: 1\n",
	"package tm\n\n// a comment\nversion: 1 // after a value\nsystem: {id: \"x\", name: \"X\"}\n",
	"a: 1_000\nb: 0x10\nc: 0o17\nd: 0b101\ne: 1e3\nf: 1.5e-3\ng: 1.50\nh: 1K\ni: 1.5Ki\nj: 0\nk: 1.0\nl: 123456789012345678901234567890\nm: 0X1F\nn: 2E+2\no: 1_000.5\np: 0.0\n",
	"s: \"a\\nb\\t\\\"q\\\" \\u00e9 \\U0001F600 \\\\ \\/\"\n",
	"s: \"naïve café 日本\"\nt: \"tab\there\"\n",
	"s: \"\"\"\n\tline one\n\t  line two\n\n\t\"\"\"\nt: 1\n",
	"s: \"\"\"\n    a \"\"\" in the middle\n      more\n    \"\"\" // after\nt: [\"\"\"\n\tin a list\n\t\"\"\", 2]\n",
	"s: \"\"\"\n\t\"\"\"\nt: \"\"\"\n\n\tx\n\n\t\"\"\"\n",
	"s: \"\"\"\n\tnaïve\ttab\n\t\"\"\"\n",
	"\"a-b\": 1\n\"with space\": {\"é\": 2}\n\"\": 3\n\"#x\": 4\n\"_y\": 5\n",
	"café: 1\nnaïve: {été: 2}\n",
	"a: b: c: 1\nd: \"e\": 2\nf: g: {h: 3}\n",
	"a: {x: 1,}\nb: [1, 2,]\nc: [\n\t1,\n\t2\n]\nd: [\n\t\"x\"\n\t\"y\"\n]\n",
	"a: {}\nb: []\nc: [[]]\nd: [{}, {e: []}]\n",
	"t: true\nf: false\nn: null\nl: [true, null, 1.5, \"x\", {a: 1}]\n",
	"a: [[1], [{b: 2}]]\n",
	"a:1\nb :2\nc:\t\"x\"\n",
	"a: 1, b: 2, c: {d: 3, e: 4}\n",
	"a: 1\r\nb: {\r\n\tc: 2\r\n}\r\n",
	"a: \"x\" // trailing\n// own line\n\n\nb: [ // in a list\n\t1, // one\n\t2 // two\n]\n",
	"$a: 1\na$b: 2\nA_1: 3\n",
	"a: 1.e5\n",
	"a: 1M\nb: 1Gi\nc: 0.5K\nd: 1.25Ki\n",
	"a: 1,,\n",
	"l: [a: 1]\n",
	"l: [\"a\": 1]\n",
	"l: [a: b: 1, 2]\n",
	"a: [\n1\n,2]\n",
	"a: 1\n,b: 2\n",
	"a: \"x\"\"y\"\n",
	"a: 1.5.5\n",
	"a: 1e+5e\n",
	"a: 0b2\n",
	"a: 1_000_\n",
	"a: 00\n",
	"a: 0.\n",
	"a: 1Ki5\n",
	"a: 1 b: 2\n",
	"a: [1 2]\n",
	"package tm\n// nothing\n",
	"",
	"\xef\xbb\xbfa: 1\n",
}

// eitherCUECases may be read in process or by the child (syntax errors,
// rare forms): whoever reads them must agree with CUE.
var eitherCUECases = []string{
	"s: \"\"\"\n\tless\n  indented\n\t\"\"\"\n",
	"s: \"\"\"x\n\t\"\"\"\n",
	"s: \"\"\"\n\tnot closed\n",
	"s: \"\"\"\r\n\tcr\r\n\t\"\"\"\r\n",
	"s: \"\"\"\n\tx\n\t\"\"\"y\n",
	"s: \"\"\"\n\tend \\\n\t\"\"\"\n\t\"\"\"\n",
	"s: \"\"\"\n\tx\n\t\"\"\"\"\n",
	"a: 0x1e+5\n",
	"a: 0_1\n",
	"s: \"\"\"\n    indented \\(not)\n    \"\"\"\n",
	"if: 1\nfor: 2\nin: 3\nlet: 4\n",
	"a: \"\\u00\"\n",
	"a: \"\\x41\"\n",
	"a: 01\n",
	"a: 1__0\n",
	"a: 1_\n",
	"a: 0x\n",
	"a: 1e\n",
	"a: \"x\n",
	"a: {\n",
	"a: }\n",
	"a: \"\xff\"\n",
	"\xff: 1\n",
	"a: 1\x00\n",
}

// childCUECases use the language: neither in-process reader may take them.
var childCUECases = []string{
	"a: 1\na: 1\n",
	"a: 1\na: 2\n",
	"a: {b: 1}\na: {c: 2}\n",
	"\"a\": 1\na: 1\n",
	"a: b: 1\na: c: 2\n",
	"x: 1\na: x\n",
	"a: -1\n",
	"a: +1\n",
	"a?: 1\n",
	"a!: 1\n",
	"#A: 1\nb: 2\n",
	"_a: 1\nb: 2\n",
	"a: *1 | 2\n",
	"a: int\n",
	"x: \"y\"\na: \"\\(x)\"\n",
	"a: 'bytes'\n",
	"a: '''\n\tbytes\n\t'''\n",
	"a: #\"raw\"#\n",
	"import \"strings\"\na: strings.ToUpper(\"x\")\n",
	"a: 1 @attr()\n",
	"@extern(embed)\na: 1\n",
	"let x = 1\na: x\n",
	"a: [for x in [1] {x}]\n",
	"a: [...]\n",
	"{a: 1}\n",
	"X=a: 1\nb: X\n",
	"a: 1 & 1\n",
	"a: (1)\n",
	"true: 1\n",
	"a: [1, ...int]\n",
	"a: \"x\" + \"y\"\n",
	"a: 1\n[string]: int\n",
	"a: 1\n(\"b\"): 2\n",
	"a: _\n",
	"a: 1\n...\n",
}

// checkPlainCUE compares both in-process readers with CUE itself on src,
// and returns whether either read it.
func checkPlainCUE(t *testing.T, name string, src []byte) (fast, ast bool) {
	t.Helper()
	fn, fast := readPlainCUE(src)
	n, err, ast := readPlainCUEAST("model.cue", src)
	if !fast && !ast {
		return false, false // the child's: CUE itself may take forever on it
	}
	want, wantErr := evalCUE("model.cue", src)
	if fast {
		if wantErr != nil {
			t.Errorf("%s: the fast reader read it, CUE says %v", name, wantErr)
		} else if d := nodeDiff(fn, want, ""); d != "" {
			t.Errorf("%s: the fast reader differs from CUE: %s", name, d)
		}
	}
	switch {
	case !ast:
	case err != nil || wantErr != nil:
		if !sameError(err, wantErr) {
			t.Errorf("%s: CUE's parser path says %v, CUE says %v", name, err, wantErr)
		}
	default:
		if d := nodeDiff(n, want, ""); d != "" {
			t.Errorf("%s: CUE's parser path differs from CUE: %s", name, d)
		}
	}
	return fast, ast
}

func sameError(a, b error) bool {
	var x, y *SyntaxError
	if !errors.As(a, &x) || !errors.As(b, &y) {
		return false
	}
	return *x == *y
}

// nodeDiff describes the first difference between two trees.
func nodeDiff(a, b *Node, path string) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return fmt.Sprintf("%s: %v against %v", path, a, b)
		}
		return ""
	case a.Kind != b.Kind || a.Str != b.Str || a.Pos() != b.Pos():
		return fmt.Sprintf("%s: %v %q at %v against %v %q at %v", path, a.Kind, a.Str, a.Pos(), b.Kind, b.Str, b.Pos())
	case !reflect.DeepEqual(a.Keys, b.Keys) || !reflect.DeepEqual(a.KeyPos, b.KeyPos) || len(a.Items) != len(b.Items):
		return fmt.Sprintf("%s: keys %q at %v, %d items against keys %q at %v, %d items",
			path, a.Keys, a.KeyPos, len(a.Items), b.Keys, b.KeyPos, len(b.Items))
	}
	for i := range a.Values {
		if d := nodeDiff(a.Values[i], b.Values[i], path+"."+a.Keys[i]); d != "" {
			return d
		}
	}
	for i := range a.Items {
		if d := nodeDiff(a.Items[i], b.Items[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
			return d
		}
	}
	return ""
}

func TestPlainCUEAgreesWithCUE(t *testing.T) {
	for i, src := range plainCUECases {
		if _, ok := checkPlainCUE(t, fmt.Sprintf("plain case %d %q", i, src), []byte(src)); !ok {
			t.Errorf("plain case %d %q: CUE's parser path did not take it", i, src)
		}
	}
	for i, src := range eitherCUECases {
		checkPlainCUE(t, fmt.Sprintf("either case %d %q", i, src), []byte(src))
	}
	for i, src := range childCUECases {
		fast, ast := checkPlainCUE(t, fmt.Sprintf("child case %d %q", i, src), []byte(src))
		if fast || ast {
			t.Errorf("child case %d %q: read in process (fast %v, parser %v), want the child", i, src, fast, ast)
		}
	}
	for _, n := range []int{0, 10, 100} {
		src := modelgen.CUE(modelgen.Options{Threats: n})
		if fast, _ := checkPlainCUE(t, fmt.Sprintf("generated %d", n), src); !fast {
			t.Errorf("generated %d: the fast reader did not take it", n)
		}
	}
}

// TestPlainCUEFastTakesCommonLayout pins what the fast reader must take,
// so that the speed of plain CUE does not silently fall to the parser's.
func TestPlainCUEFastTakesCommonLayout(t *testing.T) {
	for _, i := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19} {
		if _, ok := readPlainCUE([]byte(plainCUECases[i])); !ok {
			t.Errorf("plain case %d %q: the fast reader did not take it", i, plainCUECases[i])
		}
	}
}

// cueMutationBytes are the bytes the mutations insert: CUE's syntax, and
// the characters that change what a literal is.
const cueMutationBytes = "{}[]:,\"\n\t #_-+.\\()'*|&?!@$e0x1K/=é"

// TestPlainCUEMutations mutates a generated model at random (a byte
// inserted, deleted or replaced, a line repeated) and checks both readers
// against CUE on each.
func TestPlainCUEMutations(t *testing.T) {
	base := modelgen.CUE(modelgen.Options{Threats: 3})
	rng := rand.New(rand.NewSource(21))
	taken := 0
	for i := 0; i < 400; i++ {
		src := mutateCUE(rng, base)
		if fast, ast := checkPlainCUE(t, fmt.Sprintf("mutation %d", i), src); fast || ast {
			taken++
		}
		if t.Failed() {
			t.Logf("source:\n%s", src)
			return
		}
	}
	if taken < 100 {
		t.Errorf("only %d of 400 mutations read in process", taken)
	}
}

func mutateCUE(rng *rand.Rand, base []byte) []byte {
	src := append([]byte(nil), base...)
	for k := rng.Intn(3) + 1; k > 0; k-- {
		at := rng.Intn(len(src))
		b := cueMutationBytes[rng.Intn(len(cueMutationBytes))]
		switch rng.Intn(4) {
		case 0:
			src = append(src[:at], append([]byte{b}, src[at:]...)...)
		case 1:
			src = append(src[:at], src[at+1:]...)
		case 2:
			src[at] = b
		case 3: // repeat the line: a label written twice
			start := strings.LastIndexByte(string(src[:at]), '\n') + 1
			end := at + strings.IndexByte(string(src[at:]), '\n') + 1
			if end > at {
				src = append(src[:end], append(append([]byte(nil), src[start:end]...), src[end:]...)...)
			}
		}
	}
	return src
}

// TestPlainCUEHostileNesting checks that nesting far beyond the limits is
// left to the child without recursion in this process.
func TestPlainCUEHostileNesting(t *testing.T) {
	for name, src := range map[string]string{
		"brackets": "a: " + strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20) + "\n",
		"braces":   "a: " + strings.Repeat("{b: ", 1<<18) + "1" + strings.Repeat("}", 1<<18) + "\n",
		"labels":   strings.Repeat("a: ", 1<<20) + "1\n",
		"newlines": strings.Repeat("a:\n", 1<<20) + "1\n",
		"unary":    "a: " + strings.Repeat("-", 1<<20) + "1\n",
		"unclosed": "a: " + strings.Repeat("[", 1<<20),
	} {
		if _, ok := readPlainCUE([]byte(src)); ok {
			t.Errorf("%s: the fast reader took it", name)
		}
		if _, _, ok := readPlainCUEAST("model.cue", []byte(src)); ok {
			t.Errorf("%s: CUE's parser path took it", name)
		}
	}
}

// TestPlainCUEDiagnostics loads plain models, valid and not, through the
// Loader (in process) and through the child, and wants the same result.
// The Loader's CUE budget is too small for any child to finish, so a
// result at all shows that the child was not used.
func TestPlainCUEDiagnostics(t *testing.T) {
	fast := newLoaderWith(t, noCache())
	fast.limits.CUE = CUEBudget{Timeout: 1} // 1 ns: a child would fail
	gen := string(modelgen.CUE(modelgen.Options{Threats: 5}))
	for name, src := range map[string]string{
		"generated":        gen,
		"missing title":    strings.Replace(gen, "\t\ttitle: \"Attacker abuses weakness 1", "\t\tname: \"Attacker abuses weakness 1", 1),
		"bad enum":         strings.Replace(gen, "likelihood: \"low\"", "likelihood: \"lowish\"", 1),
		"wrong type":       strings.Replace(gen, "version: 1", "version: \"1\"", 1),
		"dangling":         strings.Replace(gen, "[\"component-0\", \"flow-0\"]", "[\"component-9\", \"flow-0\"]", 1),
		"syntax":           strings.Replace(gen, "version: 1", "version: 1,,", 1),
		"unknown top":      gen + "extra: {a: 1}\n",
		"float version":    strings.Replace(gen, "version: 1", "version: 1.0", 1),
		"hex version":      strings.Replace(gen, "version: 1", "version: 0x1", 1),
		"multi-line title": strings.Replace(gen, "title: \"Attacker abuses weakness 1 to reach customer data\"", "title: \"\"\"\n\t\t\tAttacker abuses\n\t\t\t\"\"\"", 1),
	} {
		name := name + ".threatmodel.cue"
		got := fast.Load(context.Background(), name, []byte(src))
		root, err := evalCUE(name, []byte(src))
		var want *Result
		if err != nil {
			want = parseFailure(name, err)
		} else {
			want = fast.validate(name, root, nil)
		}
		if !reflect.DeepEqual(got.Diagnostics, want.Diagnostics) || got.Valid != want.Valid {
			t.Errorf("%s: in process %v %v; CUE %v %v", name, got.Valid, got.Diagnostics, want.Valid, want.Diagnostics)
		}
		if name == "generated.threatmodel.cue" && !got.Valid {
			t.Errorf("the generated model is invalid: %v", got.Diagnostics)
		}
	}
}

// FuzzPlainCUE feeds arbitrary bytes to both in-process readers: they must
// not panic, and what they read must be what CUE reads.
func FuzzPlainCUE(f *testing.F) {
	for _, s := range append(append(append([]string(nil), plainCUECases...), eitherCUECases...), childCUECases...) {
		f.Add([]byte(s))
	}
	f.Add(modelgen.CUE(modelgen.Options{Threats: 2}))
	f.Fuzz(func(t *testing.T, src []byte) {
		checkPlainCUE(t, "fuzz", src)
	})
}

// TestPlainCUEBombsStayInTheChild loads the hostile CUE files of
// TestLoadCUEBudget through a Loader: neither in-process reader takes
// them, and the child's budget still refuses them.
func TestPlainCUEBombsStayInTheChild(t *testing.T) {
	for name, src := range map[string]string{"time": cueTimeBomb, "memory": cueMemoryBomb} {
		if _, ok := readPlainCUE([]byte(src)); ok {
			t.Errorf("%s bomb: the fast reader took it", name)
		}
		if _, _, ok := readPlainCUEAST("bomb.cue", []byte(src)); ok {
			t.Errorf("%s bomb: CUE's parser path took it", name)
		}
	}
	l := newLoaderWith(t, noCache())
	l.limits.CUE = CUEBudget{Timeout: time.Second, MemoryBytes: 64 << 20}
	res := l.Load(context.Background(), "bomb.threatmodel.cue", []byte(cueTimeBomb))
	if res.Valid || len(res.Diagnostics) != 1 || !strings.Contains(res.Diagnostics[0].Message, "CUE evaluation exceeded its time budget of 1s") {
		t.Errorf("time bomb through the Loader: %+v", res.Diagnostics)
	}
}

// A large plain file that the fast reader does not take is not handed to
// CUE's parser in this process (about 25 bytes a byte, outside any
// budget): it goes to the child, whose memory is capped.
func TestLargePlainCUEGoesToTheChild(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: \"1\"\n")
	for b.Len() <= maxPlainCUEParse {
		// An escape in a multi-line string: the fast reader gives up,
		// CUE's parser would take it.
		fmt.Fprintf(&b, "x%d: \"\"\"\n\tline\\n\n\t\"\"\"\n", b.Len())
	}
	src := []byte(b.String())
	if _, ok := readPlainCUE(src); ok {
		t.Fatal("the fast reader took the file; the test needs one it refuses")
	}
	if _, _, ok := readPlainCUEAST("big.cue", src); ok {
		t.Errorf("a %d-byte file was parsed in process; want it sent to the child", len(src))
	}
	if _, _, ok := parsePlainCUEAST("big.cue", src); !ok {
		t.Errorf("the parser path refuses the file whatever its size: the test no longer checks the size bound")
	}
}
