package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// decodeJSON reads a JSON document into generic data, refusing nesting
// deeper than maxSourceDepth.
func decodeJSON(data []byte) (map[string]any, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // a byte-order mark, as some Windows tools write
	if err := checkJSONDepth(data); err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("read JSON: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("expected a JSON object at the top")
	}
	return m, nil
}

func checkJSONDepth(data []byte) error {
	depth := 0
	inString, escaped := false, false
	for i, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxSourceDepth {
				return fmt.Errorf("at byte %d: nesting deeper than the limit of %d", i, maxSourceDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// maxYAMLNodes bounds the nodes of a YAML source after aliases are
// expanded, as for a model file (a million).
const maxYAMLNodes = 1_000_000

// decodeYAML reads a YAML document into generic data (merge keys
// applied), refusing alias bombs and deep nesting.
func decodeYAML(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("read YAML: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty")
	}
	count := 0
	if err := checkYAML(doc.Content[0], 1, &count); err != nil {
		return nil, err
	}
	var v map[string]any
	if err := doc.Content[0].Decode(&v); err != nil {
		return nil, fmt.Errorf("read YAML: expected a mapping at the top: %w", err)
	}
	return normalise(v).(map[string]any), nil
}

func checkYAML(n *yaml.Node, depth int, count *int) error {
	*count++
	if *count > maxYAMLNodes {
		return fmt.Errorf("line %d: the YAML expands to more than %d nodes (aliases included)", n.Line, maxYAMLNodes)
	}
	if depth > maxSourceDepth {
		return fmt.Errorf("line %d: nesting deeper than the limit of %d", n.Line, maxSourceDepth)
	}
	if n.Kind == yaml.AliasNode {
		return checkYAML(n.Alias, depth, count)
	}
	for _, c := range n.Content {
		if err := checkYAML(c, depth+1, count); err != nil {
			return err
		}
	}
	return nil
}

// normalise turns YAML's decoded values into JSON's: map keys as
// strings, integers as float64, dates as YYYY-MM-DD strings.
func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalise(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalise(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalise(e)
		}
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	}
	return v
}
