package model

// Node is one value of a model file as it was written, with its position.
// The three syntaxes (YAML, JSON, CUE) are all read into Nodes, so that
// validation and decoding are written once.
type Node struct {
	Kind NodeKind
	// Line and Column (1-based) locate the value itself.
	Line, Column int
	// Str holds the text of a scalar (for strings, the string; for numbers
	// and booleans, their literal as written, e.g. "1", "true").
	Str string
	// Keys and Values hold a mapping's entries in document order; KeyPos
	// holds the position of each key.
	Keys   []string
	KeyPos []Pos
	Values []*Node
	// Items holds a sequence's elements.
	Items []*Node
}

// Pos is a position in a file, 1-based.
type Pos struct{ Line, Column int }

// NodeKind says what a Node holds.
type NodeKind uint8

// The kinds of Node.
const (
	NullNode NodeKind = iota
	BoolNode
	IntNode
	FloatNode
	StringNode
	MapNode
	ListNode
)

func (k NodeKind) String() string {
	switch k {
	case NullNode:
		return "null"
	case BoolNode:
		return "a boolean"
	case IntNode:
		return "an integer"
	case FloatNode:
		return "a number"
	case StringNode:
		return "a string"
	case MapNode:
		return "a mapping"
	case ListNode:
		return "a list"
	}
	return "unknown"
}

// Pos returns the position of the node's value.
func (n *Node) Pos() Pos { return Pos{n.Line, n.Column} }

// Get returns the value under key in a mapping, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != MapNode {
		return nil
	}
	for i, k := range n.Keys {
		if k == key {
			return n.Values[i]
		}
	}
	return nil
}

// KeyPosOf returns the position of key in a mapping, or the mapping's own
// position when the key is absent.
func (n *Node) KeyPosOf(key string) Pos {
	for i, k := range n.Keys {
		if k == key {
			return n.KeyPos[i]
		}
	}
	return n.Pos()
}
