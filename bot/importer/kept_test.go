package importer

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// strLeaves collects every string value of generic data (and, with keys,
// every map key), with its whitespace collapsed and its case, dashes and
// underscores ignored.
func strLeaves(v any, keys bool, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if keys {
				strLeaves(k, false, out)
			}
			strLeaves(e, keys, out)
		}
	case []any:
		for _, e := range x {
			strLeaves(e, keys, out)
		}
	case string:
		s := strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(x))
		if s = strings.Join(strings.Fields(s), " "); len(s) >= 3 {
			out[s] = true
		}
	}
}

// Nothing is dropped silently: every string value of each real sample is
// somewhere in the imported model, mapped or under extensions.
func TestImportKeepsEveryValue(t *testing.T) {
	samples := map[string]string{
		"testdata/otm/EXAMPLE.yaml":                       FormatOTM,
		"testdata/otm/mobile-cloud.otm.json":              FormatOTM,
		"testdata/threagile/threagile-example-model.yaml": FormatThreagile,
		"testdata/threat-composer/GenAIChatbot.tc.json":   FormatThreatComposer,
		"testdata/threat-dragon/v2-threat-model.json":     FormatThreatDragon,
		"testdata/tmbom/husky-ai-threat-model.json":       FormatTMBOM,
		"testdata/pytm/tm-sample.json":                    FormatPytm,
	}
	for file, format := range samples {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var src any
			if err := yaml.Unmarshal(data, &src); err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			strLeaves(normalise(src), false, want)
			res, err := Import(context.Background(), format, file, data, Options{Now: importTime})
			if err != nil {
				t.Fatal(err)
			}
			out, err := res.Doc.JSON()
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			strLeaves(doc, true, got)
			var missing []string
			for s := range want {
				if !got[s] {
					missing = append(missing, s)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%d source values are nowhere in the import, e.g. %q", len(missing), missing[:min(len(missing), 8)])
			}
		})
	}
}
