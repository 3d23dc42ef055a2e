package model

// JSONSchemaID is the $id of the JSON Schema that tmbot schema writes.
const JSONSchemaID = "https://tmbot.dev/schemas/threatmodel.schema.json"

// JSONSchema returns a JSON Schema (draft 2020-12) of the format, derived
// from the same Shape tree as the validator, for editors (YAML language
// servers, VS Code). It also carries the status rules as if/then, so an
// editor flags an accepted threat without acceptance.
func (s *Schema) JSONSchema() map[string]any {
	root := s.Root.jsonSchema()
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

func (s *Shape) jsonSchema() map[string]any {
	switch s.Kind {
	case StructShape:
		props := map[string]any{}
		var required []any
		for _, f := range s.Fields {
			props[f.Name] = f.Shape.jsonSchema()
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
			"additionalProperties": s.Elem.jsonSchema(),
		}
	case ListShape:
		return map[string]any{"type": "array", "items": s.Elem.jsonSchema()}
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
			out["pattern"] = s.Re.String()
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
