package catalog

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func mustLoad(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// want describes the expected Result. Exact fields are compared when set;
// the *Has fields list substrings that the message must contain.
type want struct {
	known    bool
	id, name string // Entry.ID and Entry.Name when known
	url      string

	err      string   // exact Error
	errHas   []string // substrings of Error (Error must be non-empty)
	warn     string   // exact Warning
	warnHas  []string // substrings of Warning (Warning must be non-empty)
	warnNot  []string // substrings the Warning must not contain
	noRemark bool     // neither Error nor Warning
}

func checkResult(t *testing.T, kind Kind, id string, r Result, w want) {
	t.Helper()
	if r.Known != w.known {
		t.Errorf("Check(%s, %q).Known = %v, want %v (error %q)", kind, id, r.Known, w.known, r.Error)
	}
	if w.known {
		if r.Error != "" {
			t.Errorf("Check(%s, %q): known id has error %q", kind, id, r.Error)
		}
		if r.Entry.Kind != kind {
			t.Errorf("Check(%s, %q).Entry.Kind = %q", kind, id, r.Entry.Kind)
		}
		if r.Entry.URL == "" {
			t.Errorf("Check(%s, %q).Entry.URL is empty", kind, id)
		}
	} else {
		if r.Error == "" {
			t.Errorf("Check(%s, %q): unknown id has no error", kind, id)
		}
		if r.Entry != (Entry{}) {
			t.Errorf("Check(%s, %q): unknown id has entry %+v", kind, id, r.Entry)
		}
	}
	if w.id != "" && r.Entry.ID != w.id {
		t.Errorf("Check(%s, %q).Entry.ID = %q, want %q", kind, id, r.Entry.ID, w.id)
	}
	if w.name != "" && r.Entry.Name != w.name {
		t.Errorf("Check(%s, %q).Entry.Name = %q, want %q", kind, id, r.Entry.Name, w.name)
	}
	if w.url != "" && r.Entry.URL != w.url {
		t.Errorf("Check(%s, %q).Entry.URL = %q, want %q", kind, id, r.Entry.URL, w.url)
	}
	if w.err != "" && r.Error != w.err {
		t.Errorf("Check(%s, %q).Error =\n  %q\nwant\n  %q", kind, id, r.Error, w.err)
	}
	for _, s := range w.errHas {
		if !strings.Contains(r.Error, s) {
			t.Errorf("Check(%s, %q).Error = %q, want it to contain %q", kind, id, r.Error, s)
		}
	}
	if w.warn != "" && r.Warning != w.warn {
		t.Errorf("Check(%s, %q).Warning =\n  %q\nwant\n  %q", kind, id, r.Warning, w.warn)
	}
	if len(w.warnHas) > 0 && r.Warning == "" {
		t.Errorf("Check(%s, %q) has no warning", kind, id)
	}
	for _, s := range w.warnHas {
		if !strings.Contains(r.Warning, s) {
			t.Errorf("Check(%s, %q).Warning = %q, want it to contain %q", kind, id, r.Warning, s)
		}
	}
	for _, s := range w.warnNot {
		if strings.Contains(r.Warning, s) {
			t.Errorf("Check(%s, %q).Warning = %q, want it not to contain %q", kind, id, r.Warning, s)
		}
	}
	if w.noRemark && (r.Error != "" || r.Warning != "") {
		t.Errorf("Check(%s, %q) = error %q, warning %q; want neither", kind, id, r.Error, r.Warning)
	}
	if w.noRemark != r.OK() {
		t.Errorf("Check(%s, %q).OK() = %v", kind, id, r.OK())
	}
}

type checkCase struct {
	kind Kind
	id   string
	want want
}

func runChecks(t *testing.T, cases []checkCase) {
	t.Helper()
	c := mustLoad(t)
	for _, tc := range cases {
		t.Run(string(tc.kind)+"/"+tc.id, func(t *testing.T) {
			r := c.Check(tc.kind, tc.id)
			checkResult(t, tc.kind, tc.id, r, tc.want)
			e, ok := c.Lookup(tc.kind, tc.id)
			if ok != r.Known || e != r.Entry {
				t.Errorf("Lookup(%s, %q) = %+v, %v; Check gave %+v, %v", tc.kind, tc.id, e, ok, r.Entry, r.Known)
			}
		})
	}
}

func TestCheckATTACK(t *testing.T) {
	runChecks(t, []checkCase{
		{ATTACK, "T1566", want{known: true, id: "T1566", name: "Phishing", url: "https://attack.mitre.org/techniques/T1566/", noRemark: true}},
		// A sub-technique's display name joins its parent's.
		{ATTACK, "T1566.001", want{known: true, id: "T1566.001", name: "Phishing: Spearphishing Attachment",
			url: "https://attack.mitre.org/techniques/T1566/001/", noRemark: true}},
		{ATTACK, "T1190", want{known: true, name: "Exploit Public-Facing Application", noRemark: true}},

		// Malformed.
		{ATTACK, "T15666", want{err: `"T15666" is not an ATT&CK technique id: expected T and four digits, optionally .NNN (T1566, T1566.001)`}},
		{ATTACK, "T1566.1", want{errHas: []string{"is not an ATT&CK technique id", "T1566.001"}}},
		{ATTACK, "1566", want{errHas: []string{"is not an ATT&CK technique id"}}},
		{ATTACK, "", want{errHas: []string{`"" is not an ATT&CK technique id`}}},
		{ATTACK, "TA0001", want{errHas: []string{"tactic", "technique"}}},
		{ATTACK, "AML.T0051", want{errHas: []string{"ATLAS", "atlas"}}},
		{ATTACK, " T1566", want{errHas: []string{"spaces"}}},

		// Unknown.
		{ATTACK, "T9999", want{err: `"T9999" is not in MITRE ATT&CK Enterprise v18.1`}},
		{ATTACK, "T1566.999", want{errHas: []string{"is not in MITRE ATT&CK Enterprise v18.1", "T1566 (Phishing)"}}},

		// Case: an error that names the right spelling.
		{ATTACK, "t1566", want{errHas: []string{"case-sensitive", "T1566", "Phishing"}}},
		{ATTACK, "t1566.001", want{errHas: []string{"T1566.001"}}},
		{ATTACK, "t9999", want{errHas: []string{"case-sensitive", `"T9999" is not in MITRE ATT&CK Enterprise v18.1`}}},

		// Revoked: a warning naming revoked_by.
		{ATTACK, "T1002", want{known: true, id: "T1002", name: "Data Compressed",
			warn: "T1002 was revoked in ATT&CK; use T1560 (Archive Collected Data) instead"}},
		{ATTACK, "T1004", want{known: true, warn: "T1004 was revoked in ATT&CK; use T1547.004 (Boot or Logon Autostart Execution: Winlogon Helper DLL) instead"}},
		// A revoked sub-technique, and chains of revocations: the warning
		// names the final, active replacement.
		{ATTACK, "T1574.002", want{known: true, name: "Hijack Execution Flow: DLL Side-Loading",
			warnHas: []string{"T1574.002 was revoked in ATT&CK; use T1574.001 (Hijack Execution Flow: DLL) instead"}}},
		{ATTACK, "T1073", want{known: true, warnHas: []string{"use T1574.001 (Hijack Execution Flow: DLL) instead", "T1574.002"}}},
		{ATTACK, "T1150", want{known: true, warnHas: []string{"use T1647 (Plist File Modification) instead", "T1547.011"}}},

		// Deprecated: a warning.
		{ATTACK, "T1064", want{known: true, name: "Scripting", warnHas: []string{"T1064 (Scripting) is deprecated"}}},
		{ATTACK, "T1053.004", want{known: true, name: "Scheduled Task/Job: Launchd", warnHas: []string{"deprecated"}}},
	})
}

func TestCheckATLAS(t *testing.T) {
	runChecks(t, []checkCase{
		{ATLAS, "AML.T0051", want{known: true, name: "LLM Prompt Injection", url: "https://atlas.mitre.org/techniques/AML.T0051", noRemark: true}},
		{ATLAS, "AML.T0051.000", want{known: true, name: "LLM Prompt Injection: Direct",
			url: "https://atlas.mitre.org/techniques/AML.T0051.000", noRemark: true}},
		{ATLAS, "AML.TA0002", want{known: true, name: "Reconnaissance", url: "https://atlas.mitre.org/tactics/AML.TA0002", noRemark: true}},
		{ATLAS, "AML.TA0000", want{known: true, name: "AI Model Access", noRemark: true}},
		{ATLAS, "AML.M0000", want{known: true, name: "Limit Public Release of Information",
			url: "https://atlas.mitre.org/mitigations/AML.M0000", noRemark: true}},

		{ATLAS, "AML.T9999", want{err: `"AML.T9999" is not in MITRE ATLAS v5.6.0`}},
		{ATLAS, "AML.T0051.999", want{errHas: []string{"is not in MITRE ATLAS", "AML.T0051 (LLM Prompt Injection)"}}},
		{ATLAS, "AML.M9999", want{errHas: []string{"is not in MITRE ATLAS"}}},
		{ATLAS, "AML.T51", want{errHas: []string{`"AML.T51" is not an ATLAS id: expected AML.T and four digits`}}},
		{ATLAS, "AML.TA02", want{errHas: []string{"is not an ATLAS id"}}},
		{ATLAS, "T0051", want{errHas: []string{"is not an ATLAS id", "ATT&CK", "attack"}}},
		{ATLAS, "aml.t0051", want{errHas: []string{"case-sensitive", "AML.T0051"}}},
	})
}

func TestCheckOWASP(t *testing.T) {
	runChecks(t, []checkCase{
		// The accepted forms.
		{OWASP, "LLM01:2025", want{known: true, id: "LLM01:2025", name: "Prompt Injection",
			url: "https://genai.owasp.org/llmrisk/llm01-prompt-injection/", noRemark: true}},
		{OWASP, "LLM02:2025", want{known: true, name: "Sensitive Information Disclosure",
			url: "https://genai.owasp.org/llmrisk/llm022025-sensitive-information-disclosure/", noRemark: true}},
		{OWASP, "LLM10:2025", want{known: true, name: "Unbounded Consumption", noRemark: true}},
		{OWASP, "ML06:2023", want{known: true, id: "ML06:2023", name: "AI Supply Chain Attacks",
			url: "https://owasp.org/www-project-machine-learning-security-top-10/docs/ML06_2023-AI_Supply_Chain_Attacks.html", noRemark: true}},
		{OWASP, "ASI01:2026", want{known: true, id: "ASI01:2026", name: "Agent Goal Hijack",
			url: "https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/", noRemark: true}},
		{OWASP, "ASI10:2026", want{known: true, name: "Rogue Agents", noRemark: true}},

		// Bare ids: read as the current list, with a warning to write the year.
		{OWASP, "LLM01", want{known: true, id: "LLM01:2025", name: "Prompt Injection", warnHas: []string{"write LLM01:2025"}}},
		{OWASP, "ML01", want{known: true, id: "ML01:2023", name: "Input Manipulation Attack", warnHas: []string{"write ML01:2023"}}},
		{OWASP, "ASI03", want{known: true, id: "ASI03:2026", name: "Identity and Privilege Abuse", warnHas: []string{"write ASI03:2026"}}},

		// The superseded v1.1 list: known, with a warning naming the
		// closest 2025 item where there is one.
		{OWASP, "LLM02:2023", want{known: true, id: "LLM02:2023", name: "Insecure Output Handling",
			url:     "https://owasp.org/www-project-top-10-for-large-language-model-applications/",
			warnHas: []string{"superseded", "2025", "LLM05:2025 (Improper Output Handling)"}}},
		{OWASP, "LLM01:2023", want{known: true, warnHas: []string{"superseded", "LLM01:2025 (Prompt Injection)"}}},
		{OWASP, "LLM04:2023", want{known: true, name: "Model Denial of Service", warnHas: []string{"LLM10:2025 (Unbounded Consumption)"}}},
		{OWASP, "LLM09:2023", want{known: true, name: "Overreliance", warnHas: []string{"LLM09:2025 (Misinformation)"}}},
		{OWASP, "LLM10:2023", want{known: true, name: "Model Theft", warnHas: []string{"superseded"}, warnNot: []string{"closest"}}},
		{OWASP, "LLM07:2023", want{known: true, name: "Insecure Plugin Design", warnHas: []string{"superseded"}, warnNot: []string{"closest"}}},

		// Wrong year or number: an error listing the accepted forms.
		{OWASP, "LLM01:2024", want{errHas: []string{`"LLM01:2024" is not an OWASP id`, "LLMnn:2025", "MLnn:2023", "ASInn:2026", "LLMnn:2023"}}},
		{OWASP, "LLM11:2025", want{errHas: []string{"is not an OWASP id", "LLMnn:2025", "01 to 10"}}},
		{OWASP, "LLM00", want{errHas: []string{"is not an OWASP id"}}},
		{OWASP, "ML01:2025", want{errHas: []string{"is not an OWASP id", "MLnn:2023"}}},
		{OWASP, "ASI01:2025", want{errHas: []string{"is not an OWASP id", "ASInn:2026"}}},
		{OWASP, "LLM1", want{errHas: []string{"is not an OWASP id"}}},
		{OWASP, "LLM01:25", want{errHas: []string{"is not an OWASP id"}}},
		{OWASP, "A01:2021", want{errHas: []string{"is not an OWASP id"}}},
		{OWASP, "", want{errHas: []string{"is not an OWASP id"}}},

		// Case.
		{OWASP, "llm01:2025", want{errHas: []string{"case-sensitive", "LLM01:2025"}}},
		{OWASP, "asi01", want{errHas: []string{"case-sensitive", "ASI01:2026"}}},
	})
}

func TestCheckCWE(t *testing.T) {
	runChecks(t, []checkCase{
		{CWE, "CWE-79", want{known: true, name: "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
			url: "https://cwe.mitre.org/data/definitions/79.html", noRemark: true}},
		{CWE, "CWE-89", want{known: true, noRemark: true}},
		// Allowed-with-Review is allowed.
		{CWE, "CWE-77", want{known: true, noRemark: true}},

		// CWE-1427 is newer than the catalog: a warning, not an error.
		{CWE, "CWE-1427", want{known: true, name: "Improper Neutralization of Input Used for LLM Prompting",
			url: "https://cwe.mitre.org/data/definitions/1427.html", warnHas: []string{"CWE 4.16", "CWE 4.15", "predates"}}},

		// Mapping usage Discouraged or Prohibited.
		{CWE, "CWE-20", want{known: true, warnHas: []string{"CWE's own guidance says not to map to it", "Discouraged"}}},
		{CWE, "CWE-1426", want{known: true, name: "Improper Validation of Generative AI Output", warnHas: []string{"Discouraged"}}},
		{CWE, "CWE-1125", want{known: true, warnHas: []string{"CWE's own guidance says not to map to it", "Prohibited"}}},
		// Categories and views are Prohibited.
		{CWE, "CWE-2", want{known: true, name: "7PK - Environment",
			warnHas: []string{"category", "CWE's own guidance says not to map to it", "Prohibited", "categories and views", "pick a weakness"}}},
		{CWE, "CWE-1000", want{known: true, name: "Research Concepts", warnHas: []string{"view", "Prohibited", "pick a weakness"}}},
		// Deprecated.
		{CWE, "CWE-1", want{known: true, name: "DEPRECATED: Location", warnHas: []string{"deprecated", "CWE 4.15"}}},
		{CWE, "CWE-71", want{known: true, warnHas: []string{"deprecated weakness"}}},

		// Unknown.
		{CWE, "CWE-99999", want{err: `"CWE-99999" is not in CWE 4.15`}},
		{CWE, "CWE-1500", want{errHas: []string{"is not in CWE 4.15", "predates"}}},
		{CWE, "CWE-079", want{errHas: []string{"is not in CWE 4.15", "CWE-79"}}},
		// Malformed.
		{CWE, "CWE79", want{errHas: []string{`"CWE79" is not a CWE id: expected CWE- and a number (CWE-79)`}}},
		{CWE, "79", want{errHas: []string{"is not a CWE id"}}},
		{CWE, "CAPEC-66", want{errHas: []string{"is not a CWE id", "CAPEC", "capec"}}},
		// Case.
		{CWE, "cwe-79", want{errHas: []string{"case-sensitive", "CWE-79"}}},
		{CWE, "Cwe-1427", want{errHas: []string{"case-sensitive", "CWE-1427"}}},
	})
}

func TestCheckCAPEC(t *testing.T) {
	runChecks(t, []checkCase{
		{CAPEC, "CAPEC-66", want{known: true, name: "SQL Injection", url: "https://capec.mitre.org/data/definitions/66.html", noRemark: true}},
		{CAPEC, "CAPEC-56", want{known: true, name: "DEPRECATED: Removing/short-circuiting 'guard logic'",
			warnHas: []string{"deprecated", "CAPEC 3.9"}}},
		{CAPEC, "CAPEC-5", want{known: true, name: "Blue Boxing", warnHas: []string{"obsolete"}}},
		{CAPEC, "CAPEC-9999", want{err: `"CAPEC-9999" is not in CAPEC 3.9`}},
		{CAPEC, "CAPEC66", want{errHas: []string{"is not a CAPEC id", "CAPEC-66"}}},
		{CAPEC, "CWE-79", want{errHas: []string{"is not a CAPEC id", "CWE", "cwe"}}},
		{CAPEC, "capec-66", want{errHas: []string{"case-sensitive", "CAPEC-66"}}},
	})
}

func TestCheckUnknownKind(t *testing.T) {
	c := mustLoad(t)
	r := c.Check("stride", "S")
	if r.Known || r.Error == "" {
		t.Errorf("Check(stride) = %+v, want an error", r)
	}
	if _, ok := c.Lookup("stride", "S"); ok {
		t.Error("Lookup(stride) found something")
	}
}

func TestLink(t *testing.T) {
	for _, tc := range []struct {
		kind     Kind
		id, want string
	}{
		{ATTACK, "T1566", "https://attack.mitre.org/techniques/T1566/"},
		{ATTACK, "T1566.001", "https://attack.mitre.org/techniques/T1566/001/"},
		{ATTACK, "T9999", "https://attack.mitre.org/techniques/T9999/"}, // links need no catalog entry
		{ATTACK, "t1566", ""},
		{ATLAS, "AML.T0051.000", "https://atlas.mitre.org/techniques/AML.T0051.000"},
		{ATLAS, "AML.TA0002", "https://atlas.mitre.org/tactics/AML.TA0002"},
		{ATLAS, "AML.M0000", "https://atlas.mitre.org/mitigations/AML.M0000"},
		{ATLAS, "AML.X0000", ""},
		{CWE, "CWE-79", "https://cwe.mitre.org/data/definitions/79.html"},
		{CWE, "CWE-079", "https://cwe.mitre.org/data/definitions/79.html"},
		{CWE, "CWE-", ""},
		{CAPEC, "CAPEC-66", "https://capec.mitre.org/data/definitions/66.html"},
		{OWASP, "LLM01:2025", "https://genai.owasp.org/llmrisk/llm01-prompt-injection/"},
		{OWASP, "LLM01", "https://genai.owasp.org/llmrisk/llm01-prompt-injection/"},
		{OWASP, "LLM05:2025", "https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/"},
		{OWASP, "ML01:2023", "https://owasp.org/www-project-machine-learning-security-top-10/docs/ML01_2023-Input_Manipulation_Attack.html"},
		// No per-item URL: the list's home page.
		{OWASP, "LLM01:2023", "https://owasp.org/www-project-top-10-for-large-language-model-applications/"},
		{OWASP, "ASI02:2026", "https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/"},
		{OWASP, "LLM11:2025", ""},
		{"stride", "S", ""},
	} {
		if got := Link(tc.kind, tc.id); got != tc.want {
			t.Errorf("Link(%s, %q) = %q, want %q", tc.kind, tc.id, got, tc.want)
		}
	}
}

func TestSource(t *testing.T) {
	c := mustLoad(t)
	for kind, want := range map[Kind]string{
		ATTACK: "MITRE ATT&CK Enterprise v18.1",
		ATLAS:  "MITRE ATLAS v5.6.0",
		CWE:    "CWE 4.15",
		CAPEC:  "CAPEC 3.9",
	} {
		if got := c.Source(kind); got != want {
			t.Errorf("Source(%s) = %q, want %q", kind, got, want)
		}
	}
	if got := c.Source(OWASP); !strings.Contains(got, "2025") || strings.Contains(got, "v1.1") {
		t.Errorf("Source(owasp) = %q", got)
	}
}

// TestData checks the embedded data against the figures in the reference
// README, and that every entry checks as known.
func TestData(t *testing.T) {
	c := mustLoad(t)
	count := func(m map[string]record, status string) int {
		n := 0
		for _, r := range m {
			if r.status == status {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		what      string
		got, want int
	}{
		{"ATT&CK entries", len(c.attack), 835},
		{"ATT&CK active", count(c.attack, ""), 691},
		{"ATT&CK deprecated", count(c.attack, "deprecated"), 12},
		{"ATT&CK revoked", count(c.attack, "revoked"), 132},
		{"ATLAS entries (16 tactics, 170 techniques, 35 mitigations)", len(c.atlas), 16 + 170 + 35},
		{"CWE entries (4.15 plus CWE-1427)", len(c.cwe), 1427 + 1},
		{"CAPEC entries", len(c.capec), 615},
		{"CAPEC deprecated", count(c.capec, "Deprecated"), 56},
		{"OWASP lists", len(c.owasp.lists), 4},
		{"OWASP items", len(c.owasp.items), 40},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.what, tc.got, tc.want)
		}
	}
	for kind, m := range map[Kind]map[string]record{ATTACK: c.attack, ATLAS: c.atlas, CWE: c.cwe, CAPEC: c.capec} {
		for id := range m {
			r := c.Check(kind, id)
			if !r.Known || r.Error != "" || r.Entry.ID != id || r.Entry.Name == "" || r.Entry.URL != Link(kind, id) {
				t.Errorf("Check(%s, %q) = %+v", kind, id, r)
			}
		}
	}
	for id, it := range c.owasp.items {
		r := c.Check(OWASP, id)
		if !r.Known || r.Error != "" || r.Entry.ID != id || r.Entry.Name != it.title {
			t.Errorf("Check(owasp, %q) = %+v", id, r)
		}
		if it.list.superseded == (r.Warning == "") {
			t.Errorf("Check(owasp, %q): warning %q for a list superseded=%v", id, r.Warning, it.list.superseded)
		}
	}
	// Every revoked technique leads, perhaps through other revoked ones, to
	// one that is not revoked.
	for id, r := range c.attack {
		if r.status != "revoked" {
			continue
		}
		to := r.extra
		for i := 0; c.attack[to].status == "revoked"; i++ {
			if i > 5 {
				t.Fatalf("revocation chain from %s does not end", id)
			}
			to = c.attack[to].extra
		}
		if w := c.Check(ATTACK, id).Warning; !strings.Contains(w, "use "+to+" (") {
			t.Errorf("Check(attack, %s).Warning = %q, want it to name %s", id, w, to)
		}
	}
}

// TestATLASDeprecated feeds the loader an ATLAS file in which an entry is
// marked deprecated (ATLAS 5.6.0 has none), to check that it warns.
func TestATLASDeprecated(t *testing.T) {
	src := embedded()
	src.atlas = strings.Replace(src.atlas, "AML.T0000\tSearch Open Technical Databases\n",
		"AML.T0000\tSearch Open Technical Databases\tdeprecated\n", 1)
	if src.atlas == atlasData {
		t.Fatal("AML.T0000 not found in data/atlas.tsv")
	}
	c, err := load(src)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Check(ATLAS, "AML.T0000")
	if !r.Known || r.Error != "" || !strings.Contains(r.Warning, "deprecated") {
		t.Errorf("Check(atlas, AML.T0000) = %+v, want a deprecation warning", r)
	}
	if r := c.Check(ATLAS, "AML.T0000.000"); !r.OK() {
		t.Errorf("Check(atlas, AML.T0000.000) = %+v, want no remark", r)
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	for name, edit := range map[string]func(*sources){
		"malformed id":      func(s *sources) { s.attack += "X1234\tBad\n" },
		"duplicate id":      func(s *sources) { s.capec += "CAPEC-66\tSQL Injection\n" },
		"too many fields":   func(s *sources) { s.capec += "CAPEC-99999\ta\tb\tc\n" },
		"dangling revoke":   func(s *sources) { s.attack += "T9999\tGone\trevoked\tT9998\n" },
		"unknown status":    func(s *sources) { s.attack += "T9999\tOdd\tstrange\n" },
		"no versions":       func(s *sources) { s.versions = "" },
		"orphan owasp item": func(s *sources) { s.owasp += "nolist\tLLM01\t2025\tX\n" },
		"empty cwe":         func(s *sources) { s.cwe = "# nothing\n" },
	} {
		src := embedded()
		edit(&src)
		if _, err := load(src); err == nil {
			t.Errorf("%s: load succeeded", name)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := mustLoad(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := fmt.Sprintf("T%04d", 1000+(g*200+i)%700)
				c.Check(ATTACK, id)
				c.Check(OWASP, "LLM01")
				c.Check(CWE, "CWE-20")
			}
		}()
	}
	wg.Wait()
}

// TestGeneratedDataUpToDate re-runs the generator when the reference data
// is present (it is not in CI) and compares its output with data/.
func TestGeneratedDataUpToDate(t *testing.T) {
	ref := filepath.Join("..", "..", "..", "shared", "reference")
	if _, err := os.Stat(filepath.Join(ref, "README.md")); err != nil {
		t.Skip("reference data not present:", err)
	}
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-ref", ref, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(files) == 0 {
		t.Fatal("the generator wrote nothing")
	}
	for _, f := range files {
		got, _ := os.ReadFile(f)
		have, err := os.ReadFile(filepath.Join("data", filepath.Base(f)))
		if err != nil || !bytes.Equal(got, have) {
			t.Errorf("data/%s is out of date; run go generate ./bot/catalog", filepath.Base(f))
		}
	}
}

func ExampleCatalog_Check() {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	for _, q := range []struct {
		kind Kind
		id   string
	}{
		{ATTACK, "T1566.001"},
		{ATTACK, "T1002"},
		{ATTACK, "T15666"},
		{OWASP, "LLM01"},
	} {
		r := c.Check(q.kind, q.id)
		switch {
		case r.Error != "":
			fmt.Println("error:", r.Error)
		case r.Warning != "":
			fmt.Println("warning:", r.Warning)
		default:
			fmt.Println(r.Entry.ID, r.Entry.Name, r.Entry.URL)
		}
	}
	// Output:
	// T1566.001 Phishing: Spearphishing Attachment https://attack.mitre.org/techniques/T1566/001/
	// warning: T1002 was revoked in ATT&CK; use T1560 (Archive Collected Data) instead
	// error: "T15666" is not an ATT&CK technique id: expected T and four digits, optionally .NNN (T1566, T1566.001)
	// warning: "LLM01" is read as LLM01:2025 (Prompt Injection, OWASP Top 10 for LLM Applications 2025); write LLM01:2025, because LLM numbers mean different things in different editions
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	c := mustLoad(b)
	ids := []struct {
		kind Kind
		id   string
	}{
		{ATTACK, "T1566.001"}, {ATTACK, "T1002"}, {ATTACK, "T9999"},
		{ATLAS, "AML.T0051.000"}, {OWASP, "LLM01:2025"}, {OWASP, "LLM01"},
		{CWE, "CWE-79"}, {CWE, "CWE-20"}, {CAPEC, "CAPEC-66"}, {CWE, "cwe-79"},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := ids[i%len(ids)]
		c.Check(q.kind, q.id)
		i++
	}
}

func BenchmarkCheckKnown(b *testing.B) {
	c := mustLoad(b)
	b.ReportAllocs()
	for b.Loop() {
		c.Check(ATTACK, "T1566.001")
	}
}
