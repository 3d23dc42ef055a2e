package catalog

import (
	_ "embed"
	"errors"
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

// ---- OWASP ----

// owaspIndex is the parsed owasp.tsv.
type owaspIndex struct {
	lists []*owaspList            // in file order
	items map[string]owaspItem    // by canonical id, "LLM01:2025"
	cur   map[string]*owaspList   // current list by prefix ("LLM")
	years map[string][]*owaspList // all lists by prefix
}

type owaspList struct {
	key, prefix, year, title, home string
	superseded                     bool
	first, last                    string // lowest and highest item number, "01" and "10"
}

type owaspItem struct {
	list       *owaspList
	id         string // bare, "LLM01"
	title, url string
}

func parseOWASP(data string) (*owaspIndex, error) {
	x := &owaspIndex{
		items: make(map[string]owaspItem, 48),
		cur:   make(map[string]*owaspList, 4),
		years: make(map[string][]*owaspList, 4),
	}
	byKey := make(map[string]*owaspList, 4)
	err := eachRow("owasp.tsv", data, 4, 6, func(f []string) error {
		key, id, year, title, url, status := f[0], f[1], f[2], f[3], f[4], f[5]
		if id == "" { // a list
			if byKey[key] != nil {
				return fmt.Errorf("duplicate list %s", key)
			}
			if url == "" || (status != "current" && status != "superseded") {
				return fmt.Errorf("list %s needs a home page and a status", key)
			}
			l := &owaspList{key: key, year: year, title: title, home: url, superseded: status == "superseded"}
			byKey[key] = l
			x.lists = append(x.lists, l)
			return nil
		}
		l := byKey[key]
		if l == nil {
			return fmt.Errorf("item %s before its list %s", id, key)
		}
		prefix, num, y, ok := splitOWASP(id)
		if !ok || y != "" || year != l.year {
			return fmt.Errorf("bad item %q in list %s", id, key)
		}
		switch {
		case l.prefix == "":
			l.prefix, l.first, l.last = prefix, num, num
		case l.prefix != prefix:
			return fmt.Errorf("list %s mixes %s and %s", key, l.prefix, prefix)
		case num < l.first:
			l.first = num
		case num > l.last:
			l.last = num
		}
		canon := id + ":" + year
		if _, dup := x.items[canon]; dup {
			return fmt.Errorf("duplicate item %s", canon)
		}
		x.items[canon] = owaspItem{list: l, id: id, title: title, url: url}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, l := range x.lists {
		if l.prefix == "" {
			return nil, fmt.Errorf("catalog: data/owasp.tsv: list %s has no items", l.key)
		}
		x.years[l.prefix] = append(x.years[l.prefix], l)
		if !l.superseded {
			if x.cur[l.prefix] != nil {
				return nil, fmt.Errorf("catalog: data/owasp.tsv: two current %s lists", l.prefix)
			}
			x.cur[l.prefix] = l
		}
	}
	for p, ls := range x.years {
		if x.cur[p] == nil {
			return nil, fmt.Errorf("catalog: data/owasp.tsv: no current %s list (%s)", p, ls[0].key)
		}
	}
	if len(x.lists) == 0 {
		return nil, errors.New("catalog: data/owasp.tsv is empty")
	}
	return x, nil
}

// resolve finds the item an OWASP id names; a bare id ("LLM01") is read as
// the current list's. It returns false when the id names nothing.
func (x *owaspIndex) resolve(id string) (owaspItem, bool) {
	prefix, num, year, ok := splitOWASP(id)
	if !ok {
		return owaspItem{}, false
	}
	if year == "" {
		l := x.cur[prefix]
		if l == nil {
			return owaspItem{}, false
		}
		year = l.year
	}
	it, ok := x.items[prefix+num+":"+year]
	return it, ok
}

func (it owaspItem) entry() Entry {
	url := it.url
	if url == "" {
		url = it.list.home
	}
	return Entry{Kind: OWASP, ID: it.id + ":" + it.list.year, Name: it.title, URL: url}
}

func (c *Catalog) checkOWASP(id string) Result {
	x := c.owasp
	it, ok := x.resolve(id)
	if !ok {
		return Result{Error: c.malformed(OWASP, id)}
	}
	e := it.entry()
	res := Result{Entry: e, Known: true}
	if _, _, year, _ := splitOWASP(id); year == "" {
		res.Warning = fmt.Sprintf("%q is read as %s (%s, %s); write %s", id, e.ID, e.Name, it.list.title, e.ID)
		if len(x.years[it.list.prefix]) > 1 {
			res.Warning += fmt.Sprintf(", because %s numbers mean different things in different editions", it.list.prefix)
		}
		return res
	}
	if it.list.superseded {
		cur := x.cur[it.list.prefix]
		res.Warning = fmt.Sprintf("%s (%s) is from the %s, which is superseded by the %s", e.ID, e.Name, it.list.title, cur.title)
		if to := closestLLM2025(e.ID); to != "" && cur.year == "2025" {
			if t, ok := x.items[to]; ok {
				res.Warning += fmt.Sprintf("; the closest %s item is %s (%s)", cur.year, to, t.title)
				return res
			}
		}
		res.Warning += fmt.Sprintf("; it has no direct counterpart there, so pick the %s item that fits", cur.year)
	}
	return res
}

// closestLLM2025 maps an item of the OWASP LLM Top 10 v1.1 (2023) to the
// 2025 item whose meaning is closest, following the 2025 list's own account
// of what changed. LLM07:2023 Insecure Plugin Design and LLM10:2023 Model
// Theft have no direct counterpart.
func closestLLM2025(id string) string {
	switch id {
	case "LLM01:2023": // Prompt Injection
		return "LLM01:2025" // Prompt Injection
	case "LLM02:2023": // Insecure Output Handling
		return "LLM05:2025" // Improper Output Handling
	case "LLM03:2023": // Training Data Poisoning
		return "LLM04:2025" // Data and Model Poisoning
	case "LLM04:2023": // Model Denial of Service
		return "LLM10:2025" // Unbounded Consumption
	case "LLM05:2023": // Supply-Chain Vulnerabilities
		return "LLM03:2025" // Supply Chain
	case "LLM06:2023": // Sensitive Information Disclosure
		return "LLM02:2025" // Sensitive Information Disclosure
	case "LLM08:2023": // Excessive Agency
		return "LLM06:2025" // Excessive Agency
	case "LLM09:2023": // Overreliance
		return "LLM09:2025" // Misinformation
	}
	return ""
}

// forms lists the accepted OWASP forms: "LLMnn:2025 (OWASP Top 10 for
// LLM Applications 2025), ...".
func (x *owaspIndex) forms() string {
	var cur, old []string
	allTen := true
	for _, l := range x.lists {
		nn := "nn"
		if l.first != "01" || l.last != "10" {
			nn, allTen = l.first+"-"+l.last, false
		}
		s := fmt.Sprintf("%s%s:%s (%s)", l.prefix, nn, l.year, l.title)
		if l.superseded {
			old = append(old, s)
		} else {
			cur = append(cur, s)
		}
	}
	s := orList(cur)
	if allTen {
		s += ", with nn from 01 to 10"
	}
	if len(old) > 0 {
		s += "; also recognised, with a warning: " + orList(old)
	}
	return s
}

func orList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// ---- messages ----

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

// ---- links ----

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

// ---- id shapes ----

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

// splitOWASP splits "LLM01:2025" into "LLM", "01", "2025", and "LLM01" into
// "LLM", "01", "": a run of capital letters, two digits, and optionally a
// colon and a four-digit year.
func splitOWASP(s string) (prefix, num, year string, ok bool) {
	id, year, hasYear := strings.Cut(s, ":")
	if hasYear && (len(year) != 4 || !digits(year)) {
		return "", "", "", false
	}
	i := 0
	for i < len(id) && id[i] >= 'A' && id[i] <= 'Z' {
		i++
	}
	if i == 0 || len(id)-i != 2 || !digits(id[i:]) {
		return "", "", "", false
	}
	return id[:i], id[i:], year, true
}
