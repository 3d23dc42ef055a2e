package model

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// entryPool holds texts of threat entries, many of them of the kinds that
// could make a cut by lines go wrong: block scalars (kept, folded, with
// lines that look like keys, with an indentation indicator), multi-line
// plain and quoted scalars, flow collections over several lines, anchors
// and aliases, comments at column 0, duplicate keys. %s is the id.
var entryPool = []string{
	"  %s:\n    title: Plain\n    likelihood: high\n    impact: low\n",
	"  %s:\n    title: Plain\n    likelihood: hihg\n    impact: low\n    targets: [web, nowhere]\n",
	"  %s:\n    title: Kept\n    description: |+\n      text\n\n  \n",
	"  %s:\n    title: Folded\n    description: >-\n      text\n        deeper\n\n      more\n    likelihood: low\n    impact: low\n",
	"  %s:\n    title: Looks like keys\n    description: |\n      x:\n        title: y\n  # not a comment: content? no, less indented\n    likelihood: low\n",
	"  %s:\n    description: |\n  other:\n    title: z\n",
	"  %s:\n    description: |2\n      two\n    likelihood: low\n",
	"  %s:\n    title: a multi-line\n      plain scalar\n    likelihood: low\n",
	"  %s:\n    title: \"a quoted\n  fake: entry\n      scalar\"\n    likelihood: low\n",
	"  %s:\n    title: 'single\n  fake:\n      quoted'\n",
	"  %s: {title: Inline, likelihood: low, impact: high}\n",
	"  %s: {title: Inline over,\n  fake: 1,\n    likelihood: low}\n",
	"  %s:\n    targets: [web,\n  fake: 1,\n      api]\n",
	"  %s:\n    title: &t Anchored\n    likelihood: low\n",
	"  %s:\n    title: *t\n    likelihood: low\n",
	"  %s:\n    <<: {title: Merged}\n",
	"  %s:\n    title: With comments\n# column 0 comment\n    likelihood: low\n\n# trailing\n",
	"  %s: 5\n",
	"  %s:\n",
	"  %s:\n    - a\n    - b\n",
	"  %s:\n    title: Dup\n    title: Dup again\n",
	"  %s:\n    title: Tagged\n    likelihood: !!str low\n",
	"  %s:\n    title: Status\n    status: accepted\n    acceptance: {by: me}\n",
	"  %s:\n    title: Ids\n    attack: [T1190, T9999]\n    cwe: [CWE-89, CWE-1]\n    mitigations: [m1, m9]\n",
	"  %s:\n    title: \"closed\" # comment\n    likelihood: 'low'\n",
	"  %s:\n    title: x\n    extensions:\n      deep:\n        deeper: [1, {a: b}]\n",
	"  %s:\n    title: x\n   bad: indentation\n",
	"  %s:\n    title: x\n\tlikelihood: low\n",
	"  %s :\n    title: spaced key\n",
	"  %s:\n    title: colon: inside\n",
	"  %s:\n    title: x # comment with \"quote\n    likelihood: low\n",
	"  %s:\n    title: >\n\n      after an empty line\n   less: indented\n",
	"  %s:\n    title: |-\n        deep first\n      shallower\n    likelihood: low\n",
	"  %s:\n    title: ok\n...\n",
	"  %s:\n    title: ok\n---\n",
}

// acceptedEntries are the entries of entryPool that the cut accepts.
var acceptedEntries = []int{0, 1, 2, 3, 4, 5, 7, 10, 16, 17, 18, 19, 20, 22, 23, 24, 25, 26, 30, 31, 32}

var idPool = []string{"a", "b", "c", "t-1", "t.2", "T_3", "-x", "1", "true", "null", "bad id", "über"}

func soupFile(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("version: 1\nsystem: {id: soup, name: Soup}\n")
	if r.IntN(3) == 0 {
		b.WriteString("# a comment\n\n")
	}
	b.WriteString("components:\n  web: {name: Web, kind: web_app}\n  api:\n    name: API\n    kind: api\n")
	b.WriteString("mitigations:\n  m1: {title: M, status: planned}\n")
	b.WriteString("threats:\n")
	for range 1 + r.IntN(8) {
		e := entryPool[r.IntN(len(entryPool))]
		if r.IntN(4) != 0 {
			e = entryPool[acceptedEntries[r.IntN(len(acceptedEntries))]]
		}
		fmt.Fprintf(&b, e, idPool[r.IntN(len(idPool))])
		if r.IntN(5) == 0 {
			b.WriteString("\n")
		}
	}
	if r.IntN(3) == 0 {
		b.WriteString("assets:\n  pii: {name: PII, classification: restricted}\n")
	}
	return b.String()
}

