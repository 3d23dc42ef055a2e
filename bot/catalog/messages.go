package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// what names an id of a kind, for "is not an ATT&CK technique id".
func what(kind Kind) string {
	switch kind {
	case ATTACK:
		return "an ATT&CK technique id"
	case ATLAS:
		return "an ATLAS id"
	case OWASP:
		return "an OWASP id"
	case CWE:
		return "a CWE id"
	case CAPEC:
		return "a CAPEC id"
	}
	return "an id"
}

func (c *Catalog) expected(kind Kind) string {
	switch kind {
	case ATTACK:
		return "expected T and four digits, optionally .NNN (T1566, T1566.001)"
	case ATLAS:
		return "expected AML.T and four digits, optionally .NNN, for a technique (AML.T0051, AML.T0051.000), " +
			"AML.TA and four digits for a tactic (AML.TA0002), or AML.M and four digits for a mitigation (AML.M0000)"
	case OWASP:
		return "expected " + c.owasp.forms()
	case CWE:
		return "expected CWE- and a number (CWE-79)"
	case CAPEC:
		return "expected CAPEC- and a number (CAPEC-66)"
	}
	return ""
}

// wellFormed reports whether id has the shape of an id of kind.
func (c *Catalog) wellFormed(kind Kind, id string) bool {
	switch kind {
	case ATTACK:
		return isAttackID(id)
	case ATLAS:
		return isAtlasID(id)
	case OWASP:
		_, ok := c.owasp.resolve(id)
		return ok
	case CWE:
		return isCWEID(id)
	case CAPEC:
		return isCAPECID(id)
	}
	return false
}

// malformed explains why id is not an id of kind. For OWASP it also covers
// well-formed ids of a list or number that does not exist.
func (c *Catalog) malformed(kind Kind, id string) string {
	head := fmt.Sprintf("%s is not %s", quote(id), what(kind))
	if t := strings.TrimSpace(id); t != id && t != "" && c.wellFormed(kind, t) {
		return fmt.Sprintf("%s: remove the spaces around it (%s)", head, quote(t))
	}
	if up := strings.ToUpper(id); up != id && c.wellFormed(kind, up) {
		r := c.Check(kind, up)
		switch {
		case r.Known:
			return fmt.Sprintf("%s: ids are case-sensitive; write %s (%s)", head, r.Entry.ID, r.Entry.Name)
		default:
			return fmt.Sprintf("%s: ids are case-sensitive, and %s is not known either (%s)", head, quote(up), r.Error)
		}
	}
	if kind == ATTACK && isTactic(id) {
		return fmt.Sprintf("%s: it is an ATT&CK tactic id; name a technique: %s", head, c.expected(kind))
	}
	for _, k := range []Kind{ATTACK, ATLAS, OWASP, CWE, CAPEC} {
		if k != kind && c.wellFormed(k, id) {
			return fmt.Sprintf("%s: it looks like %s, which belongs in the %s list; %s", head, what(k), k, c.expected(kind))
		}
	}
	return head + ": " + c.expected(kind)
}

// unknown explains that a well-formed id is not in the catalog.
func (c *Catalog) unknown(kind Kind, id string) string {
	msg := fmt.Sprintf("%s is not in %s", quote(id), c.labels[kind])
	switch kind {
	case ATTACK, ATLAS:
		m := c.attack
		if kind == ATLAS {
			m = c.atlas
		}
		if i := strings.LastIndexByte(id, '.'); i == len(id)-4 {
			if p, ok := m[id[:i]]; ok {
				msg += fmt.Sprintf(": %s (%s) has no sub-technique %s", id[:i], p.name, id[i+1:])
			}
		}
	case CWE, CAPEC:
		prefix, num, _ := strings.Cut(id, "-")
		if t := strings.TrimLeft(num, "0"); t != num && t != "" {
			canon := prefix + "-" + t
			if r := c.Check(kind, canon); r.Known {
				return fmt.Sprintf("%s: write %s (%s), without leading zeros", msg, canon, r.Entry.Name)
			}
		}
		if n, err := strconv.Atoi(num); kind == CWE && err == nil && n > c.cweMax && n < 2000 {
			msg += fmt.Sprintf("; the catalog predates CWE entries added after %s", strings.TrimPrefix(c.labels[CWE], "CWE "))
		}
	}
	return msg
}

// quote quotes an id for a message, shortening a very long one.
func quote(id string) string {
	const max = 64
	if len(id) > max {
		cut := max
		for cut > 0 && id[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return strconv.Quote(id[:cut]) + "…"
	}
	return strconv.Quote(id)
}
