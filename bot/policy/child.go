package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/tmbot/tmbot/bot/sandbox"
	"github.com/tmbot/tmbot/policies"
)

// Origin says who wrote a policy file: it decides where the file runs and
// what a repository's settings may change about it.
type Origin int

const (
	// FromRepository is a repository's own policy (policies.files), read
	// from its base branch: CUE that anyone who can merge there wrote.
	// Each evaluation runs in a child process under Options.Budget. The
	// zero value, so that a file of unknown origin is not trusted.
	FromRepository Origin = iota
	// FromOrganisation is one of the service's organisation policies
	// (org/). It runs in this process; a repository cannot turn it off
	// or lower its severity unless Options.OrgOverridable.
	FromOrganisation
	// FromService is a policy the service ships or adds itself (the
	// defaults): it runs in this process, and a repository may tune it.
	FromService
)

// childKind is the sandbox kind of the policy-evaluation child.
const childKind = "policy"

// RunChildIfRequested must be called first thing in main() and in TestMain
// of any package whose tests evaluate a repository's policies. When the
// process was started as a policy-evaluation child, it evaluates the policy
// read from stdin, writes the answer to stdout and exits; otherwise it
// returns at once.
func RunChildIfRequested() {
	if kind, ok := sandbox.Requested(); ok && kind == childKind {
		os.Exit(sandbox.Serve(serveChild))
	}
}

// childRequest is what the parent gives the child: one policy and the
// input of the scope the parent believes it has.
type childRequest struct {
	File   string          `json:"file"`
	Source []byte          `json:"source"`
	Scope  string          `json:"scope"`
	Input  json.RawMessage `json:"input"`
}

// childAnswer is the child's answer: the findings, or the error of the
// policy, or the policy's scope when it is not the one the parent assumed
// (the parent then asks again with that scope's input).
type childAnswer struct {
	Findings []Finding `json:"findings,omitempty"`
	Error    string    `json:"error,omitempty"`
	Scope    string    `json:"scope,omitempty"`
}

// evaluateInChild evaluates a repository's policy in a child process,
// under the engine's budget. encode gives the input of a scope.
func (e *Engine) evaluateInChild(ctx context.Context, p *Policy, encode func(scope string) ([]byte, error)) ([]Finding, error) {
	if err, ok := e.overBudget[p]; ok {
		// One runaway policy costs a review its budget once, not once per
		// model file.
		return nil, fmt.Errorf("%w; it is not run again on the other model files of this review", err)
	}
	for range 2 {
		raw, err := encode(p.Scope)
		if err != nil {
			return nil, err
		}
		req, err := json.Marshal(childRequest{File: p.File, Source: p.source, Scope: p.Scope, Input: raw})
		if err != nil {
			return nil, fmt.Errorf("encode the policy input: %w", err)
		}
		out, err := sandbox.Run(ctx, childKind, req, e.budget)
		if err != nil {
			var le *sandbox.LimitError
			if errors.As(err, &le) {
				err = fmt.Errorf("it was stopped because %w (a repository's policy is evaluated under a limit of %v and %s for each model file; the service's TMBOT_CUE_TIMEOUT and TMBOT_CUE_MEMORY set it)",
					err, e.budget.Timeout, sandbox.FormatBytes(e.budget.MemoryBytes))
				if e.overBudget == nil {
					e.overBudget = map[*Policy]error{}
				}
				e.overBudget[p] = err
			}
			return nil, err
		}
		var ans childAnswer
		if err := json.Unmarshal(out, &ans); err != nil {
			return nil, fmt.Errorf("read the answer of its evaluation: %w", err)
		}
		switch {
		case ans.Scope != "" && ans.Scope != p.Scope && (ans.Scope == ScopeChange || ans.Scope == ScopeModel):
			p.Scope = ans.Scope // learnt once for this engine
			continue
		case ans.Error != "":
			return nil, errors.New(ans.Error)
		}
		return ans.Findings, checkFindings(ans.Findings)
	}
	return nil, fmt.Errorf("its scope changed between two evaluations")
}

// serveChild is the child's side: compile the shared data and the policy
// in a new CUE context, check its scope, evaluate it on the input.
func serveChild(input []byte) ([]byte, error) {
	var req childRequest
	if err := json.Unmarshal(input, &req); err != nil {
		return nil, fmt.Errorf("read the request: %w", err)
	}
	fs, scope, err := evaluateRequest(&req)
	ans := childAnswer{Findings: fs, Scope: scope}
	if err != nil {
		ans = childAnswer{Error: errorText(err)}
	}
	return json.Marshal(ans)
}

func evaluateRequest(req *childRequest) (fs []Finding, scope string, err error) {
	defer func() {
		if r := recover(); r != nil {
			fs, scope, err = nil, "", fmt.Errorf("the CUE evaluator failed on this policy: %v", r)
		}
	}()
	ctx := cuecontext.New()
	data := ctx.CompileString(policies.Data, cue.Filename("policies/"+policies.DataFile))
	if err := data.Err(); err != nil {
		return nil, "", fmt.Errorf("compile policies/%s: %w", policies.DataFile, err)
	}
	p := &Policy{File: req.File}
	compile(ctx, p, req.Source)
	if p.err != nil {
		return nil, "", p.err
	}
	if p.Scope != req.Scope {
		return nil, p.Scope, nil
	}
	in := ctx.CompileBytes(req.Input, cue.Filename("input.json"))
	fs, err = evaluate(p, in, data)
	return fs, "", err
}
