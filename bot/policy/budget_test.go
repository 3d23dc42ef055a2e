package policy_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/sandbox"
)

// slowPolicy is a comprehension of 10^11 steps that keeps no memory: only
// a time limit stops it (in this process it would run for hours).
func slowPolicy() string {
	ten := "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
	loops := ""
	for _, v := range "abcdefghijk" {
		loops += " for " + string(v) + " in " + ten
	}
	return "input: _\nn: len([" + loops + " if a > 0 {a}])\nfindings: [if n > 0 {rule: \"slow\", severity: \"error\", message: \"never\"}]\n"
}

// bigPolicy is a comprehension that builds 10^8 structs: only a memory
// limit stops it before it takes the machine's memory.
func bigPolicy() string {
	ten := "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"
	return "input: _\nx: [for a in " + ten + " for b in " + ten + " for c in " + ten + " for d in " + ten +
		" for e in " + ten + " for f in " + ten + " for g in " + ten + " for h in " + ten + " {a: a, b: b, c: c, h: h}]\n" +
		"findings: [if len(x) > 0 {rule: \"big\", severity: \"error\", message: \"never\"}]\n"
}

const okPolicy = "input: _\nfindings: [{rule: \"ok\", severity: \"notice\", message: \"ran\"}]\n"

func repoEngine(t *testing.T, b sandbox.Budget, files map[string]string) *policy.Engine {
	t.Helper()
	e, err := policy.NewEngine(policy.Options{NoDefaults: true, Budget: b})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".tmbot/policies/a.cue", ".tmbot/policies/b.cue"} {
		if src, ok := files[name]; ok {
			e.AddFile(policy.File{Path: name, Source: []byte(src), Origin: policy.FromRepository})
		}
	}
	return e
}

// A repository policy that would run for hours is stopped at its time
// limit; the review gets a blocking policy-error naming the file and the
// limit, the repository's other policies still run, and the engine (the
// service) goes on evaluating.
func TestRepositoryPolicyOverTimeIsAPolicyError(t *testing.T) {
	// The limit leaves a loaded machine (the race detector, 2 cores) time
	// to start the child of the policy that ends. The slow policy also
	// allocates as it goes: under the race detector it reached the default
	// 512 MiB before 2 s, so the memory limit is set far out of reach
	// here and only time can stop it.
	e := repoEngine(t, sandbox.Budget{Timeout: 2 * time.Second, MemoryBytes: 8 << 30},
		map[string]string{".tmbot/policies/a.cue": slowPolicy(), ".tmbot/policies/b.cue": okPolicy})
	fs := evalAll(t, e, input(t, nil, load(t, oneThreat), today))
	if len(fs) != 2 || fs[0].Rule != policy.RulePolicyError || fs[0].File != ".tmbot/policies/a.cue" || fs[1].Rule != "ok" {
		t.Fatalf("want the slow policy's policy-error and the other policy's notice, got:\n%s", dump(fs))
	}
	mustContain(t, "message", fs[0].Message, "the policy .tmbot/policies/a.cue failed", "time limit of 2s")
	if !policy.Blocking(fs) {
		t.Error("a policy over its budget does not block")
	}
	// The review's next model file does not spend the budget again on it;
	// the other policy still runs.
	fs = evalAll(t, e, input(t, nil, load(t, oneThreat), today))
	if len(fs) != 2 || fs[0].File != ".tmbot/policies/a.cue" || fs[1].Rule != "ok" {
		t.Fatalf("second model file:\n%s", dump(fs))
	}
	mustContain(t, "message", fs[0].Message, "time limit of 2s", "not run again")
}

// A repository policy that builds a huge value is stopped at its memory
// limit, in its own process: this process does not grow.
func TestRepositoryPolicyOverMemoryIsAPolicyError(t *testing.T) {
	e := repoEngine(t, sandbox.Budget{MemoryBytes: 48 << 20},
		map[string]string{".tmbot/policies/a.cue": bigPolicy()})
	in := input(t, nil, load(t, oneThreat), today)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fs := evalAll(t, e, in)
	runtime.ReadMemStats(&after)
	if len(fs) != 1 || fs[0].Rule != policy.RulePolicyError || fs[0].File != ".tmbot/policies/a.cue" {
		t.Fatalf("want the big policy's policy-error, got:\n%s", dump(fs))
	}
	mustContain(t, "message", fs[0].Message, "the policy .tmbot/policies/a.cue failed", "memory limit of 48 MiB")
	if grew := int64(after.TotalAlloc) - int64(before.TotalAlloc); grew > 32<<20 {
		t.Errorf("this process allocated %d MiB while the policy ran elsewhere", grew>>20)
	}
}

// The job's context stops a repository policy's evaluation (a job that
// times out, a service that shuts down): Evaluate returns the context's
// error, long before the policy's own 10 s.
func TestRepositoryPolicyStopsWithItsContext(t *testing.T) {
	e := repoEngine(t, sandbox.Budget{}, map[string]string{".tmbot/policies/a.cue": slowPolicy()})
	in := input(t, nil, load(t, oneThreat), today)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	fs, err := e.Evaluate(ctx, in)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, findings:\n%s; want the context's deadline", err, dump(fs))
	}
}

// A repository policy with scope: "model" is given the whole model, though
// the engine learns its scope only from the child.
func TestRepositoryPolicyScopeModel(t *testing.T) {
	src := "scope: \"model\"\ninput: _\nfindings: [for id, _ in input.head.threats {rule: \"seen\", severity: \"notice\", message: id}]\n"
	e := repoEngine(t, sandbox.Budget{}, map[string]string{".tmbot/policies/a.cue": src})
	base := load(t, withThreats("  t2: {title: Orders lost, targets: [orders], likelihood: low, impact: low}\n"))
	head := load(t, withThreats("  t2: {title: Orders lost, targets: [orders], likelihood: low, impact: low}\n  t3: {title: New one, targets: [web], likelihood: low, impact: low}\n"))
	for range 2 {
		fs := evalAll(t, e, input(t, base, head, today))
		var ids []string
		for _, f := range fs {
			ids = append(ids, f.Message)
		}
		if got := strings.Join(ids, " "); got != "t1 t2 t3" {
			t.Fatalf("the policy saw %q, want every threat of the head:\n%s", got, dump(fs))
		}
	}
}
