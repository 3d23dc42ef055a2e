package model

import (
	"fmt"
	"github.com/tmbot/tmbot/bot/spell"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Severity of a diagnostic.
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one problem found in a model file.
type Diagnostic struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Severity Severity `json:"severity"`
	// Field is the dotted path of the value (threats.sql-injection.likelihood);
	// empty for a syntax error.
	Field   string `json:"field"`
	Message string `json:"message"`
	// PreExisting is set by a review (never by validation): the base
	// branch has the same diagnostic, so the request did not cause it.
	PreExisting bool `json:"pre_existing,omitempty"`
}

// String formats the diagnostic as FILE:LINE:COL: severity: message.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", d.File, d.Line, d.Column, d.Severity, d.Message)
}

// SortDiagnostics orders diagnostics by position, errors first on a tie.
func SortDiagnostics(ds []Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Severity < b.Severity
	})
}

// path is a field path built only when a diagnostic needs it.
type path struct {
	parent *path
	key    string
}

func (p *path) String() string {
	if p == nil {
		return ""
	}
	var parts []string
	for q := p; q != nil; q = q.parent {
		parts = append(parts, q.key)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".")
}

func (p *path) child(key string) *path { return &path{parent: p, key: key} }

// shapeChecker walks a Node tree against a Shape tree. The path of the
// value being checked is kept as a stack of keys and turned into text only
// when a diagnostic needs it.
type shapeChecker struct {
	diags []Diagnostic
	stack []string
	// fast holds a quicker matcher for some of the schema's patterns (nil:
	// use the patterns themselves).
	fast map[*regexp.Regexp]*fastRe
	// dups counts duplicate-key diagnostics, whose messages name a line.
	dups int
}

// match matches s against re, through its fastRe when there is one.
func (c *shapeChecker) match(re *regexp.Regexp, s string) bool {
	if f := c.fast[re]; f != nil {
		return f.MatchString(s)
	}
	return re.MatchString(s)
}

// here returns the path of the value being checked.
func (c *shapeChecker) here() *path {
	var p *path
	for _, k := range c.stack {
		p = p.child(k)
	}
	return p
}

func (c *shapeChecker) push(k string) { c.stack = append(c.stack, k) }
func (c *shapeChecker) pop()          { c.stack = c.stack[:len(c.stack)-1] }

func (c *shapeChecker) add(pos Pos, p *path, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Line: pos.Line, Column: pos.Column, Severity: SeverityError,
		Field: p.String(), Message: fmt.Sprintf(format, args...)})
}

// check validates n against s. keyPos is the position of the key under
// which n sits (the root's is 1:1): a missing required key points there.
func (c *shapeChecker) check(n *Node, s *Shape, keyPos Pos) {
	switch s.Kind {
	case AnyShape:
		return
	case StructShape:
		if n.Kind != MapNode {
			c.typeError(n, "a mapping")
			return
		}
		c.checkDuplicates(n)
		for i, k := range n.Keys {
			f := s.Field(k)
			if f == nil {
				c.unknownKey(n.KeyPos[i], k, s)
				continue
			}
			c.push(k)
			c.check(n.Values[i], f.Shape, n.KeyPos[i])
			c.pop()
		}
		for _, f := range s.Fields {
			if f.Required && n.Get(f.Name) == nil {
				c.missing(keyPos, f)
			}
		}
	case MapShape:
		if n.Kind != MapNode {
			c.typeError(n, "a mapping of ids")
			return
		}
		c.checkDuplicates(n)
		for i, k := range n.Keys {
			c.push(k)
			if !c.match(s.KeyRe, k) {
				c.add(n.KeyPos[i], c.here(), "%q is not a valid id: expected %s", k, idExpect)
			}
			c.check(n.Values[i], s.Elem, n.KeyPos[i])
			c.pop()
		}
	case ListShape:
		if n.Kind != ListNode {
			c.typeError(n, "a list")
			return
		}
		for i, item := range n.Items {
			c.push(indexText(i))
			c.check(item, s.Elem, item.Pos())
			c.pop()
		}
	case StringShape:
		if n.Kind != StringNode {
			c.typeError(n, "text")
			return
		}
		if s.enumSet != nil && !s.enumSet[n.Str] {
			msg := fmt.Sprintf("%q is not allowed here: allowed: %s", n.Str, s.AllowedText())
			if sug := closest(n.Str, s.Enum); sug != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", sug)
			}
			c.add(n.Pos(), c.here(), "%s", msg)
		}
		if s.Re != nil && !c.match(s.Re, n.Str) {
			c.add(n.Pos(), c.here(), "%q is not valid here: expected %s", n.Str, s.Expect)
		}
	case IntShape:
		if n.Kind != IntNode {
			if s.IntValue != nil {
				c.add(n.Pos(), c.here(), "expected the number %d, found %s", *s.IntValue, describe(n))
				return
			}
			c.typeError(n, "a whole number")
			return
		}
		if s.IntValue != nil {
			if v, err := strconv.ParseInt(n.Str, 0, 64); err != nil || v != *s.IntValue {
				c.add(n.Pos(), c.here(), "must be %d, found %s (this version of the format is %d)", *s.IntValue, n.Str, *s.IntValue)
			}
		}
	case BoolShape:
		if n.Kind != BoolNode {
			c.typeError(n, "true or false")
		}
	}
}

