package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlErrLine finds "line N:" in the errors of gopkg.in/yaml.v3.
var yamlErrLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// parseYAML reads one YAML document into a Node tree, expanding aliases
// within lim.MaxAliasNodes and refusing nesting deeper than lim.MaxDepth.
func parseYAML(data []byte, lim Limits) (*Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) { // gopkg.in/yaml.v3: no document at all
			return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}
		}
		return nil, yamlError(data, err, lim)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &SyntaxError{Line: extra.Line, Column: extra.Column, Msg: "a second YAML document: a model file holds exactly one document (remove the ---)"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}
	}
	c := &yamlConverter{lim: lim, memo: map[*yaml.Node]*aliasInfo{}, alloc: &nodeAlloc{}}
	return c.convert(doc.Content[0], 1)
}

func yamlError(data []byte, err error, lim Limits) error {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	line := 1
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			line, _ = strconv.Atoi(m[1])
		}
		msg = m[2]
	}
	if strings.HasPrefix(msg, "exceeded max depth") {
		return &LimitError{Limit: "depth", Line: line, Col: 1, Msg: fmt.Sprintf("the file is nested deeper than the limit of %d levels", lim.MaxDepth)}
	}
	if strings.Contains(msg, "found character that cannot start any token") {
		switch text := lineText(data, line); {
		case strings.Contains(text, "\t"):
			msg += " (YAML does not allow tabs for indentation; use spaces)"
		case strings.Contains(text, ": @") || strings.Contains(text, ": `"):
			msg += " (a value that starts with @ or ` must be quoted: \"@team\")"
		}
	}
	return &SyntaxError{Line: line, Column: 1, Msg: "invalid YAML: " + msg}
}

// lineText returns line n (1-based) of data.
func lineText(data []byte, n int) string {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return ""
		}
		data = data[j+1:]
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		data = data[:j]
	}
	return string(data)
}

type aliasInfo struct {
	node  *Node
	size  int // nodes in the expanded subtree
	depth int // depth of the subtree, itself 1
}

type yamlConverter struct {
	lim       Limits
	expanded  int // nodes produced by alias expansion so far
	nodes     int // nodes this converter produced, aliases counted expanded
	deepest   int // the deepest level it reached
	memo      map[*yaml.Node]*aliasInfo
	resolving map[*yaml.Node]bool
	alloc     *nodeAlloc
	// anchored: converting inside an anchored node, which an alias may
	// convert again; elsewhere converted yaml.Nodes are dropped as soon as
	// converted, to lower the peak memory of a load.
	anchored bool
}

func (c *yamlConverter) convert(y *yaml.Node, depth int) (*Node, error) {
	if y.Kind == yaml.AliasNode {
		return c.alias(y, depth)
	}
	if (y.Kind == yaml.MappingNode || y.Kind == yaml.SequenceNode) && depth > c.lim.MaxDepth {
		return nil, c.depthError(y.Line, y.Column)
	}
	n := c.alloc.node()
	n.Line, n.Column = y.Line, y.Column
	c.nodes++
	if y.Anchor != "" && !c.anchored {
		c.anchored = true
		defer func() { c.anchored = false }()
	}
	if (y.Kind == yaml.MappingNode || y.Kind == yaml.SequenceNode) && depth > c.deepest {
		c.deepest = depth
	}
	switch y.Kind {
	case yaml.ScalarNode:
		n.Str = y.Value
		switch y.ShortTag() {
		case "!!null":
			n.Kind = NullNode
		case "!!bool":
			n.Kind = BoolNode
			n.Str = strings.ToLower(y.Value)
		case "!!int":
			n.Kind = IntNode
		case "!!float":
			n.Kind = FloatNode
		default: // !!str, !!timestamp (dates are strings here), !!binary, custom tags
			n.Kind = StringNode
		}
	case yaml.SequenceNode:
		n.Kind = ListNode
		n.Items = c.alloc.nodeSlice(len(y.Content))
		for i, item := range y.Content {
			v, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, v)
			if !c.anchored {
				y.Content[i] = nil // let the collector have what is converted
			}
		}
	case yaml.MappingNode:
		n.Kind = MapNode
		entries := len(y.Content) / 2
		n.Keys = c.alloc.stringSlice(entries)
		n.KeyPos = c.alloc.posSlice(entries)
		n.Values = c.alloc.nodeSlice(entries)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, vy := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				if err := c.merge(n, vy, depth); err != nil {
					return nil, err
				}
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &SyntaxError{Line: k.Line, Column: k.Column, Msg: "a mapping key must be plain text, not a list or a mapping"}
			}
			v, err := c.convert(vy, depth+1)
			if err != nil {
				return nil, err
			}
			n.Keys = append(n.Keys, k.Value)
			n.KeyPos = append(n.KeyPos, Pos{k.Line, k.Column})
			n.Values = append(n.Values, v)
			if !c.anchored {
				y.Content[i], y.Content[i+1] = nil, nil // let the collector have what is converted
			}
		}
	default:
		return nil, &SyntaxError{Line: y.Line, Column: y.Column, Msg: "unexpected YAML node"}
	}
	return n, nil
}

