package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"slices"
	"strconv"
	"sync"
)

// File is a policy file to add to an engine: where it came from, its
// source, and who wrote it.
type File struct {
	Path   string
	Source []byte
	Origin Origin
}

// Pool keeps compiled engines for reuse between reviews. Compiling the
// default policies and their shared data costs about 10 ms, more than the
// rest of a review of a small change; a service that reviews the same
// repositories again and again compiles each set of policies once. Engines
// are told apart by their options and extra files (content included), so
// a policy changed on a base branch gets a fresh engine. A Pool is safe
// for concurrent use; each engine is lent to one review at a time.
type Pool struct {
	mu      sync.Mutex
	idle    map[[sha256.Size]byte][]*Engine
	nIdle   int
	maxIdle int
}

// NewPool returns a pool that keeps at most maxIdle engines between
// reviews (each holds a CUE context of a few megabytes).
func NewPool(maxIdle int) *Pool {
	return &Pool{idle: map[[sha256.Size]byte][]*Engine{}, maxIdle: maxIdle}
}

// Get lends an engine with the options and the extra files added in
// order, compiled anew only when no idle one has the same. Call release
// when the review is done with it. A nil Pool compiles a new engine every
// time.
func (p *Pool) Get(o Options, extra []File) (e *Engine, release func(), err error) {
	if p == nil {
		e, err = build(o, extra)
		return e, func() {}, err
	}
	key := poolKey(o, extra)
	p.mu.Lock()
	if list := p.idle[key]; len(list) > 0 {
		e = list[len(list)-1]
		p.idle[key] = list[:len(list)-1]
		if len(p.idle[key]) == 0 {
			delete(p.idle, key)
		}
		p.nIdle--
	}
	p.mu.Unlock()
	if e == nil {
		if e, err = build(o, extra); err != nil {
			return nil, nil, err
		}
	}
	return e, func() { p.put(key, e) }, nil
}

func (p *Pool) put(key [sha256.Size]byte, e *Engine) {
	e.mu.Lock()
	e.overBudget = nil // a policy may fit its budget on another review's models
	e.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nIdle >= p.maxIdle {
		// Make room by dropping an engine of another set of policies, if
		// any: the one just used is the likelier to be wanted again.
		for k, list := range p.idle {
			if k != key {
				p.idle[k] = list[1:]
				if len(p.idle[k]) == 0 {
					delete(p.idle, k)
				}
				p.nIdle--
				break
			}
		}
		if p.nIdle >= p.maxIdle {
			return
		}
	}
	p.idle[key] = append(p.idle[key], e)
	p.nIdle++
}

func build(o Options, extra []File) (*Engine, error) {
	e, err := NewEngine(o)
	if err != nil {
		return nil, err
	}
	for _, f := range extra {
		e.AddFile(f)
	}
	return e, nil
}

// poolKey hashes everything an engine is built from.
func poolKey(o Options, extra []File) [sha256.Size]byte {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	if o.NoDefaults {
		field([]byte("no-defaults"))
	}
	if o.OrgOverridable {
		field([]byte("org-overridable"))
	}
	b := o.Budget.WithDefaults()
	field([]byte("budget " + strconv.FormatInt(int64(b.Timeout), 10) + " " + strconv.FormatInt(b.MemoryBytes, 10)))
	disable := slices.Sorted(slices.Values(o.Disable))
	field([]byte("disable"))
	for _, d := range disable {
		field([]byte(d))
	}
	field([]byte("severity"))
	for _, r := range slices.Sorted(maps.Keys(o.Severity)) {
		field([]byte(r))
		field([]byte(o.Severity[r]))
	}
	field([]byte("files"))
	for _, f := range extra {
		field([]byte(f.Path))
		field([]byte{byte(f.Origin)})
		field(f.Source)
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}
