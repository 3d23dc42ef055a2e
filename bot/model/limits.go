package model

import "fmt"

// Limits bound what a model file may cost to load. Each is refused with a
// LimitError that names it.
type Limits struct {
	// MaxBytes is the largest file accepted (default 16 MiB).
	MaxBytes int64
	// MaxAliasNodes is the most nodes YAML aliases may expand to
	// (default one million).
	MaxAliasNodes int
	// MaxDepth is the deepest nesting of mappings and sequences, the root
	// being 1 (default 64).
	MaxDepth int
	// CUE bounds the evaluation of a CUE model.
	CUE CUEBudget
}

// The default limits of the format (docs/format.md, "Limits").
const (
	DefaultMaxBytes      = 16 << 20 // 16,777,216 bytes
	DefaultMaxAliasNodes = 1_000_000
	DefaultMaxDepth      = 64
)

// DefaultLimits returns the limits of the format.
func DefaultLimits() Limits {
	return Limits{MaxBytes: DefaultMaxBytes, MaxAliasNodes: DefaultMaxAliasNodes, MaxDepth: DefaultMaxDepth}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxAliasNodes <= 0 {
		l.MaxAliasNodes = d.MaxAliasNodes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	return l
}

// SyntaxError is a file that cannot be read as its syntax: bad YAML, JSON
// or CUE.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg) }

// LimitError is a file refused because it exceeds one of the Limits.
type LimitError struct {
	Limit string // "size", "aliases", "depth", "cue-time", "cue-memory"
	Line  int
	Col   int
	Msg   string
}

func (e *LimitError) Error() string { return e.Msg }