// merge applies a YAML merge key (<<: *anchor or a list of them): keys the
// mapping does not write itself are taken from the merged mappings.
func (c *yamlConverter) merge(n *Node, vy *yaml.Node, depth int) error {
	sources := []*yaml.Node{vy}
	if vy.Kind == yaml.SequenceNode {
		sources = vy.Content
	}
	for _, s := range sources {
		m, err := c.convert(s, depth)
		if err != nil {
			return err
		}
		if m.Kind != MapNode {
			return &SyntaxError{Line: s.Line, Column: s.Column, Msg: "a merge key (<<) must name a mapping"}
		}
		for i, k := range m.Keys {
			if n.Get(k) == nil {
				n.Keys = append(n.Keys, k)
				n.KeyPos = append(n.KeyPos, m.KeyPos[i])
				n.Values = append(n.Values, m.Values[i])
			}
		}
	}
	return nil
}

// alias expands an alias by sharing the anchor's converted subtree (Nodes
// are never modified after loading), counting the nodes it stands for so
// that an alias bomb is refused before it costs anything.
func (c *yamlConverter) alias(y *yaml.Node, depth int) (*Node, error) {
	target := y.Alias
	info := c.memo[target]
	if info == nil {
		if c.resolving == nil {
			c.resolving = map[*yaml.Node]bool{}
		}
		if c.resolving[target] {
			return nil, &SyntaxError{Line: y.Line, Column: y.Column, Msg: "an alias refers to the mapping or list that contains it"}
		}
		c.resolving[target] = true
		// Convert the anchor as if at depth 1 to learn its own depth.
		sub := &yamlConverter{lim: c.lim, memo: c.memo, resolving: c.resolving, expanded: c.expanded, alloc: c.alloc}
		sub.lim.MaxDepth = c.lim.MaxDepth - depth + 1
		n, err := sub.convert(target, 1)
		delete(c.resolving, target)
		c.expanded = sub.expanded
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) && le.Limit == "depth" {
				return nil, c.depthError(y.Line, y.Column)
			}
			return nil, err
		}
		info = &aliasInfo{node: n, size: sub.nodes, depth: sub.deepest}
		c.memo[target] = info
	}
	if depth+info.depth-1 > c.lim.MaxDepth {
		return nil, c.depthError(y.Line, y.Column)
	}
	c.expanded += info.size
	c.nodes += info.size
	if d := depth + info.depth - 1; d > c.deepest {
		c.deepest = d
	}
	if c.expanded > c.lim.MaxAliasNodes {
		return nil, &LimitError{Limit: "aliases", Line: y.Line, Col: y.Column,
			Msg: fmt.Sprintf("YAML aliases expand to more than the limit of %d nodes (an alias bomb?)", c.lim.MaxAliasNodes)}
	}
	return info.node, nil
}

func (c *yamlConverter) depthError(line, col int) error {
	return &LimitError{Limit: "depth", Line: line, Col: col,
		Msg: fmt.Sprintf("the file is nested deeper than the limit of %d levels", c.lim.MaxDepth)}
}
