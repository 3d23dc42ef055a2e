package catalog

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// Kind names a catalog. The values are also the names of the threat fields
// that hold its ids (attack, atlas, owasp, cwe, capec).
type Kind string

// The catalogs.
const (
	ATTACK Kind = "attack" // MITRE ATT&CK Enterprise techniques and sub-techniques
	ATLAS  Kind = "atlas"  // MITRE ATLAS techniques, tactics and mitigations
	OWASP  Kind = "owasp"  // OWASP LLM Top 10, ML Security Top 10, Agentic Top 10
	CWE    Kind = "cwe"    // Common Weakness Enumeration
	CAPEC  Kind = "capec"  // Common Attack Pattern Enumeration and Classification
)

// Entry is one catalog entry.
type Entry struct {
	Kind Kind
	ID   string // canonical form: "T1566.001", "AML.T0051", "LLM01:2025", "CWE-79", "CAPEC-66"
	Name string // display name; an ATT&CK or ATLAS sub-technique's is joined to its parent's ("Phishing: Spearphishing Attachment")
	URL  string
}

// Result is the outcome of [Catalog.Check].
type Result struct {
	Entry   Entry  // filled when the id is known (also for deprecated ones)
	Known   bool   // the id (or, for a bare OWASP id, the id it is read as) is in the catalog
	Error   string // non-empty when the id is malformed or unknown: what was expected
	Warning string // non-empty for a usable but questionable id; names the replacement when there is one
}

// OK reports whether the id is known and raises no warning.
func (r Result) OK() bool { return r.Known && r.Error == "" && r.Warning == "" }

// Catalog holds the embedded catalogs. It is immutable after [Load] and
// safe for concurrent use.
type Catalog struct {
	labels map[Kind]string // "MITRE ATT&CK Enterprise v18.1"
	attack map[string]record
	atlas  map[string]record
	cwe    map[string]record
	capec  map[string]record
	owasp  *owaspIndex

	cweMax int // the highest CWE number below 2000 (views use 2000)
}

// record is one row of attack.tsv, atlas.tsv, cwe.tsv or capec.tsv.
type record struct {
	name   string
	status string // as in the data file; "" when the entry is current
	extra  string // ATT&CK: revoked_by; CWE: mapping usage ("" = Allowed)
	class  string // CWE: "" (weakness), "category" or "view"
}

// The embedded data, written by ./gen (see doc.go).
var (
	//go:embed data/versions.tsv
	versionsData string
	//go:embed data/attack.tsv
	attackData string
	//go:embed data/atlas.tsv
	atlasData string
	//go:embed data/owasp.tsv
	owaspData string
	//go:embed data/cwe.tsv
	cweData string
	//go:embed data/capec.tsv
	capecData string
)

// sources is the text of the data files; tests substitute their own.
type sources struct {
	versions, attack, atlas, owasp, cwe, capec string
}

func embedded() sources {
	return sources{versionsData, attackData, atlasData, owaspData, cweData, capecData}
}

// Load parses the embedded data and returns a new catalog. Callers keep the
// *Catalog; it is meant to be loaded once per process.
func Load() (*Catalog, error) {
	return load(embedded())
}

func load(src sources) (*Catalog, error) {
	c := &Catalog{labels: make(map[Kind]string, 5)}
	err := eachRow("versions.tsv", src.versions, 2, 3, func(f []string) error {
		switch k := Kind(f[0]); k {
		case ATTACK, ATLAS, CWE, CAPEC:
			c.labels[k] = f[1]
			return nil
		}
		return fmt.Errorf("unknown kind %q", f[0])
	})
	if err != nil {
		return nil, err
	}
	for _, k := range []Kind{ATTACK, ATLAS, CWE, CAPEC} {
		if c.labels[k] == "" {
			return nil, fmt.Errorf("catalog: data/versions.tsv has no %s row", k)
		}
	}

	if c.attack, err = loadRecords("attack.tsv", src.attack, 2, 4, isAttackID, func(f []string) record {
		return record{name: f[1], status: f[2], extra: f[3]}
	}); err != nil {
		return nil, err
	}
	for id, r := range c.attack {
		switch r.status {
		case "", "deprecated":
		case "revoked":
			if _, ok := c.attack[r.extra]; !ok {
				return nil, fmt.Errorf("catalog: data/attack.tsv: %s is revoked by unknown %q", id, r.extra)
			}
		default:
			return nil, fmt.Errorf("catalog: data/attack.tsv: %s has unknown status %q", id, r.status)
		}
	}

	if c.atlas, err = loadRecords("atlas.tsv", src.atlas, 2, 3, isAtlasID, func(f []string) record {
		return record{name: f[1], status: f[2]}
	}); err != nil {
		return nil, err
	}

	if c.cwe, err = loadRecords("cwe.tsv", src.cwe, 3, 5, isCWEID, func(f []string) record {
		return record{class: f[1], name: f[2], status: f[3], extra: f[4]}
	}); err != nil {
		return nil, err
	}
	for id := range c.cwe {
		if n, err := strconv.Atoi(id[len("CWE-"):]); err == nil && n < 2000 && n > c.cweMax {
			c.cweMax = n
		}
	}

	if c.capec, err = loadRecords("capec.tsv", src.capec, 2, 3, isCAPECID, func(f []string) record {
		return record{name: f[1], status: f[2]}
	}); err != nil {
		return nil, err
	}

	if c.owasp, err = parseOWASP(src.owasp); err != nil {
		return nil, err
	}
	return c, nil
}