// indexText is strconv.Itoa without allocating for small indexes.
func indexText(i int) string {
	if i < len(smallIndexes) {
		return smallIndexes[i]
	}
	return strconv.Itoa(i)
}

var smallIndexes = func() []string {
	s := make([]string, 32)
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func describe(n *Node) string {
	switch n.Kind {
	case StringNode:
		return fmt.Sprintf("the text %q", truncate(n.Str, 40))
	case IntNode, FloatNode:
		return "the number " + n.Str
	case BoolNode:
		return n.Str
	case NullNode:
		return "nothing (null)"
	}
	return n.Kind.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (c *shapeChecker) typeError(n *Node, want string) {
	c.add(n.Pos(), c.here(), "expected %s, found %s", want, describe(n))
}

func (c *shapeChecker) checkDuplicates(n *Node) {
	if len(n.Keys) < 2 {
		return
	}
	if len(n.Keys) <= 16 {
		for i := 1; i < len(n.Keys); i++ {
			for j := 0; j < i; j++ {
				if n.Keys[i] == n.Keys[j] {
					c.duplicate(n, i, j)
					break
				}
			}
		}
		return
	}
	seen := make(map[string]int, len(n.Keys))
	for i, k := range n.Keys {
		if j, ok := seen[k]; ok {
			c.duplicate(n, i, j)
			continue
		}
		seen[k] = i
	}
}

func (c *shapeChecker) duplicate(n *Node, i, j int) {
	c.dups++
	c.add(n.KeyPos[i], c.here().child(n.Keys[i]), "duplicate key %q: it is already defined at line %d; remove one of them",
		n.Keys[i], n.KeyPos[j].Line)
}

func (c *shapeChecker) unknownKey(pos Pos, k string, s *Shape) {
	names := s.FieldNames()
	msg := fmt.Sprintf("unknown key %q", k)
	if sug := closest(k, names); sug != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", sug)
	}
	msg += "; allowed keys here: " + strings.Join(names, ", ") + "; put your own data under extensions"
	c.add(pos, c.here().child(k), "%s", msg)
}

func (c *shapeChecker) missing(keyPos Pos, f *FieldShape) {
	p := c.here()
	what := "the top level"
	if p != nil {
		what = p.String()
	}
	hint := ""
	switch {
	case f.Shape.Enum != nil:
		hint = " (one of " + f.Shape.AllowedText() + ")"
	case f.Shape.Kind == IntShape && f.Shape.IntValue != nil:
		hint = fmt.Sprintf(" (write %s: %d)", f.Name, *f.Shape.IntValue)
	}
	c.add(keyPos, p.child(f.Name), "%s is missing the required key %q%s", what, f.Name, hint)
}

// closest returns the candidate nearest to s when it is near enough to be a
// likely typo, or "".
func closest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := spell.Distance(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(s) <= 3 {
		limit = 1
	}
	if bestD <= limit {
		return best
	}
	return ""
}
