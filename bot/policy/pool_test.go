package policy_test

import (
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
)

// A pool lends the engine of a set of policies again once it is released,
// never the same engine to two reviews at once, and a fresh engine when
// the options or a file's content differ.
func TestPoolReuse(t *testing.T) {
	p := policy.NewPool(2)
	files := []policy.File{{Path: ".tmbot/policies/x.cue", Source: []byte("input: _\nfindings: []\n")}}
	a, releaseA, err := p.Get(policy.Options{}, files)
	if err != nil {
		t.Fatal(err)
	}
	b, releaseB, err := p.Get(policy.Options{}, files)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("one engine lent twice at once")
	}
	releaseA()
	if again, release, _ := p.Get(policy.Options{}, files); again != a {
		t.Error("a released engine is not lent again")
	} else {
		release()
	}
	changed := []policy.File{{Path: files[0].Path, Source: []byte("input: _\nfindings: [{rule: \"x\", severity: \"notice\", message: \"m\"}]\n")}}
	for name, o := range map[string]struct {
		opts  policy.Options
		files []policy.File
	}{
		"changed file":     {policy.Options{}, changed},
		"no files":         {policy.Options{}, nil},
		"a rule disabled":  {policy.Options{Disable: []string{"acceptance"}}, files},
		"severity changed": {policy.Options{Severity: map[string]string{"x": "error"}}, files},
		"no defaults":      {policy.Options{NoDefaults: true}, files},
	} {
		e, release, err := p.Get(o.opts, o.files)
		if err != nil {
			t.Fatal(err)
		}
		if e == a {
			t.Errorf("%s: got the engine of other policies", name)
		}
		release()
	}
	// The pool kept at most 2 idle engines, and the engine of the changed
	// file evaluates the changed file.
	e, release, _ := p.Get(policy.Options{NoDefaults: true}, changed)
	defer release()
	fs := evalAll(t, e, input(t, nil, load(t, shop{}.String()), today))
	if len(fs) != 1 || fs[0].Rule != "x" {
		t.Errorf("findings: %s", dump(fs))
	}
	releaseB()
}

// A nil pool compiles an engine for every review.
func TestPoolNil(t *testing.T) {
	var p *policy.Pool
	a, ra, err := p.Get(policy.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ra()
	b, rb, _ := p.Get(policy.Options{}, nil)
	rb()
	if a == b {
		t.Error("a nil pool lent an engine again")
	}
}
