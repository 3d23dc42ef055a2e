package model

import (
	"bytes"
)

// A YAML file in plain block style can be cut into its entries by lines,
// without a YAML parser: an entry of a map of ids starts at a line indented
// like its siblings that holds only `id:`, and runs to the next such line
// (or the next top-level key). scanYAML does that cut, conservatively: it
// gives up (nil) on anything that could make a line mean something else
// than it seems, that is anything that can span lines other than by
// indentation (flow collections, quoted scalars, block scalars with an
// indentation indicator), anchors, aliases, tags, directives, several
// documents, tabs in indentation, and line breaks other than \n. The parser
// then reads the whole file, as without the cache.
//
// Within those rules an entry's text parses to the same values wherever it
// is, once its lines are shifted: what precedes it closes at its first line
// (less indented), and it closes at the next entry's line. So the cache may
// keep an entry's result by its text, and loadYAMLEntries parses only the
// entries the cache does not know, in a copy of the file without the
// others, whose positions are mapped back to the file's lines.

// yamlLayout is where the top-level keys and the entries of the maps of ids
// are in a YAML file.
type yamlLayout struct {
	top      []yamlTop
	sections []yamlSection
}

type yamlTop struct {
	key  string
	line int
}

type yamlSection struct {
	name    string
	top     int // index in top
	entries []yamlEntry
}

type yamlEntry struct {
	id         string
	start, end int // bytes: from the start of the key's line to the start of the next entry's line
	line, col  int // of the key
	lines      int // in [start, end)
}

// idChar reports whether c may be in an id written as a plain key.
func idChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// scanYAML cuts a YAML file into entries, or returns nil when it cannot
// do so safely, or when there is nothing to cut.
func scanYAML(data []byte) *yamlLayout {
	if len(data) >= 2 && (data[0] == 0xFE || data[0] == 0xFF || data[0] == 0xEF || data[0] == 0) {
		return nil // a byte-order mark or UTF-16
	}
	if !plainLineBreaks(data) {
		return nil
	}
	s := &yamlScan{lay: &yamlLayout{}, secIndent: -1}
	for off := 0; off < len(data); {
		s.line++
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end < 0 {
			end = len(data)
		} else {
			end += off
			next = end + 1
		}
		if !s.scanLine(data[off:end], off) {
			return nil
		}
		off = next
	}
	s.line++
	s.closeEntry(len(data))
	return s.layout()
}

// yamlScan is scanYAML's state from one line to the next.
type yamlScan struct {
	lay       *yamlLayout
	sec       *yamlSection // the section being read, if any
	secIndent int          // its entries' indentation, once known (else -1)
	// A block scalar being skipped: its parent's indentation, the content's
	// (0 until known) and the most spaces on its leading empty lines.
	inBlock                                bool
	blockParent, blockIndent, blockLeading int
	line                                   int // the line being read, from 1
}

// scanLine reads one line, text without its \n, which starts at byte off
// of the file. It reports false when the file cannot be cut safely.
func (s *yamlScan) scanLine(text []byte, off int) bool {
	indent := 0
	for indent < len(text) && text[indent] == ' ' {
		indent++
	}
	rest := text[indent:]
	if len(rest) > 0 && rest[0] == '\t' {
		return false // a tab in the indentation
	}
	blank := len(rest) == 0 // (rest starts with neither a space nor a tab)
	if s.inBlock && s.blockLine(indent, blank) {
		return true
	}
	if blank || rest[0] == '#' {
		return true
	}
	switch {
	case indent == 0:
		return s.topKey(rest, off)
	case s.sec != nil && (s.secIndent < 0 || indent <= s.secIndent):
		return s.entryKey(rest, off, indent)
	default:
		parent, block, ok := contentLine(rest, indent)
		if !ok {
			return false
		}
		if block {
			s.startBlock(parent)
		}
		return true
	}
}

// blockLine reports whether a line belongs to the block scalar being
// skipped; the first line that does not ends it.
func (s *yamlScan) blockLine(indent int, blank bool) bool {
	switch {
	case blank:
		if s.blockIndent == 0 && indent > s.blockLeading {
			s.blockLeading = indent
		}
		return true
	case s.blockIndent == 0:
		s.blockIndent = max(s.blockLeading, indent, s.blockParent+1)
		if indent >= s.blockIndent {
			return true
		}
	case indent >= s.blockIndent:
		return true
	}
	s.inBlock = false
	return false
}

// startBlock starts skipping a block scalar whose parent is indented by
// parent spaces.
func (s *yamlScan) startBlock(parent int) {
	s.inBlock, s.blockParent, s.blockIndent, s.blockLeading = true, parent, 0, 0
}

// topKey reads a top-level key's line: a section of ids (a key the format
// knows, with no value on its line) starts; any other key's value is
// skipped.
func (s *yamlScan) topKey(rest []byte, off int) bool {
	if bytes.HasPrefix(rest, []byte("---")) || bytes.HasPrefix(rest, []byte("...")) || rest[0] == '%' {
		return false
	}
	key, value, ok := yamlKeyLine(rest)
	if !ok {
		return false
	}
	s.closeEntry(off)
	s.sec, s.secIndent = nil, -1
	s.lay.top = append(s.lay.top, yamlTop{key: key, line: s.line})
	if sectionOf(key) != noSection && emptyValue(value) {
		for _, other := range s.lay.sections {
			if other.name == key {
				return false // a duplicate section: let the parser see it
			}
		}
		s.lay.sections = append(s.lay.sections, yamlSection{name: key, top: len(s.lay.top) - 1})
		s.sec = &s.lay.sections[len(s.lay.sections)-1]
		return true
	}
	parent, block, ok := valueKind(value, 0)
	if !ok {
		return false
	}
	if block {
		s.startBlock(parent)
	}
	return true
}

// entryKey reads the line of an entry's id in the section being read.
func (s *yamlScan) entryKey(rest []byte, off, indent int) bool {
	if s.secIndent >= 0 && indent < s.secIndent {
		return false
	}
	id, block, ok := entryLine(rest, indent)
	if !ok {
		return false
	}
	s.closeEntry(off)
	s.secIndent = indent
	s.sec.entries = append(s.sec.entries, yamlEntry{id: id, start: off, end: -1, line: s.line, col: indent + 1})
	if block {
		s.startBlock(indent)
	}
	return true
}

// closeEntry ends the section's last entry, if still open, at byte at,
// before the line being read.
func (s *yamlScan) closeEntry(at int) {
	if s.sec != nil && len(s.sec.entries) > 0 {
		e := &s.sec.entries[len(s.sec.entries)-1]
		if e.end < 0 {
			e.end = at
			e.lines = s.line - e.line
		}
	}
}

// layout is the sections that have entries, or nil when none has.
func (s *yamlScan) layout() *yamlLayout {
	kept := s.lay.sections[:0]
	for _, sec := range s.lay.sections {
		if len(sec.entries) > 0 {
			kept = append(kept, sec)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	s.lay.sections = kept
	return s.lay
}
