// Command gen builds the compact catalog data in bot/catalog/data from the
// reference catalogs in shared/reference (see its README.md).
//
// Run it from bot/catalog with `go generate`:
//
//	//go:generate go run ./gen -ref ../../../shared/reference
//
// It reads the ATT&CK, CAPEC and CWE TSVs, ATLAS.yaml and the OWASP YAML,
// checks the ids against the formats in the reference README, and writes
// one small TSV per catalog (only the columns the catalog needs) plus
// versions.tsv. Output is sorted and deterministic, so a re-run over the
// same reference data leaves the files unchanged.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Versions that are not written inside the reference files themselves;
// they come from the reference README (ATT&CK v18.1 and CAPEC 3.9 are both
// taken from github.com/mitre/cti at commit 421deacb7719, 2025-11-13).
const (
	defaultAttackVersion = "v18.1"
	defaultCAPECVersion  = "3.9"
)

// laterCWE lists CWE entries that are newer than the CWE release in the
// reference data but that the bot must accept (with a warning). The
// reference README names CWE-1427 as the gap: added in CWE 4.16, November
// 2024, and the CWE for prompt injection.
var laterCWE = []struct{ id, name, added string }{
	{"CWE-1427", "Improper Neutralization of Input Used for LLM Prompting", "4.16 (November 2024)"},
}

var (
	reAttack   = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	reAtlas    = regexp.MustCompile(`^AML\.(T\d{4}(\.\d{3})?|TA\d{4}|M\d{4})$`)
	reCWE      = regexp.MustCompile(`^CWE-[1-9]\d*$`)
	reCAPEC    = regexp.MustCompile(`^CAPEC-[1-9]\d*$`)
	reOWASP    = regexp.MustCompile(`^(LLM|ML|ASI)(0[1-9]|10)$`)
	reCWEFile  = regexp.MustCompile(`^cwe-(\d+\.\d+)\.tsv$`)
	reYearFmt  = regexp.MustCompile(`^\{id\}:(\d{4})$`)
	reYear     = regexp.MustCompile(`^\d{4}$`)
	reTitleCut = regexp.MustCompile(`\s+(-\s+superseded\b.*|\(released [^)]*\))$`)
)