// TestEntrySoup loads files made of tricky entries through one Loader with
// an entry cache: every result must be the reference loader's.
func TestEntrySoup(t *testing.T) {
	plain := newLoaderWith(t, noCache())
	cached := newLoaderWith(t, entriesOnly())
	seed := uint64(3)
	n := 3000
	if testing.Short() {
		n = 500
	}
	if v, err := strconv.Atoi(os.Getenv("TMBOT_SOUP")); err == nil && v > 0 {
		n, seed = v, uint64(time.Now().UnixNano()) // a longer run, another seed
		t.Logf("seed %d", seed)
	}
	r := rand.New(rand.NewPCG(seed, 4))
	split := 0
	for i := range n {
		data := []byte(soupFile(r))
		if scanYAML(data) != nil {
			split++
		}
		want := refLoad(plain, "soup.threatmodel.yaml", data)
		if diff := sameResult(cached.Load(context.Background(), "soup.threatmodel.yaml", data), want); diff != "" {
			t.Fatalf("file %d:\n%s\n%s", i, data, diff)
		}
	}
	s := cached.CacheStats()
	t.Logf("%d of %d files cut into entries; cache %+v", split, n, s)
	if split < n/10 || s.EntryHits < int64(n) {
		t.Errorf("the cut or the cache was seldom used: %d files cut, %+v", split, s)
	}
}

// TestScanYAMLRefuses lists texts the cut must refuse, because a line of
// them could belong to a value that spans lines.
func TestScanYAMLRefuses(t *testing.T) {
	for _, text := range []string{
		"threats:\n  a:\n    title: \"x\n  b:\n    y\"\n",
		"threats:\n  a:\n    title: 'x\n  b:\n    y'\n",
		"threats:\n  a:\n    targets: [x,\n  b: 1]\n",
		"threats:\n  a: {title: x,\n  b: 1}\n",
		"threats:\n  a:\n    description: |2\n  b:\n",
		"threats:\n  a:\n    title: &x y\n  b:\n    title: *x\n",
		"threats:\n  a:\n    title: !!str y\n",
		"threats:\n  a:\n    title: y\n---\nthreats:\n  b:\n",
		"threats:\r\n  a:\r\n    title: y\r\n",
		"threats:\n  a:\n    title: y\u2028  b:\n",
		"threats:\n  a:\n\ttitle: y\n",
		"threats:\n  ? a\n  : x\n",
		"threats:\n  \"a\":\n    title: y\n",
		"threats:\n  a:\n    title: y\n threats-less-indented: 1\n",
	} {
		if lay := scanYAML([]byte(text)); lay != nil {
			t.Errorf("cut %q into %+v", text, lay.sections)
		}
	}
}

func TestQuotedAndFlowEnd(t *testing.T) {
	for _, c := range []struct {
		text string
		end  int
	}{
		{`"abc" x`, 5}, {`"a\"b" x`, 6}, {`"a\\" x`, 5}, {`"a\\\"" x`, 7}, {`"abc`, -1}, {`"abc\`, -1}, {`"a\"`, -1},
		{`'abc' x`, 5}, {`'it''s' x`, 7}, {`'a''`, -1}, {`''`, 2}, {`'a\' x`, 4},
	} {
		if got := quotedEnd([]byte(c.text)); got != c.end {
			t.Errorf("quotedEnd(%s) = %d, want %d", c.text, got, c.end)
		}
	}
	for _, c := range []struct {
		text string
		end  int
	}{
		{`[a, b] x`, 6}, {`[a, [b, c]]`, 11}, {`{a: "]", b: 'x'}`, 16}, {`[it's]`, 6}, {`["a, b`, -1}, {`[a, b # c]`, -1},
		{`[a, &x b]`, -1}, {`[a, *x]`, -1}, {`[a,`, -1}, {`{a: [b}`, -1},
	} {
		if got := flowEnd([]byte(c.text)); got != c.end {
			t.Errorf("flowEnd(%s) = %d, want %d", c.text, got, c.end)
		}
	}
}
