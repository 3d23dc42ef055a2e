package model

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The child's answer on stdout: one JSON object holding either the tree or
// an error.
type cueAnswer struct {
	Node *cueWireNode `json:"n,omitempty"`
	Err  *cueWireErr  `json:"e,omitempty"`
}

type cueWireErr struct {
	Line   int    `json:"l"`
	Column int    `json:"c"`
	Msg    string `json:"m"`
	Limit  string `json:"lim,omitempty"` // set for a LimitError
}

// cueWireNode is a compact encoding of a Node.
type cueWireNode struct {
	Kind   NodeKind       `json:"k"`
	Line   int            `json:"l"`
	Column int            `json:"c"`
	Str    string         `json:"s,omitempty"`
	Keys   []string       `json:"K,omitempty"`
	KeyPos []int          `json:"P,omitempty"` // line, column, line, column...
	Values []*cueWireNode `json:"V,omitempty"`
	Items  []*cueWireNode `json:"I,omitempty"`
}

func toCUEWire(n *Node) *cueWireNode {
	w := &cueWireNode{Kind: n.Kind, Line: n.Line, Column: n.Column, Str: n.Str, Keys: n.Keys}
	if len(n.KeyPos) > 0 {
		w.KeyPos = make([]int, 0, 2*len(n.KeyPos))
		for _, p := range n.KeyPos {
			w.KeyPos = append(w.KeyPos, p.Line, p.Column)
		}
	}
	if len(n.Values) > 0 {
		w.Values = make([]*cueWireNode, len(n.Values))
		for i, v := range n.Values {
			w.Values[i] = toCUEWire(v)
		}
	}
	if len(n.Items) > 0 {
		w.Items = make([]*cueWireNode, len(n.Items))
		for i, v := range n.Items {
			w.Items[i] = toCUEWire(v)
		}
	}
	return w
}

func fromCUEWire(w *cueWireNode) (*Node, error) {
	if w == nil {
		return nil, errors.New("missing node")
	}
	n := &Node{Kind: w.Kind, Line: w.Line, Column: w.Column, Str: w.Str, Keys: w.Keys}
	if w.Kind > ListNode {
		return nil, fmt.Errorf("unknown node kind %d", w.Kind)
	}
	if len(w.Keys) != len(w.Values) || 2*len(w.Keys) != len(w.KeyPos) {
		return nil, errors.New("keys, key positions and values do not match")
	}
	if len(w.Keys) > 0 {
		n.KeyPos = make([]Pos, len(w.Keys))
		n.Values = make([]*Node, len(w.Keys))
		for i := range w.Keys {
			n.KeyPos[i] = Pos{w.KeyPos[2*i], w.KeyPos[2*i+1]}
			v, err := fromCUEWire(w.Values[i])
			if err != nil {
				return nil, err
			}
			n.Values[i] = v
		}
	}
	if len(w.Items) > 0 {
		n.Items = make([]*Node, len(w.Items))
		for i, it := range w.Items {
			v, err := fromCUEWire(it)
			if err != nil {
				return nil, err
			}
			n.Items[i] = v
		}
	}
	return n, nil
}

func encodeCUEAnswer(n *Node, err error) ([]byte, error) {
	var a cueAnswer
	if err != nil {
		var se *SyntaxError
		var le *LimitError
		switch {
		case errors.As(err, &se):
			a.Err = &cueWireErr{Line: se.Line, Column: se.Column, Msg: se.Msg}
		case errors.As(err, &le):
			a.Err = &cueWireErr{Line: le.Line, Column: le.Col, Msg: le.Msg, Limit: le.Limit}
		default:
			a.Err = &cueWireErr{Line: 1, Column: 1, Msg: err.Error()}
		}
	} else {
		a.Node = toCUEWire(n)
	}
	return json.Marshal(&a)
}

func decodeCUEAnswer(data []byte) (*Node, error) {
	var a cueAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("CUE evaluation: unreadable answer from the child process: %w", err)
	}
	switch {
	case a.Err != nil && a.Err.Limit != "":
		return nil, &LimitError{Limit: a.Err.Limit, Line: a.Err.Line, Col: a.Err.Column, Msg: a.Err.Msg}
	case a.Err != nil:
		return nil, &SyntaxError{Line: a.Err.Line, Column: a.Err.Column, Msg: a.Err.Msg}
	}
	n, err := fromCUEWire(a.Node)
	if err != nil {
		return nil, fmt.Errorf("CUE evaluation: bad answer from the child process: %w", err)
	}
	return n, nil
}