func main() {
	ref := flag.String("ref", "../../../shared/reference", "reference data directory (shared/reference)")
	out := flag.String("out", "data", "output directory")
	attackVersion := flag.String("attack-version", defaultAttackVersion, "ATT&CK Enterprise version of attack/enterprise-techniques.tsv")
	capecVersion := flag.String("capec-version", defaultCAPECVersion, "CAPEC version of capec/capec-attack-patterns.tsv")
	flag.Parse()
	g := &gen{ref: *ref, out: *out}
	if err := g.run(*attackVersion, *capecVersion); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type gen struct {
	ref, out string
	versions [][]string
}

func (g *gen) run(attackVersion, capecVersion string) error {
	if err := os.MkdirAll(g.out, 0o755); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return g.attack(attackVersion) },
		g.atlas,
		g.owasp,
		g.cwe,
		func() error { return g.capec(capecVersion) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return g.write("versions.tsv", []string{"kind", "label", "version"}, g.versions)
}

// attack writes attack.tsv: id, name, status (empty when active), revoked_by.
func (g *gen) attack(version string) error {
	rows, err := readTSV(filepath.Join(g.ref, "attack", "enterprise-techniques.tsv"),
		"id", "name", "tactics", "status", "revoked_by")
	if err != nil {
		return err
	}
	seen := map[string]string{}
	var out [][]string
	for _, r := range rows {
		id, name, status, by := r[0], r[1], r[3], r[4]
		if !reAttack.MatchString(id) {
			return fmt.Errorf("attack: bad id %q", id)
		}
		if _, dup := seen[id]; dup {
			return fmt.Errorf("attack: duplicate id %s", id)
		}
		seen[id] = status
		switch status {
		case "active":
			status = ""
		case "deprecated":
		case "revoked":
			if by == "" {
				return fmt.Errorf("attack: %s is revoked without revoked_by", id)
			}
		default:
			return fmt.Errorf("attack: %s has unknown status %q", id, status)
		}
		if status != "revoked" && by != "" {
			return fmt.Errorf("attack: %s is %q but has revoked_by %s", id, r[3], by)
		}
		out = append(out, []string{id, name, status, by})
	}
	for _, r := range out {
		if r[3] != "" {
			if _, ok := seen[r[3]]; !ok {
				return fmt.Errorf("attack: %s is revoked by unknown %s", r[0], r[3])
			}
		}
		if parent, _, ok := strings.Cut(r[0], "."); ok {
			if _, ok := seen[parent]; !ok {
				return fmt.Errorf("attack: sub-technique %s has no parent", r[0])
			}
		}
	}
	sortRows(out)
	g.versions = append(g.versions, []string{"attack", "MITRE ATT&CK Enterprise " + version, version})
	return g.write("attack.tsv", []string{"id", "name", "status", "revoked_by"}, out)
}

type atlasObject struct {
	ID             string `yaml:"id"`
	Name           string `yaml:"name"`
	SubtechniqueOf string `yaml:"subtechnique-of"`
	// None of these occur in ATLAS 5.6.0; they are read so that a later
	// release that marks objects deprecated is carried through.
	Deprecated bool   `yaml:"deprecated"`
	Revoked    bool   `yaml:"revoked"`
	Status     string `yaml:"status"`
}

// atlas writes atlas.tsv: id, name, status (empty, or "deprecated").
func (g *gen) atlas() error {
	b, err := os.ReadFile(filepath.Join(g.ref, "atlas", "ATLAS.yaml"))
	if err != nil {
		return err
	}
	var doc struct {
		Version  string `yaml:"version"`
		Matrices []struct {
			Tactics     []atlasObject `yaml:"tactics"`
			Techniques  []atlasObject `yaml:"techniques"`
			Mitigations []atlasObject `yaml:"mitigations"`
		} `yaml:"matrices"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("atlas: %w", err)
	}
	if doc.Version == "" || len(doc.Matrices) == 0 {
		return errors.New("atlas: ATLAS.yaml has no version or no matrices")
	}
	seen := map[string]bool{}
	var out [][]string
	for _, m := range doc.Matrices {
		for _, group := range [][]atlasObject{m.Tactics, m.Techniques, m.Mitigations} {
			for _, o := range group {
				if !reAtlas.MatchString(o.ID) {
					return fmt.Errorf("atlas: bad id %q", o.ID)
				}
				if seen[o.ID] {
					continue // the same object in two matrices
				}
				seen[o.ID] = true
				if parent, _, ok := strings.Cut(strings.TrimPrefix(o.ID, "AML."), "."); ok && o.SubtechniqueOf != "AML."+parent {
					return fmt.Errorf("atlas: %s is a sub-technique of %q", o.ID, o.SubtechniqueOf)
				}
				status := ""
				name := strings.TrimSpace(o.Name)
				if o.Deprecated || o.Revoked || strings.EqualFold(o.Status, "deprecated") ||
					strings.HasPrefix(strings.ToUpper(name), "DEPRECATED") {
					status = "deprecated"
				}
				out = append(out, []string{o.ID, name, status})
			}
		}
	}
	for _, r := range out {
		if parent, _, ok := strings.Cut(strings.TrimPrefix(r[0], "AML."), "."); ok && !seen["AML."+parent] {
			return fmt.Errorf("atlas: sub-technique %s has no parent", r[0])
		}
	}
	sortRows(out)
	g.versions = append(g.versions, []string{"atlas", "MITRE ATLAS v" + doc.Version, doc.Version})
	return g.write("atlas.tsv", []string{"id", "name", "status"}, out)
}

// owasp writes owasp.tsv. A row with an empty id describes a list: key,
// "", year, title, home page, status ("current" or "superseded"). Item
// rows: key, id, year, title, url (empty when the YAML has none).
func (g *gen) owasp() error {
	b, err := os.ReadFile(filepath.Join(g.ref, "owasp", "owasp-ai-top10.yaml"))
	if err != nil {
		return err
	}
	var doc struct {
		Lists []struct {
			Key             string `yaml:"key"`
			Title           string `yaml:"title"`
			Version         string `yaml:"version"`
			QualifiedFormat string `yaml:"qualified_format"`
			URLBase         string `yaml:"url_base"`
			Source          struct {
				Repository  string `yaml:"repository"`
				ReleasePage string `yaml:"release_page"`
			} `yaml:"source"`
			Items []struct {
				ID    string `yaml:"id"`
				Title string `yaml:"title"`
				URL   string `yaml:"url"`
			} `yaml:"items"`
		} `yaml:"lists"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("owasp: %w", err)
	}
	type list struct {
		key, prefix, year, title, home string
		items                          [][]string
	}
	var lists []*list
	latest := map[string]string{} // prefix -> newest year
	for _, l := range doc.Lists {
		year := ""
		if m := reYearFmt.FindStringSubmatch(l.QualifiedFormat); m != nil {
			year = m[1]
		} else if reYear.MatchString(l.Version) {
			year = l.Version
		} else {
			return fmt.Errorf("owasp: list %s has no year", l.Key)
		}
		home := l.Source.ReleasePage
		if home == "" {
			repo := strings.TrimPrefix(l.Source.Repository, "github.com/OWASP/")
			if !strings.HasPrefix(repo, "www-project-") {
				return fmt.Errorf("owasp: list %s: no home page for repository %q", l.Key, l.Source.Repository)
			}
			// OWASP publishes the repository www-project-X at owasp.org/www-project-X/.
			home = "https://owasp.org/" + repo + "/"
		}
		ls := &list{key: l.Key, year: year, home: home,
			title: reTitleCut.ReplaceAllString(strings.TrimSpace(l.Title), "")}
		for _, it := range l.Items {
			m := reOWASP.FindStringSubmatch(it.ID)
			if m == nil {
				return fmt.Errorf("owasp: list %s: bad id %q", l.Key, it.ID)
			}
			if ls.prefix == "" {
				ls.prefix = m[1]
			} else if ls.prefix != m[1] {
				return fmt.Errorf("owasp: list %s mixes %s and %s", l.Key, ls.prefix, m[1])
			}
			if it.URL != "" && !strings.HasPrefix(it.URL, "https://") {
				return fmt.Errorf("owasp: %s:%s: bad url %q", it.ID, year, it.URL)
			}
			ls.items = append(ls.items, []string{l.Key, it.ID, year, strings.TrimSpace(it.Title), it.URL})
		}
		if len(ls.items) == 0 {
			return fmt.Errorf("owasp: list %s has no items", l.Key)
		}
		for _, other := range lists {
			if other.prefix == ls.prefix && other.year == ls.year {
				return fmt.Errorf("owasp: lists %s and %s are both %s %s", other.key, ls.key, ls.prefix, ls.year)
			}
		}
		if ls.year > latest[ls.prefix] {
			latest[ls.prefix] = ls.year
		}
		lists = append(lists, ls)
	}
	var out [][]string
	for _, l := range lists {
		status := "current"
		if l.year != latest[l.prefix] {
			status = "superseded"
		}
		out = append(out, []string{l.key, "", l.year, l.title, l.home, status})
		sortRows(l.items)
		out = append(out, l.items...)
	}
	return g.write("owasp.tsv", []string{"list", "id", "year", "title", "url", "status (list rows only)"}, out)
}

// cwe writes cwe.tsv: id, kind (empty for a weakness), name, status (only
// Deprecated, Obsolete or "Added:<release>"), mapping usage (empty when
// Allowed).
func (g *gen) cwe() error {
	files, err := filepath.Glob(filepath.Join(g.ref, "cwe", "cwe-*.tsv"))
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("cwe: want one cwe/cwe-VERSION.tsv, found %d", len(files))
	}
	m := reCWEFile.FindStringSubmatch(filepath.Base(files[0]))
	if m == nil {
		return fmt.Errorf("cwe: cannot read the version from %s", files[0])
	}
	version := m[1]
	rows, err := readTSV(files[0], "id", "kind", "name", "abstraction", "status", "mapping_usage")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var out [][]string
	for _, r := range rows {
		id, kind, name, status, usage := r[0], r[1], r[2], r[4], r[5]
		if !reCWE.MatchString(id) {
			return fmt.Errorf("cwe: bad id %q", id)
		}
		if seen[id] {
			return fmt.Errorf("cwe: duplicate id %s", id)
		}
		seen[id] = true
		switch kind {
		case "weakness":
			kind = ""
		case "category", "view":
		default:
			return fmt.Errorf("cwe: %s has unknown kind %q", id, kind)
		}
		switch status {
		case "Deprecated", "Obsolete":
		case "Draft", "Incomplete", "Stable", "Usable":
			status = ""
		default:
			return fmt.Errorf("cwe: %s has unknown status %q", id, status)
		}
		switch usage {
		case "Allowed":
			usage = ""
		case "Allowed-with-Review", "Discouraged", "Prohibited":
		default:
			return fmt.Errorf("cwe: %s has unknown mapping usage %q", id, usage)
		}
		out = append(out, []string{id, kind, name, status, usage})
	}
	for _, l := range laterCWE {
		if seen[l.id] {
			continue // the data has caught up
		}
		out = append(out, []string{l.id, "", l.name, "Added:" + l.added, ""})
	}
	sortRows(out)
	g.versions = append(g.versions, []string{"cwe", "CWE " + version, version})
	return g.write("cwe.tsv", []string{"id", "kind", "name", "status", "mapping_usage"}, out)
}

// capec writes capec.tsv: id, name, status (only Deprecated or Obsolete).
func (g *gen) capec(version string) error {
	rows, err := readTSV(filepath.Join(g.ref, "capec", "capec-attack-patterns.tsv"),
		"id", "name", "abstraction", "status", "related_cwes")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var out [][]string
	for _, r := range rows {
		id, name, status := r[0], r[1], r[3]
		if !reCAPEC.MatchString(id) {
			return fmt.Errorf("capec: bad id %q", id)
		}
		if seen[id] {
			return fmt.Errorf("capec: duplicate id %s", id)
		}
		seen[id] = true
		switch status {
		case "Deprecated", "Obsolete":
		case "Draft", "Stable", "Usable", "Incomplete":
			status = ""
		default:
			return fmt.Errorf("capec: %s has unknown status %q", id, status)
		}
		out = append(out, []string{id, name, status})
	}
	sortRows(out)
	g.versions = append(g.versions, []string{"capec", "CAPEC " + version, version})
	return g.write("capec.tsv", []string{"id", "name", "status"}, out)
}
