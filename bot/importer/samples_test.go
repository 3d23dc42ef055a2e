package importer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/model"
)

var (
	loaderOnce sync.Once
	loader     *model.Loader
	loaderErr  error
)

// testLoader is the real validator, built once for the package's tests.
func testLoader(t *testing.T) *model.Loader {
	t.Helper()
	loaderOnce.Do(func() { loader, loaderErr = model.NewLoader(model.DefaultLimits()) })
	if loaderErr != nil {
		t.Fatal(loaderErr)
	}
	return loader
}

var importTime = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// importAndValidate imports a file, writes it as YAML, and loads that with
// the real validator; the model must be valid.
func importAndValidate(t *testing.T, format, file string) (*Result, *model.Model, []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(context.Background(), format, file, data, Options{Now: importTime})
	if err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	out, err := res.Doc.YAML("imported from " + file)
	if err != nil {
		t.Fatal(err)
	}
	lr := testLoader(t).Load(context.Background(), "imported.threatmodel.yaml", out)
	for _, d := range lr.Diagnostics {
		if d.Severity == model.SeverityError {
			t.Errorf("%s: %s (field %s)", file, d, d.Field)
		}
	}
	if !lr.Valid {
		t.Fatalf("the imported model of %s does not validate", file)
	}
	return res, lr.Model, out
}

// counts of the source, computed here from the source's own structure,
// independently of the importer.
type sourceCounts struct{ components, flows, threats, mitigations int }

func readJSON(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func readYAML(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func arr(v any) []any { a, _ := v.([]any); return a }
func mp(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func countOTM(doc map[string]any) sourceCounts {
	return sourceCounts{len(arr(doc["components"])), len(arr(doc["dataflows"])), len(arr(doc["threats"])), len(arr(doc["mitigations"]))}
}

func TestImportRealSamples(t *testing.T) {
	cases := []struct {
		format, file string
		count        func(t *testing.T, file string) sourceCounts
	}{
		{FormatOTM, "testdata/otm/EXAMPLE.json", func(t *testing.T, f string) sourceCounts { return countOTM(readJSON(t, f)) }},
		{FormatOTM, "testdata/otm/EXAMPLE.yaml", func(t *testing.T, f string) sourceCounts { return countOTM(readYAML(t, f)) }},
		{FormatOTM, "testdata/otm/mobile-cloud.otm.json", func(t *testing.T, f string) sourceCounts { return countOTM(readJSON(t, f)) }},
		{FormatThreagile, "testdata/threagile/threagile-example-model.yaml", func(t *testing.T, f string) sourceCounts {
			doc := readYAML(t, f)
			var c sourceCounts
			for _, ta := range mp(doc["technical_assets"]) {
				c.components++
				c.flows += len(mp(mp(ta)["communication_links"]))
			}
			for _, cat := range mp(doc["individual_risk_categories"]) {
				c.threats += len(mp(mp(cat)["risks_identified"]))
				if strings.TrimSpace(mp(cat)["mitigation"].(string)) != "" {
					c.mitigations++
				}
			}
			return c
		}},
		{FormatThreatComposer, "testdata/threat-composer/GenAIChatbot.tc.json", func(t *testing.T, f string) sourceCounts {
			doc := readJSON(t, f)
			return sourceCounts{0, 0, len(arr(doc["threats"])), len(arr(doc["mitigations"]))}
		}},
		{FormatThreatDragon, "testdata/threat-dragon/v2-threat-model.json", func(t *testing.T, f string) sourceCounts {
			doc := readJSON(t, f)
			var c sourceCounts
			for _, dg := range arr(mp(doc["detail"])["diagrams"]) {
				elements := map[any]bool{}
				for _, cell := range arr(mp(dg)["cells"]) {
					switch mp(mp(cell)["data"])["type"] {
					case "tm.Actor", "tm.Process", "tm.Store":
						elements[mp(cell)["id"]] = true
					}
				}
				for _, cell := range arr(mp(dg)["cells"]) {
					data := mp(mp(cell)["data"])
					switch data["type"] {
					case "tm.Actor", "tm.Process", "tm.Store":
						c.components++
					case "tm.Flow":
						// A flow whose arrow ends at a point rather than at
						// an element cannot be a flow; the source has one.
						if elements[mp(mp(cell)["source"])["cell"]] && elements[mp(mp(cell)["target"])["cell"]] {
							c.flows++
						}
					}
					for _, th := range arr(data["threats"]) {
						c.threats++
						if m, _ := mp(th)["mitigation"].(string); strings.TrimSpace(m) != "" {
							c.mitigations++
						}
					}
				}
			}
			return c
		}},
		{FormatTMBOM, "testdata/tmbom/husky-ai-threat-model.json", func(t *testing.T, f string) sourceCounts {
			doc := readJSON(t, f)
			names := map[any]bool{}
			for _, s := range []string{"actors", "components", "data_stores"} {
				for _, e := range arr(doc[s]) {
					names[mp(e)["symbolic_name"]] = true
				}
			}
			// The source has a flow from an actor "user" that it never
			// defines; such a flow cannot be a flow.
			flows := 0
			for _, f := range arr(doc["data_flows"]) {
				if names[mp(mp(f)["source"])["object"]] && names[mp(mp(f)["destination"])["object"]] {
					flows++
				}
			}
			return sourceCounts{len(names), flows, len(arr(doc["threats"])), len(arr(doc["controls"]))}
		}},
		{FormatPytm, "testdata/pytm/tm-sample.json", func(t *testing.T, f string) sourceCounts {
			doc := readJSON(t, f)
			libThreats := map[string]bool{}
			for _, fi := range arr(doc["findings"]) {
				if m, _ := mp(fi)["mitigations"].(string); strings.TrimSpace(m) != "" {
					libThreats[mp(fi)["threat_id"].(string)] = true
				}
			}
			return sourceCounts{len(arr(doc["elements"])), len(arr(doc["flows"])), len(arr(doc["findings"])), len(libThreats)}
		}},
	}
	for _, c := range cases {
		t.Run(c.format+"/"+filepath.Base(c.file), func(t *testing.T) {
			t.Parallel()
			want := c.count(t, c.file)
			res, m, _ := importAndValidate(t, c.format, c.file)
			got := sourceCounts{len(m.Components), len(m.Flows), len(m.Threats), len(m.Mitigations)}
			if got != want {
				t.Errorf("counts (components, flows, threats, mitigations): got %+v, the source has %+v", got, want)
			}
			if want.threats == 0 && want.components == 0 {
				t.Errorf("the sample holds nothing: the count function is wrong")
			}
			rc := res.Report.Counts
			if rc.Components != got.components || rc.Flows != got.flows || rc.Threats != got.threats || rc.Mitigations != got.mitigations {
				t.Errorf("the report's counts %+v differ from the model's %+v", rc, got)
			}
		})
	}
}
