package model

import (
	"strings"

	"cuelang.org/go/cue"
)

// JSONSchemaID is the $id of the JSON Schema that tmbot schema writes.
const JSONSchemaID = "https://tmbot.dev/schemas/threatmodel.schema.json"

// JSONSchema returns a JSON Schema (draft 2020-12) of the format, derived
// from the same Shape tree as the validator, for editors (YAML language
// servers, VS Code). It also carries the status rules as if/then, so an
// editor flags an accepted threat without acceptance.
func (s *Schema) JSONSchema() map[string]any {
	root := s.Root.jsonSchema(s.cue.LookupPath(cue.ParsePath("#ThreatModel")), 0)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = JSONSchemaID
	root["title"] = "tmbot threat model"
	root["description"] = "A threat model read by tmbot: see docs/format.md."
	if threats := s.Root.Field("threats"); threats != nil && threats.Shape.Elem != nil {
		props := root["properties"].(map[string]any)
		t := props["threats"].(map[string]any)["additionalProperties"].(map[string]any)
		t["allOf"] = []any{
			statusRule("accepted", map[string]any{
				"required":   []any{"acceptance"},
				"properties": map[string]any{"acceptance": map[string]any{"required": []any{"by", "reason", "until"}}},
			}),
			statusRule("not_applicable", map[string]any{"required": []any{"reason"}}),
			statusRule("transferred", map[string]any{"required": []any{"reason", "transferred_to"}}),
		}
	}
	return root
}

func statusRule(status string, then map[string]any) map[string]any {
	return map[string]any{
		"if": map[string]any{
			"required":   []any{"status"},
			"properties": map[string]any{"status": map[string]any{"const": status}},
		},
		"then": then,
	}
}

// catalogPatterns are the shapes of the catalog ids in a threat, the same
// shapes bot/catalog accepts before it looks an id up (an id of the right
// shape that is not in the catalog is reported by tmbot, not by the editor).
// OWASP ids take any list prefix and an optional year here: tmbot reads a
// bare LLM01 as LLM01:2025 with a warning.
var catalogPatterns = map[string]string{
	"attack": `^T[0-9]{4}(\.[0-9]{3})?$`,
	"atlas":  `^AML\.(T[0-9]{4}(\.[0-9]{3})?|TA[0-9]{4}|M[0-9]{4})$`,
	"owasp":  `^[A-Z]+[0-9]{2}(:[0-9]{4})?$`,
	"cwe":    `^CWE-[0-9]+$`,
	"capec":  `^CAPEC-[0-9]+$`,
}

// jsonSchema writes s as JSON Schema; v is the CUE value s was derived
// from, read for the fields' doc comments (their descriptions).
func (s *Shape) jsonSchema(v cue.Value, depth int) map[string]any {
	if depth > 16 {
		return map[string]any{}
	}
	switch s.Kind {
	case StructShape:
		props := map[string]any{}
		var required []any
		fields := cueFields(v)
		for _, f := range s.Fields {
			fv := fields[f.Name]
			prop := f.Shape.jsonSchema(fv, depth+1)
			if doc := fieldDoc(f.Name, fv); doc != "" {
				if expect, ok := prop["description"].(string); ok {
					doc += " " + expect
				}
				prop["description"] = doc
			}
			if re, ok := catalogPatterns[f.Name]; ok && f.Shape.Kind == ListShape {
				prop["items"].(map[string]any)["pattern"] = re
			}
			props[f.Name] = prop
			if f.Required {
				required = append(required, f.Name)
			}
		}
		out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			out["required"] = required
		}
		return out
	case MapShape:
		return map[string]any{
			"type":                 "object",
			"propertyNames":        map[string]any{"pattern": s.KeyRe.String()},
			"additionalProperties": s.Elem.jsonSchema(mapElem(v), depth+1),
		}
	case ListShape:
		return map[string]any{"type": "array", "items": s.Elem.jsonSchema(v.LookupPath(cue.MakePath(cue.AnyIndex)), depth+1)}
	case StringShape:
		out := map[string]any{"type": "string"}
		if s.Enum != nil {
			enum := make([]any, len(s.Enum))
			for i, e := range s.Enum {
				enum[i] = e
			}
			out["enum"] = enum
		}
		if s.Re != nil {
			if s.Re.String() == datePattern.String() {
				out["anyOf"] = dateForms()
			} else {
				out["pattern"] = s.Re.String()
			}
			out["description"] = "Expected " + s.Expect + "."
		}
		return out
	case IntShape:
		if s.IntValue != nil {
			return map[string]any{"const": *s.IntValue}
		}
		return map[string]any{"type": "integer"}
	case BoolShape:
		return map[string]any{"type": "boolean"}
	}
	return map[string]any{"type": "object"}
}

// dateForms are the ways a date reaches a JSON Schema validator. tmbot reads
// a date as text, quoted or not, and checks that it exists (YYYY-MM-DD,
// format "date"). Many YAML libraries that tools use before validating
// (Go's yaml.v3, js-yaml) read an unquoted date as a timestamp and hand it on
// as midnight UTC, "2027-06-30T00:00:00Z": that form is accepted too, so the
// schema is never stricter than tmbot. (A timestamp written out in full is
// the one thing accepted here that tmbot rejects.)
func dateForms() []any {
	return []any{
		map[string]any{"format": "date", "pattern": datePattern.String()},
		map[string]any{"format": "date-time", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00(\.0+)?Z$`},
	}
}

// cueFields maps the names of v's fields, optional and required ones too,
// to their values.
func cueFields(v cue.Value) map[string]cue.Value {
	out := map[string]cue.Value{}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return out
	}
	for it.Next() {
		out[it.Selector().Unquoted()] = it.Value()
	}
	return out
}

// mapElem is the value of each entry of a map written [#ID]: T.
func mapElem(v cue.Value) cue.Value {
	key := cue.MakePath(cue.Str("a"))
	return v.FillPath(key, v.Context().CompileString("_")).LookupPath(key)
}

// fieldDoc joins a field's doc comments into one paragraph and drops the
// "name: " that starts them by convention; the first letter is capitalised.
func fieldDoc(name string, v cue.Value) string {
	if !v.Exists() {
		return ""
	}
	var words []string
	for _, c := range v.Doc() {
		words = append(words, strings.Fields(c.Text())...)
	}
	doc := strings.TrimPrefix(strings.Join(words, " "), name+": ")
	if doc == "" {
		return ""
	}
	return strings.ToUpper(doc[:1]) + doc[1:]
}
