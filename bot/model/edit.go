package model

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ErrCannotEdit is returned for a file the bot cannot edit in place (CUE).
var ErrCannotEdit = errors.New("the bot edits only YAML and JSON model files")

// SetMitigationStatus returns src with the status of one mitigation changed,
// and nothing else: comments, order, quoting style and formatting stay as
// they were. name tells the syntax.
func SetMitigationStatus(name string, src []byte, mitigation, status string) ([]byte, error) {
	var line, col int
	switch SyntaxOf(name) {
	case YAML:
		var doc yaml.Node
		if err := yaml.Unmarshal(src, &doc); err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if len(doc.Content) == 0 {
			return nil, fmt.Errorf("%s is empty", name)
		}
		v := yamlLookup(doc.Content[0], "mitigations", mitigation, "status")
		if v == nil || v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s has no status for mitigation %q", name, mitigation)
		}
		line, col = v.Line, v.Column
	case JSON:
		root, err := parseJSON(src, DefaultLimits())
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		v := root.Get("mitigations").Get(mitigation).Get("status")
		if v == nil || v.Kind != StringNode {
			return nil, fmt.Errorf("%s has no status for mitigation %q", name, mitigation)
		}
		line, col = v.Line, v.Column
	default:
		return nil, ErrCannotEdit
	}
	return replaceScalarAt(src, line, col, status)
}

func yamlLookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		for n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// replaceScalarAt replaces the scalar that starts at line:col (1-based,
// columns in characters): a quoted string keeps its quotes.
func replaceScalarAt(src []byte, line, col int, value string) ([]byte, error) {
	start := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[start:], '\n')
		if i < 0 {
			return nil, fmt.Errorf("line %d is past the end of the file", line)
		}
		start += i + 1
	}
	off := start
	for c := 1; c < col; c++ {
		_, size := utf8.DecodeRune(src[off:])
		off += size
	}
	end := off
	switch q := src[off]; q {
	case '"', '\'':
		end++
		for end < len(src) && src[end] != q {
			if src[end] == '\\' && q == '"' {
				end++
			}
			end++
		}
		end++
		quoted := strconv.Quote(value)
		if q == '\'' {
			quoted = "'" + value + "'"
		}
		return append(append(append([]byte{}, src[:off]...), quoted...), src[end:]...), nil
	default:
		for end < len(src) && !bytes.ContainsRune([]byte(" \t\r\n,}]#"), rune(src[end])) {
			end++
		}
		return append(append(append([]byte{}, src[:off]...), value...), src[end:]...), nil
	}
}
