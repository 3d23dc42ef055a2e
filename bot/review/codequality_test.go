package review

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The Code Quality report has GitLab's documented shape: a JSON array of
// objects with exactly description, check_name, fingerprint, severity and
// location {path, lines {begin}}, a known severity, unique fingerprints.
func TestCodeQualityShape(t *testing.T) {
	severities := map[string]bool{"info": true, "minor": true, "major": true, "critical": true, "blocker": true}
	for _, c := range goldenCases {
		rep := buildReport(t, c.name)
		var b bytes.Buffer
		if err := rep.WriteCodeQuality(&b); err != nil {
			t.Fatal(err)
		}
		var doc []map[string]any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatalf("%s: not a JSON array of objects: %v", c.name, err)
		}
		fps := map[string]bool{}
		for _, iss := range doc {
			if len(iss) != 5 {
				t.Errorf("%s: keys %v", c.name, iss)
			}
			for _, k := range []string{"description", "check_name", "fingerprint", "severity"} {
				if s, ok := iss[k].(string); !ok || s == "" {
					t.Errorf("%s: %s is not a non-empty string: %v", c.name, k, iss)
				}
			}
			if !severities[iss["severity"].(string)] {
				t.Errorf("%s: severity %v", c.name, iss["severity"])
			}
			fp := iss["fingerprint"].(string)
			if fps[fp] {
				t.Errorf("%s: fingerprint %s twice", c.name, fp)
			}
			fps[fp] = true
			loc, _ := iss["location"].(map[string]any)
			path, _ := loc["path"].(string)
			lines, _ := loc["lines"].(map[string]any)
			begin, _ := lines["begin"].(float64)
			if path == "" || strings.HasPrefix(path, "/") || begin < 1 || len(loc) != 2 || len(lines) != 1 {
				t.Errorf("%s: location %v", c.name, loc)
			}
		}
		if c.name == "alpinepay-blocking" {
			want := map[string]string{}
			for _, iss := range doc {
				if iss["check_name"] == RuleNewUnmitigated && strings.Contains(iss["description"].(string), "prompt-injection-support") {
					want["threat"] = iss["severity"].(string)
				}
			}
			if want["threat"] != "critical" {
				t.Errorf("the blocking threat is %q, want critical", want["threat"])
			}
		}
	}
	// Stable across an edit above: the fingerprint does not hold the line.
	rep := buildReport(t, "alpinepay-blocking")
	before := rep.CodeQuality()
	for i := range rep.Models[0].NewUnmitigated {
		rep.Models[0].NewUnmitigated[i].Line += 3
	}
	after := rep.CodeQuality()
	for i := range before {
		if before[i].Fingerprint != after[i].Fingerprint {
			t.Errorf("fingerprint of %s moved with its line", before[i].Description)
		}
	}
}

// Every SARIF rule carries the tag "security", a security-severity GitHub
// can rank, and a helpUri whose anchor exists in the documentation; every
// default policy has its section in docs/policies.md.
func TestSARIFRuleProperties(t *testing.T) {
	anchors := map[string]map[string]bool{}
	for _, doc := range []string{"policies.md", "review.md", "format.md"} {
		anchors[doc] = docAnchors(t, "../../docs/"+doc)
	}
	check := func(uri string) {
		t.Helper()
		rest, ok := strings.CutPrefix(uri, DocsURL)
		if !ok {
			t.Errorf("helpUri %q is not in the documentation", uri)
			return
		}
		doc, frag, _ := strings.Cut(rest, "#")
		a, ok := anchors[doc]
		if !ok || (frag != "" && !a[frag]) {
			t.Errorf("helpUri %q: no such page or anchor", uri)
		}
	}
	for name := range defaultRules() {
		check(ruleHelpURI(name, "policies/"+name+".cue", defaultRules()))
	}
	for _, c := range goldenCases {
		var b bytes.Buffer
		if err := buildReport(t, c.name).SARIF(&b, "test"); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Runs []struct {
				Tool struct {
					Driver struct {
						Rules []struct {
							ID         string `json:"id"`
							HelpURI    string `json:"helpUri"`
							Properties struct {
								SecuritySeverity string   `json:"security-severity"`
								Tags             []string `json:"tags"`
							} `json:"properties"`
						} `json:"rules"`
					} `json:"driver"`
				} `json:"tool"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Runs[0].Tool.Driver.Rules {
			sc, err := strconv.ParseFloat(r.Properties.SecuritySeverity, 64)
			if err != nil || sc < 0.1 || sc > 10 {
				t.Errorf("%s: rule %s security-severity %q", c.name, r.ID, r.Properties.SecuritySeverity)
			}
			if len(r.Properties.Tags) != 1 || r.Properties.Tags[0] != "security" {
				t.Errorf("%s: rule %s tags %v", c.name, r.ID, r.Properties.Tags)
			}
			check(r.HelpURI)
			if r.ID == RuleNewUnmitigated && c.name == "alpinepay-blocking" && sc <= 9.0 {
				t.Errorf("a new critical threat ranks %v, want critical (over 9.0)", sc)
			}
		}
	}
}

// docAnchors lists the anchors GitHub gives the headings of a Markdown
// file: lower case, punctuation other than - and _ dropped, spaces to
// dashes.
func docAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	drop := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	fence := false
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(l, "#"))
		a := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(h), ""), " ", "-")
		out[a] = true
	}
	return out
}
