package model

import (
	"bytes"
)

// plainLineBreaks reports whether data holds none of the characters YAML
// also takes for a line break (\r, NEL, LS, PS), nor a byte-order mark.
func plainLineBreaks(data []byte) bool {
	for _, s := range []string{"\r", "\u0085", "\u2028", "\u2029", "\ufeff"} {
		if bytes.Contains(data, []byte(s)) {
			return false
		}
	}
	return true
}

// entryLine reads the line of an entry's key: `id:`, then nothing, a
// comment, or a value that ends on the line (`id: {name: x}`) or a block
// scalar header (block is true).
func entryLine(rest []byte, indent int) (id string, block, ok bool) {
	i := 0
	for i < len(rest) && idChar(rest[i]) {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != ':' || (rest[0] == '-' && (i == 1 || rest[1] == ' ')) {
		return "", false, false
	}
	if v := rest[i+1:]; !emptyValue(v) {
		if v[0] != ' ' {
			return "", false, false
		}
		if _, block, ok = valueKind(v, indent); !ok {
			return "", false, false
		}
	}
	return string(rest[:i]), block, true
}

// emptyValue reports whether what follows a key's colon is nothing, or a
// comment.
func emptyValue(v []byte) bool {
	if len(v) > 0 && v[0] != ' ' && v[0] != '\t' {
		return false
	}
	v = bytes.TrimLeft(v, " \t")
	return len(v) == 0 || v[0] == '#'
}

// yamlKeyLine reads a top-level line: a plain key, its colon, and what
// follows.
func yamlKeyLine(rest []byte) (key string, value []byte, ok bool) {
	i := 0
	for i < len(rest) && idChar(rest[i]) {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != ':' || rest[0] == '-' {
		return "", nil, false
	}
	if i+1 < len(rest) && rest[i+1] != ' ' {
		return "", nil, false
	}
	return string(rest[:i]), rest[i+1:], true
}

// contentLine checks a line inside a mapping or a list (after its
// indentation): list dashes, then a key and its value, or a value. block
// says that a block scalar starts, whose parent is at column parent.
func contentLine(rest []byte, indent int) (parent int, block, ok bool) {
	col := indent
	parent = indent
	// List items: "- ", possibly several.
	for len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ') {
		parent = col
		n := 1
		for n < len(rest) && rest[n] == ' ' {
			n++
		}
		rest, col = rest[n:], col+n
		if len(rest) > 0 && rest[0] == '\t' {
			return 0, false, false
		}
	}
	if len(rest) == 0 || rest[0] == '#' {
		return parent, false, true
	}
	// A key: quoted on the line, or plain up to ": " or a final ':'.
	if k, ok := keyEnd(rest); ok {
		if k < 0 {
			return 0, false, false
		}
		return valueKind(rest[k+1:], col)
	}
	return valueKind(rest, parent)
}

// keyEnd finds the colon that ends a key at the start of rest: found is
// false when rest holds no key (it is a value), colon -1 when the line is
// not simple enough.
func keyEnd(rest []byte) (colon int, found bool) {
	switch rest[0] {
	case '"', '\'':
		q := quotedEnd(rest)
		if q < 0 {
			return -1, true
		}
		if q < len(rest) && rest[q] == ':' && (q+1 == len(rest) || rest[q+1] == ' ') {
			return q, true
		}
		return 0, false
	case '?', '&', '*', '!', '%', '@', '`', '|', '>', '[', '{', ']', '}', ',', ':', '<':
		return 0, false
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case ':':
			if i+1 == len(rest) || rest[i+1] == ' ' {
				return i, true
			}
		case '#':
			if rest[i-1] == ' ' {
				return 0, false
			}
		}
	}
	return 0, false
}

// valueKind checks the value of a key (or a list item): a plain scalar on
// the line, a quoted one that closes on the line, a flow collection that
// closes on the line, a block scalar header (block is true: its lines
// follow, more indented than parent), nothing, or a comment.
func valueKind(v []byte, parent int) (int, bool, bool) {
	v = bytes.TrimLeft(v, " ")
	if len(v) == 0 || v[0] == '#' {
		return parent, false, true
	}
	switch v[0] {
	case '"', '\'':
		q := quotedEnd(v)
		return parent, false, q >= 0 && emptyValue(v[q:])
	case '[', '{':
		q := flowEnd(v)
		return parent, false, q >= 0 && emptyValue(v[q:])
	case '|', '>':
		// A header without indentation indicator: |, >, |-, >+, with a comment.
		i := 1
		if i < len(v) && (v[i] == '-' || v[i] == '+') {
			i++
		}
		return parent, true, emptyValue(v[i:])
	case '&', '*', '!', '%', '@', '`', '?', ':', ',', ']', '}', '\t':
		return parent, false, false
	case '-':
		if len(v) == 1 || v[1] == ' ' {
			return parent, false, false // a list on the line of its key
		}
	}
	// A plain scalar: no ": " (a nested mapping, or an error), no final ':'.
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ':':
			if i+1 == len(v) || v[i+1] == ' ' || v[i+1] == '\t' {
				return parent, false, false
			}
		case '#':
			if v[i-1] == ' ' || v[i-1] == '\t' {
				return parent, false, true
			}
		case '\t':
			if i+1 < len(v) && v[i+1] == '#' {
				return parent, false, false
			}
		}
	}
	return parent, false, true
}

// quotedEnd returns the index after the closing quote of the quoted scalar
// at the start of v, or -1 when it does not close on the line.
func quotedEnd(v []byte) int {
	q := v[0]
	for i := 1; i < len(v); {
		j := bytes.IndexByte(v[i:], q)
		if j < 0 {
			return -1
		}
		if q == '"' {
			if b := bytes.IndexByte(v[i:i+j], '\\'); b >= 0 {
				i += b + 2 // an escape: skip the escaped character
				continue
			}
		}
		i += j
		if q == '\'' && i+1 < len(v) && v[i+1] == '\'' {
			i += 2 // '' stands for '
			continue
		}
		return i + 1
	}
	return -1
}

// flowEnd returns the index after the bracket that closes the flow
// collection at the start of v, or -1 when it does not close on the line
// or holds anything but plain and quoted scalars and nested collections.
func flowEnd(v []byte) int {
	depth := 0
	tokenStart := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '[' || c == '{':
			depth++
			tokenStart = true
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return i + 1
			}
			tokenStart = false
		case c == ',':
			tokenStart = true
		case c == ' ':
		case c == '\t':
			return -1
		case c == '#':
			if i > 0 && v[i-1] == ' ' {
				return -1 // a comment: the collection goes on on the next line
			}
			tokenStart = false
		case tokenStart && (c == '"' || c == '\''):
			q := quotedEnd(v[i:])
			if q < 0 {
				return -1
			}
			i += q - 1
			tokenStart = false
		case tokenStart && (c == '&' || c == '*' || c == '!' || c == '|' || c == '>' || c == '%' || c == '@' || c == '`' || c == '?'):
			return -1
		case c == ':':
			tokenStart = true
		default:
			tokenStart = false
		}
	}
	return -1
}