// eachRow calls fn with the fields of each data line of a generated TSV
// file, padded to max fields. Comment lines (#) and empty lines are skipped.
func eachRow(name, data string, min, max int, fn func(f []string) error) error {
	var buf [8]string
	for line := 1; data != ""; line++ {
		var l string
		l, data, _ = strings.Cut(data, "\n")
		if l == "" || l[0] == '#' {
			continue
		}
		f := buf[:0]
		for len(f) < max {
			v, rest, more := strings.Cut(l, "\t")
			f = append(f, v)
			if !more {
				l = ""
				break
			}
			l = rest
		}
		if l != "" || len(f) < min {
			return fmt.Errorf("catalog: data/%s line %d: want %d to %d fields", name, line, min, max)
		}
		for len(f) < max {
			f = append(f, "")
		}
		if err := fn(f); err != nil {
			return fmt.Errorf("catalog: data/%s line %d: %w", name, line, err)
		}
	}
	return nil
}

func loadRecords(name, data string, min, max int, valid func(string) bool, mk func([]string) record) (map[string]record, error) {
	m := make(map[string]record, strings.Count(data, "\n"))
	err := eachRow(name, data, min, max, func(f []string) error {
		if !valid(f[0]) {
			return fmt.Errorf("malformed id %q", f[0])
		}
		if _, dup := m[f[0]]; dup {
			return fmt.Errorf("duplicate id %s", f[0])
		}
		m[f[0]] = mk(f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("catalog: data/%s is empty", name)
	}
	return m, nil
}

// Source names the edition of a catalog, for a report's fine print:
// "MITRE ATT&CK Enterprise v18.1", "CWE 4.15"; for OWASP, the current lists.
func (c *Catalog) Source(kind Kind) string {
	if kind == OWASP {
		var titles []string
		for _, l := range c.owasp.lists {
			if !l.superseded {
				titles = append(titles, l.title)
			}
		}
		return strings.Join(titles, ", ")
	}
	return c.labels[kind]
}

// Lookup returns the entry for an id, if the catalog knows it (deprecated
// and revoked ids included). A bare OWASP id is looked up as Check reads it.
func (c *Catalog) Lookup(kind Kind, id string) (Entry, bool) {
	r := c.Check(kind, id)
	return r.Entry, r.Known
}

// Check checks one id of the given kind, as written in a threat model.
// Ids are case-sensitive; one that differs from a catalog id only by case is
// an error that suggests the right spelling.
func (c *Catalog) Check(kind Kind, id string) Result {
	switch kind {
	case ATTACK:
		return c.checkAttack(id)
	case ATLAS:
		return c.checkATLAS(id)
	case OWASP:
		return c.checkOWASP(id)
	case CWE:
		return c.checkCWE(id)
	case CAPEC:
		return c.checkCAPEC(id)
	}
	return Result{Error: fmt.Sprintf("%q is not a catalog: expected attack, atlas, owasp, cwe or capec", string(kind))}
}

// ---- ATT&CK ----

func (c *Catalog) attackEntry(id string, r record) Entry {
	return Entry{Kind: ATTACK, ID: id, Name: joinParent(c.attack, id, r.name), URL: Link(ATTACK, id)}
}

// joinParent gives a sub-technique's display name, "Parent: Sub".
func joinParent(m map[string]record, id, name string) string {
	if i := strings.LastIndexByte(id, '.'); i > 0 && i == len(id)-4 {
		if p, ok := m[id[:i]]; ok {
			return p.name + ": " + name
		}
	}
	return name
}

func (c *Catalog) checkAttack(id string) Result {
	if !isAttackID(id) {
		return Result{Error: c.malformed(ATTACK, id)}
	}
	r, ok := c.attack[id]
	if !ok {
		return Result{Error: c.unknown(ATTACK, id)}
	}
	res := Result{Entry: c.attackEntry(id, r), Known: true}
	switch r.status {
	case "deprecated":
		res.Warning = fmt.Sprintf("%s (%s) is deprecated in ATT&CK, which names no replacement; pick a current technique", id, res.Entry.Name)
	case "revoked":
		// Follow the chain: a replacement may itself have been revoked
		// (T1073 -> T1574.002 -> T1574.001).
		to, via := r.extra, []string(nil)
		for range 10 {
			next := c.attack[to]
			if next.status != "revoked" {
				break
			}
			via = append(via, to)
			to = next.extra
		}
		target := c.attackEntry(to, c.attack[to])
		res.Warning = fmt.Sprintf("%s was revoked in ATT&CK; use %s (%s) instead", id, to, target.Name)
		if len(via) > 0 {
			res.Warning += fmt.Sprintf(" (it was replaced by %s, which was revoked in turn)", strings.Join(via, ", then "))
		}
		if c.attack[to].status == "deprecated" {
			res.Warning += fmt.Sprintf("; %s is itself deprecated", to)
		}
	}
	return res
}

// ---- ATLAS ----

func (c *Catalog) atlasEntry(id string, r record) Entry {
	return Entry{Kind: ATLAS, ID: id, Name: joinParent(c.atlas, id, r.name), URL: Link(ATLAS, id)}
}

func (c *Catalog) checkATLAS(id string) Result {
	if !isAtlasID(id) {
		return Result{Error: c.malformed(ATLAS, id)}
	}
	r, ok := c.atlas[id]
	if !ok {
		return Result{Error: c.unknown(ATLAS, id)}
	}
	res := Result{Entry: c.atlasEntry(id, r), Known: true}
	if r.status != "" {
		res.Warning = fmt.Sprintf("%s (%s) is %s in ATLAS; pick a current %s", id, res.Entry.Name, r.status, atlasWhat(id))
	}
	return res
}

func atlasWhat(id string) string {
	switch {
	case strings.HasPrefix(id, "AML.TA"):
		return "tactic"
	case strings.HasPrefix(id, "AML.M"):
		return "mitigation"
	}
	return "technique"
}

// ---- CWE ----

func (c *Catalog) checkCWE(id string) Result {
	if !isCWEID(id) {
		return Result{Error: c.malformed(CWE, id)}
	}
	r, ok := c.cwe[id]
	if !ok {
		return Result{Error: c.unknown(CWE, id)}
	}
	res := Result{Entry: Entry{Kind: CWE, ID: id, Name: r.name, URL: Link(CWE, id)}, Known: true}
	label := c.labels[CWE]
	subject := fmt.Sprintf("%s (%s)", id, r.name)
	var dont string
	switch r.extra {
	case "Discouraged", "Prohibited":
		dont = fmt.Sprintf("CWE's own guidance says not to map to it (mapping usage: %s", r.extra)
		if r.class != "" {
			dont += "; categories and views are Prohibited"
		}
		dont += ")"
	}
	switch {
	case strings.HasPrefix(r.status, "Added:"):
		res.Warning = fmt.Sprintf("%s appeared in CWE %s, which this catalog (%s) predates; it is accepted as written, but the catalog cannot check it",
			subject, strings.TrimPrefix(r.status, "Added:"), label)
	case r.status == "Deprecated" || r.status == "Obsolete":
		what := "weakness"
		if r.class != "" {
			what = r.class
		}
		res.Warning = fmt.Sprintf("%s is a %s %s in %s", subject, strings.ToLower(r.status), what, label)
		if dont != "" {
			res.Warning += ", and " + dont
		}
		res.Warning += "; pick a current weakness instead"
	case r.class != "":
		res.Warning = fmt.Sprintf("%s is a CWE %s, not a weakness", subject, r.class)
		if dont != "" {
			res.Warning += ", and " + dont
		}
		res.Warning += "; pick a weakness instead"
	case r.extra == "Discouraged":
		res.Warning = fmt.Sprintf("%s: %s; pick a more specific weakness", subject, dont)
	case dont != "":
		res.Warning = fmt.Sprintf("%s: %s; pick a different weakness", subject, dont)
	}
	return res
}

// ---- CAPEC ----

func (c *Catalog) checkCAPEC(id string) Result {
	if !isCAPECID(id) {
		return Result{Error: c.malformed(CAPEC, id)}
	}
	r, ok := c.capec[id]
	if !ok {
		return Result{Error: c.unknown(CAPEC, id)}
	}
	res := Result{Entry: Entry{Kind: CAPEC, ID: id, Name: r.name, URL: Link(CAPEC, id)}, Known: true}
	if r.status != "" {
		res.Warning = fmt.Sprintf("%s (%s) is %s in %s; pick a current attack pattern", id, r.name, strings.ToLower(r.status), c.labels[CAPEC])
	}
	return res
}
