package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"

	"github.com/tmbot/tmbot/bot/sandbox"
	"github.com/tmbot/tmbot/policies"
)

// Severities of a finding. Only error fails a check.
const (
	Error   = "error"
	Warning = "warning"
	Notice  = "notice"
)

// RulePolicyError is the rule of the finding that reports a policy file that
// does not compile or evaluate: it always blocks, so that a broken policy is
// never taken for a passing review.
const RulePolicyError = "policy-error"

// Finding is what a policy yields. Rule, Severity and Message come from the
// policy; File and Line are filled in by the engine from the element the
// finding is about.
type Finding struct {
	Rule       string `json:"rule"`
	Severity   string `json:"severity"`
	Message    string `json:"message"`
	Threat     string `json:"threat,omitempty"`
	Component  string `json:"component,omitempty"`
	Flow       string `json:"flow,omitempty"`
	Mitigation string `json:"mitigation,omitempty"`
	// Suggestion is text ready to paste into the model (a threat that
	// coverage rules propose), if any.
	Suggestion string `json:"suggestion,omitempty"`
	// Policy is the file that yielded the finding.
	Policy string `json:"policy"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	// Mandatory: the finding comes from an organisation policy, which the
	// repository's settings cannot turn off: as an error it blocks even
	// where the repository sets blocking: false. The engine sets it.
	Mandatory bool `json:"mandatory,omitempty"`
	// PreExisting is set by a review (never by a policy): the finding is
	// about an element the request did not change, so the comment counts
	// it instead of listing it (unless it blocks).
	PreExisting bool `json:"pre_existing,omitempty"`
}

// Policy is one compiled policy file.
type Policy struct {
	// Name is the file's name without .cue; File where it came from
	// (policies/x.cue for the defaults, the repository path otherwise).
	Name, File string
	// Scope is what the policy sees of the models: ScopeChange (the
	// default) or ScopeModel, as the file declares with scope: "model".
	// A repository's policy is not compiled here: its scope is learnt at
	// its first evaluation.
	Scope string
	// Origin says who wrote the file.
	Origin Origin
	value  cue.Value
	err    error
	source []byte // of a repository's policy, for its child process
}

// Engine evaluates a set of policies. Policies are compiled once; an Engine
// serialises its evaluations (CUE values of one context are not shared
// across goroutines here), so give each worker its own Engine.
type Engine struct {
	mu       sync.Mutex
	ctx      *cue.Context
	data     cue.Value
	policies []*Policy
	sources  [][]byte // of policies, to compile them again in a new context
	disabled map[string]bool
	severity map[string]string
	// orgOverridable and budget: see Options.
	orgOverridable bool
	budget         sandbox.Budget
	// overBudget holds the repository policies that exceeded the budget
	// in this review, with the error, so as not to run them again on its
	// other model files. Pool clears it between reviews.
	overBudget map[*Policy]error
	// uses counts evaluations in ctx, and inputBytes the JSON it compiled:
	// a CUE context keeps what it compiles, so the engine starts a new one
	// every recompileEvery evaluations or recompileBytes of input
	// evaluations to bound its memory.
	uses       int
	inputBytes int
	maxBytes   int // recompileBytes; tests lower it
}

// recompileEvery bounds how many inputs one CUE context compiles before
// the engine moves to a new one (each keeps about 1 MB per review).
const recompileEvery = 50

// recompileBytes bounds the input one CUE context compiles: engines live
// long in a Pool, and a model-scope input of 10,000 threats is 13 MB of
// JSON (several times that once compiled).
const recompileBytes = 32 << 20

// Options configure an Engine.
type Options struct {
	// Disable lists rule names (policy file names) not to run.
	Disable []string
	// Severity overrides the severity of a rule's findings.
	Severity map[string]string
	// NoDefaults leaves out the embedded default policies.
	NoDefaults bool
	// OrgOverridable lets Disable and Severity turn off and lower the
	// organisation's policies too, and their errors follow the
	// repository's blocking setting (the service's
	// TMBOT_ORG_POLICIES_OVERRIDABLE). By default they cannot: such a
	// setting is refused, and the review says so.
	OrgOverridable bool
	// Budget bounds the evaluation of each repository policy on each
	// model file (zero: sandbox.DefaultTimeout and DefaultMemory).
	Budget sandbox.Budget
}

// NewEngine compiles the default policies (unless told not to) and the
// shared data they read.
func NewEngine(o Options) (*Engine, error) {
	e := &Engine{disabled: map[string]bool{}, severity: map[string]string{}, maxBytes: recompileBytes,
		orgOverridable: o.OrgOverridable, budget: o.Budget.WithDefaults()}
	for _, d := range o.Disable {
		e.disabled[d] = true
	}
	for r, s := range o.Severity {
		e.severity[r] = s
	}
	if err := e.newContext(); err != nil {
		return nil, err
	}
	if !o.NoDefaults {
		files, err := policies.Defaults()
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			e.Add("policies/"+f.Name, f.Source)
		}
	}
	return e, nil
}

// Add compiles one more policy file that the service trusts as it trusts
// the defaults: it is compiled and evaluated in this process. A file that
// does not compile is kept: evaluating it yields a blocking finding that
// names the file.
func (e *Engine) Add(file string, src []byte) {
	e.AddFile(File{Path: file, Source: src, Origin: FromService})
}

// AddFile adds one more policy file. A repository's policy is not compiled
// here: each evaluation runs in a child process, under the budget.
func (e *Engine) AddFile(f File) {
	e.mu.Lock()
	defer e.mu.Unlock()
	name := strings.TrimSuffix(path.Base(f.Path), ".cue")
	p := &Policy{Name: name, File: f.Path, Origin: f.Origin, Scope: ScopeChange}
	if f.Origin == FromRepository {
		p.source = f.Source
	} else {
		compile(e.ctx, p, f.Source)
	}
	e.policies = append(e.policies, p)
	e.sources = append(e.sources, f.Source)
}

// compile compiles p's source in ctx and reads its scope.
func compile(ctx *cue.Context, p *Policy, src []byte) {
	p.value, p.err, p.Scope = cue.Value{}, nil, ScopeChange
	v := ctx.CompileBytes(src, cue.Filename(p.File))
	if err := v.Err(); err != nil {
		p.err = err
		return
	}
	if sv := v.LookupPath(cue.ParsePath("scope")); sv.Exists() {
		s, err := sv.String()
		if err != nil || (s != ScopeChange && s != ScopeModel) {
			line := ""
			if pos := sv.Pos(); pos.IsValid() {
				line = fmt.Sprintf("%s:%d: ", p.File, pos.Line())
			}
			p.err = fmt.Errorf("%sscope must be %q or %q, not %v (see docs/policies.md, \"How much of the model\")",
				line, ScopeChange, ScopeModel, sv)
			return
		}
		p.Scope = s
	}
	p.value = v
}

// newContext starts a new CUE context and compiles the data and the
// policies in it.
func (e *Engine) newContext() error {
	e.ctx = cuecontext.New()
	e.uses, e.inputBytes = 0, 0
	e.data = e.ctx.CompileString(policies.Data, cue.Filename("policies/data.cue"))
	if err := e.data.Err(); err != nil {
		return fmt.Errorf("compile policies/data.cue: %w", err)
	}
	for i, p := range e.policies {
		if p.Origin != FromRepository {
			compile(e.ctx, p, e.sources[i])
		}
	}
	return nil
}

// Policies lists the policies, in the order they run.
func (e *Engine) Policies() []*Policy {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Policy(nil), e.policies...)
}

// Evaluate runs every enabled policy on one model's input and returns the
// findings, each with its file and line when the element is known. A
// repository's policies run in a child process each, under the engine's
// budget; one that exceeds it yields a policy-error finding that names the
// file and the limit. The error is ctx's, when it ends first.
func (e *Engine) Evaluate(ctx context.Context, in *Input) ([]Finding, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.uses++; e.uses > recompileEvery || e.inputBytes > e.maxBytes {
		if err := e.newContext(); err != nil {
			return []Finding{{Rule: RulePolicyError, Severity: Error, Message: err.Error()}}, nil
		}
		e.uses = 1
	}
	// The input of each scope, encoded and compiled when a policy first
	// needs it.
	raws := map[string][]byte{}
	encode := func(scope string) ([]byte, error) {
		if raw, ok := raws[scope]; ok {
			return raw, nil
		}
		scoped := in
		if scope == ScopeModel {
			scoped = in.Whole()
		}
		raw, err := json.Marshal(scoped)
		if err != nil {
			return nil, fmt.Errorf("encode the policy input: %w", err)
		}
		raws[scope] = raw
		return raw, nil
	}
	inputs := map[string]cue.Value{}
	var out, refused []Finding
	refusedRule := map[string]bool{}
	for _, p := range e.policies {
		mandatory := p.Origin == FromOrganisation && !e.orgOverridable
		if e.disabled[p.Name] {
			if !mandatory {
				continue
			}
			refused = append(refused, refusal(p, fmt.Sprintf("The repository's %s asks not to run %s (policies.disable: %s), but it is an organisation policy, which a repository cannot turn off: it ran.",
				settingsFile, p.File, p.Name)))
		}
		var fs []Finding
		var err error
		if p.Origin == FromRepository {
			fs, err = e.evaluateInChild(ctx, p, encode)
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
		} else {
			input, ok := inputs[p.Scope]
			if !ok && p.err == nil {
				raw, err := encode(p.Scope)
				if err != nil {
					return []Finding{{Rule: RulePolicyError, Severity: Error, Message: err.Error()}}, nil
				}
				e.inputBytes += len(raw)
				input = e.ctx.CompileBytes(raw, cue.Filename("input.json"))
				inputs[p.Scope] = input
			}
			fs, err = evaluate(p, input, e.data)
		}
		if err != nil {
			out = append(out, Finding{Rule: RulePolicyError, Severity: Error, Policy: p.File, File: p.File, Mandatory: mandatory,
				Message: fmt.Sprintf("the policy %s failed, so this review cannot pass until it is fixed: %s", p.File, errorText(err))})
			continue
		}
		for _, f := range fs {
			if s, ok := e.severity[f.Rule]; ok {
				if mandatory && rank(s) < rank(f.Severity) {
					if !refusedRule[f.Rule] {
						refusedRule[f.Rule] = true
						refused = append(refused, refusal(p, fmt.Sprintf("The repository's %s sets policies.severity.%s: %s, but %s comes from the organisation policy %s, whose severity a repository cannot lower: it stays %s.",
							settingsFile, f.Rule, s, f.Rule, p.File, f.Severity)))
					}
				} else {
					f.Severity = s
				}
			}
			f.Policy, f.Mandatory = p.File, mandatory
			in.locate(&f)
			out = append(out, f)
		}
	}
	out = append(out, refused...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank(a.Severity) != rank(b.Severity) {
			return rank(a.Severity) > rank(b.Severity)
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return out, nil
}

// RuleSettingRefused is the rule of the warning that says a repository's
// setting was refused: it tried to turn off an organisation policy, or to
// lower the severity of its findings.
const RuleSettingRefused = "setting-refused"

// settingsFile is the repository's settings file (bot/config's FileName;
// this package does not import it).
const settingsFile = ".tmbot.yaml"

func refusal(p *Policy, msg string) Finding {
	return Finding{Rule: RuleSettingRefused, Severity: Warning, Policy: p.File, File: settingsFile, Message: msg}
}

// evaluate evaluates a compiled policy on its input, with the shared data.
func evaluate(p *Policy, input, data cue.Value) ([]Finding, error) {
	if p.err != nil {
		return nil, p.err
	}
	v := p.value.FillPath(cue.ParsePath("input"), input).FillPath(cue.ParsePath("data"), data)
	if err := v.Err(); err != nil {
		return nil, err // the policy contradicts its input
	}
	fv := v.LookupPath(cue.ParsePath("findings"))
	if !fv.Exists() {
		return nil, fmt.Errorf("it defines no findings list")
	}
	if err := fv.Validate(cue.Concrete(true)); err != nil {
		return nil, err
	}
	var fs []Finding
	if err := fv.Decode(&fs); err != nil {
		return nil, err
	}
	return fs, checkFindings(fs)
}

// checkFindings reports the first finding that is not well formed.
func checkFindings(fs []Finding) error {
	for i, f := range fs {
		switch {
		case f.Rule == "":
			return fmt.Errorf("finding %d has no rule", i)
		case f.Message == "":
			return fmt.Errorf("finding %d (%s) has no message", i, f.Rule)
		case f.Severity != Error && f.Severity != Warning && f.Severity != Notice:
			return fmt.Errorf("finding %d (%s) has severity %q: allowed: error|warning|notice", i, f.Rule, f.Severity)
		}
	}
	return nil
}

func errorText(err error) string {
	var parts []string
	for _, e := range errors.Errors(err) {
		msg := e.Error()
		if ps := errors.Positions(e); len(ps) > 0 && ps[0].IsValid() {
			msg = fmt.Sprintf("%s:%d:%d: %s", ps[0].Filename(), ps[0].Line(), ps[0].Column(), msg)
		}
		parts = append(parts, msg)
		if len(parts) == 3 {
			break
		}
	}
	if len(parts) == 0 {
		return err.Error()
	}
	return strings.Join(parts, "; ")
}

func rank(severity string) int {
	switch severity {
	case Error:
		return 3
	case Warning:
		return 2
	case Notice:
		return 1
	}
	return 0
}

// Blocking reports whether any finding has severity error.
func Blocking(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}
