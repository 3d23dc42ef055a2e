package catalog

import (
	"strings"
)

// Link returns the web page for an id, or "" when the id is malformed. It
// does not need the id to be in the catalog, except for OWASP: an OWASP
// item's own page when the catalog records one, else its list's home page.
// A bare OWASP id is read as Check reads it.
func Link(kind Kind, id string) string {
	switch kind {
	case ATTACK:
		if isAttackID(id) {
			return "https://attack.mitre.org/techniques/" + strings.Replace(id, ".", "/", 1) + "/"
		}
	case ATLAS:
		if isAtlasID(id) {
			return "https://atlas.mitre.org/" + atlasWhat(id) + "s/" + id
		}
	case CWE:
		if isCWEID(id) {
			return "https://cwe.mitre.org/data/definitions/" + number(id[len("CWE-"):]) + ".html"
		}
	case CAPEC:
		if isCAPECID(id) {
			return "https://capec.mitre.org/data/definitions/" + number(id[len("CAPEC-"):]) + ".html"
		}
	case OWASP:
		// The OWASP index is small (40 rows); parse it rather than keep a
		// package-level copy.
		if x, err := parseOWASP(owaspData); err == nil {
			if it, ok := x.resolve(id); ok {
				return it.entry().URL
			}
		}
	}
	return ""
}

// number drops leading zeros from a run of digits.
func number(s string) string {
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t
	}
	return "0"
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAttackID matches ^T\d{4}(\.\d{3})?$.
func isAttackID(s string) bool {
	if len(s) != 5 && len(s) != 9 || s[0] != 'T' || !digits(s[1:5]) {
		return false
	}
	return len(s) == 5 || s[5] == '.' && digits(s[6:])
}

// isTactic matches ^TA\d{4}$.
func isTactic(s string) bool {
	return len(s) == 6 && strings.HasPrefix(s, "TA") && digits(s[2:])
}

// isAtlasID matches ^AML\.(T\d{4}(\.\d{3})?|TA\d{4}|M\d{4})$.
func isAtlasID(s string) bool {
	rest, ok := strings.CutPrefix(s, "AML.")
	if !ok {
		return false
	}
	switch {
	case strings.HasPrefix(rest, "TA"):
		return len(rest) == 6 && digits(rest[2:])
	case strings.HasPrefix(rest, "M"):
		return len(rest) == 5 && digits(rest[1:])
	}
	return isAttackID(rest)
}

// isCWEID matches ^CWE-\d+$.
func isCWEID(s string) bool {
	rest, ok := strings.CutPrefix(s, "CWE-")
	return ok && digits(rest)
}

// isCAPECID matches ^CAPEC-\d+$.
func isCAPECID(s string) bool {
	rest, ok := strings.CutPrefix(s, "CAPEC-")
	return ok && digits(rest)
}
