package importer

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tmbot/tmbot/bot/model"
)

// otmSchema compiles the vendored OTM 0.2 JSON Schema
// (testdata/otm-schema, see its SOURCE.md).
func otmSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile("testdata/otm-schema/otm_schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const id = "https://iriusrisk.com/schema/otm-0.2.0.schema.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// loadModel loads a model file with the real validator; it must be valid.
func loadModel(t *testing.T, name string, data []byte) *model.Model {
	t.Helper()
	lr := testLoader(t).Load(context.Background(), name, data)
	if !lr.Valid {
		for _, d := range lr.Errors() {
			t.Error(d)
		}
		t.Fatalf("%s does not validate", name)
	}
	return lr.Model
}

// comparable strips what loading adds (positions, the path) so that two
// loads of the same content compare equal.
func comparable(m *model.Model) *model.Model {
	c := *m
	c.Path = ""
	strip := func(p *model.Pos) { *p = model.Pos{} }
	for _, x := range c.Components {
		strip(&x.Pos)
	}
	for _, x := range c.Assets {
		strip(&x.Pos)
	}
	for _, x := range c.Flows {
		strip(&x.Pos)
	}
	for _, x := range c.Threats {
		strip(&x.Pos)
		strip(&x.StatusPos)
	}
	for _, x := range c.Mitigations {
		strip(&x.Pos)
	}
	for _, x := range c.Boundaries {
		strip(&x.Pos)
	}
	return &c
}

// TestExportOTMValidatesAndRoundTrips exports the bundled examples (and an
// imported model) to OTM, validates the OTM against the OTM JSON Schema,
// imports it back, and compares the models field by field.
func TestExportOTMValidatesAndRoundTrips(t *testing.T) {
	sch := otmSchema(t)
	files := []string{
		"../../examples/alpinepay/alpinepay.threatmodel.yaml",
		"../../examples/rag-chatbot/rag-chatbot.threatmodel.json",
		"../../examples/boundaries/webshop.threatmodel.yaml",
	}
	var inputs [][2]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, [2]string{f, string(b)})
	}
	// An imported model: statuses, acceptances and extensions of all kinds.
	_, _, tg := importAndValidate(t, FormatThreagile, "testdata/threagile/threagile-example-model.yaml")
	inputs = append(inputs, [2]string{"threagile.threatmodel.yaml", string(tg)})
	for _, in := range inputs {
		t.Run(in[0], func(t *testing.T) {
			orig := loadModel(t, in[0], []byte(in[1]))
			otm, err := ExportOTM(orig)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(otm))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("the export does not validate against the OTM schema: %v", err)
			}
			res, err := Import(context.Background(), FormatOTM, "export.otm.json", otm, Options{Now: importTime})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Report.Guesses) > 0 {
				t.Errorf("re-importing an export guessed %d things, first: %+v", len(res.Report.Guesses), res.Report.Guesses[0])
			}
			out, err := res.Doc.YAML("")
			if err != nil {
				t.Fatal(err)
			}
			back := loadModel(t, "back.threatmodel.yaml", out)
			a, b := comparable(orig), comparable(back)
			if !reflect.DeepEqual(a, b) {
				diffModels(t, a, b)
			}
		})
	}
}

// diffModels names the first objects that differ.
func diffModels(t *testing.T, a, b *model.Model) {
	t.Helper()
	if !reflect.DeepEqual(a.System, b.System) {
		t.Errorf("system: %+v != %+v", a.System, b.System)
	}
	if !reflect.DeepEqual(a.Extensions, b.Extensions) {
		t.Errorf("extensions: %v != %v", a.Extensions, b.Extensions)
	}
	for id, x := range a.Components {
		if !reflect.DeepEqual(x, b.Components[id]) {
			t.Errorf("component %s: %+v != %+v", id, x, b.Components[id])
		}
	}
	for id, x := range a.Assets {
		if !reflect.DeepEqual(x, b.Assets[id]) {
			t.Errorf("asset %s: %+v != %+v", id, x, b.Assets[id])
		}
	}
	for id, x := range a.Flows {
		if !reflect.DeepEqual(x, b.Flows[id]) {
			t.Errorf("flow %s: %+v != %+v", id, x, b.Flows[id])
		}
	}
	for id, x := range a.Threats {
		if !reflect.DeepEqual(x, b.Threats[id]) {
			t.Errorf("threat %s: %+v != %+v", id, x, b.Threats[id])
		}
	}
	for id, x := range a.Mitigations {
		if !reflect.DeepEqual(x, b.Mitigations[id]) {
			t.Errorf("mitigation %s: %+v != %+v", id, x, b.Mitigations[id])
		}
	}
	for _, o := range [][2][]string{{a.ComponentOrder, b.ComponentOrder}, {a.FlowOrder, b.FlowOrder}, {a.ThreatOrder, b.ThreatOrder}, {a.MitigationOrder, b.MitigationOrder}, {a.AssetOrder, b.AssetOrder}} {
		if !reflect.DeepEqual(o[0], o[1]) {
			t.Errorf("order: %v != %v", o[0], o[1])
		}
	}
	if !t.Failed() {
		t.Errorf("the models differ outside their objects: version %d/%d", a.Version, b.Version)
	}
}
