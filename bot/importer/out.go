package importer

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Doc is a tmbot model as the importers build it: the shape of the file,
// with its maps in the order the source listed them.
type Doc struct {
	Version     int              `yaml:"version" json:"version"`
	System      System           `yaml:"system" json:"system"`
	Components  Map[*Component]  `yaml:"components,omitempty" json:"components,omitzero"`
	Assets      Map[*Asset]      `yaml:"assets,omitempty" json:"assets,omitzero"`
	Flows       Map[*Flow]       `yaml:"flows,omitempty" json:"flows,omitzero"`
	Threats     Map[*Threat]     `yaml:"threats,omitempty" json:"threats,omitzero"`
	Mitigations Map[*Mitigation] `yaml:"mitigations,omitempty" json:"mitigations,omitzero"`
	Boundaries  Map[*Boundary]   `yaml:"boundaries,omitempty" json:"boundaries,omitzero"`
	Extensions  map[string]any   `yaml:"extensions,omitempty" json:"extensions,omitempty"`
}

// Boundary is one trust boundary. Trusted is nil when it is trusted (the
// format's default), so that only an untrusted one writes the key.
type Boundary struct {
	Name        string         `yaml:"name" json:"name"`
	Description string         `yaml:"description,omitempty" json:"description,omitempty"`
	Trusted     *bool          `yaml:"trusted,omitempty" json:"trusted,omitempty"`
	Members     []string       `yaml:"members,omitempty,flow" json:"members,omitempty"`
	Extensions  map[string]any `yaml:"extensions,omitempty" json:"extensions,omitempty"`
}

// System is the model's system block.
type System struct {
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Owner       string `yaml:"owner,omitempty" json:"owner,omitempty"`
	Vendor      string `yaml:"vendor,omitempty" json:"vendor,omitempty"`
}

// Component is one component of the model.
type Component struct {
	Name           string         `yaml:"name" json:"name"`
	Kind           string         `yaml:"kind" json:"kind"`
	Layer          string         `yaml:"layer,omitempty" json:"layer,omitempty"`
	Description    string         `yaml:"description,omitempty" json:"description,omitempty"`
	InternetFacing bool           `yaml:"internet_facing,omitempty" json:"internet_facing,omitempty"`
	Data           []string       `yaml:"data,omitempty,flow" json:"data,omitempty"`
	Traits         []string       `yaml:"traits,omitempty,flow" json:"traits,omitempty"`
	Extensions     map[string]any `yaml:"extensions,omitempty" json:"extensions,omitempty"`
}

// Asset is one data asset.
type Asset struct {
	Name           string         `yaml:"name" json:"name"`
	Classification string         `yaml:"classification,omitempty" json:"classification,omitempty"`
	Description    string         `yaml:"description,omitempty" json:"description,omitempty"`
	Extensions     map[string]any `yaml:"extensions,omitempty" json:"extensions,omitempty"`
}

// Flow is one data flow.
type Flow struct {
	From          string         `yaml:"from" json:"from"`
	To            string         `yaml:"to" json:"to"`
	Description   string         `yaml:"description,omitempty" json:"description,omitempty"`
	Protocol      string         `yaml:"protocol,omitempty" json:"protocol,omitempty"`
	Kind          string         `yaml:"kind,omitempty" json:"kind,omitempty"`
	Data          []string       `yaml:"data,omitempty,flow" json:"data,omitempty"`
	Authenticated *bool          `yaml:"authenticated,omitempty" json:"authenticated,omitempty"` // nil: unknown
	Encrypted     *bool          `yaml:"encrypted,omitempty" json:"encrypted,omitempty"`         // nil: unknown
	Bidirectional bool           `yaml:"bidirectional,omitempty" json:"bidirectional,omitempty"`
	Extensions    map[string]any `yaml:"extensions,omitempty" json:"extensions,omitempty"`
}

// Threat is one threat.
type Threat struct {
	Title         string         `yaml:"title" json:"title"`
	Description   string         `yaml:"description,omitempty" json:"description,omitempty"`
	Targets       []string       `yaml:"targets,omitempty,flow" json:"targets,omitempty"`
	Stride        []string       `yaml:"stride,omitempty,flow" json:"stride,omitempty"`
	Attack        []string       `yaml:"attack,omitempty,flow" json:"attack,omitempty"`
	Atlas         []string       `yaml:"atlas,omitempty,flow" json:"atlas,omitempty"`
	OWASP         []string       `yaml:"owasp,omitempty,flow" json:"owasp,omitempty"`
	CWE           []string       `yaml:"cwe,omitempty,flow" json:"cwe,omitempty"`
	CAPEC         []string       `yaml:"capec,omitempty,flow" json:"capec,omitempty"`
	KillChain     []string       `yaml:"kill_chain,omitempty,flow" json:"kill_chain,omitempty"`
	Likelihood    string         `yaml:"likelihood" json:"likelihood"`
	Impact        string         `yaml:"impact" json:"impact"`
	Mitigations   []string       `yaml:"mitigations,omitempty,flow" json:"mitigations,omitempty"`
	Status        string         `yaml:"status,omitempty" json:"status,omitempty"`
	Reason        string         `yaml:"reason,omitempty" json:"reason,omitempty"`
	TransferredTo string         `yaml:"transferred_to,omitempty" json:"transferred_to,omitempty"`
	Acceptance    *Acceptance    `yaml:"acceptance,omitempty" json:"acceptance,omitempty"`
	Extensions    map[string]any `yaml:"extensions,omitempty" json:"extensions,omitempty"`
}

// Acceptance is who accepted a risk, why, and until when.
type Acceptance struct {
	By         string         `yaml:"by" json:"by"`
	Reason     string         `yaml:"reason" json:"reason"`
	Until      string         `yaml:"until" json:"until"`
	Extensions map[string]any `yaml:"extensions,omitempty" json:"extensions,omitempty"`
}

// Mitigation is one mitigation.
type Mitigation struct {
	Title       string         `yaml:"title" json:"title"`
	Description string         `yaml:"description,omitempty" json:"description,omitempty"`
	Status      string         `yaml:"status" json:"status"`
	Owner       string         `yaml:"owner,omitempty" json:"owner,omitempty"`
	Due         string         `yaml:"due,omitempty" json:"due,omitempty"`
	Issue       string         `yaml:"issue,omitempty" json:"issue,omitempty"`
	Controls    []string       `yaml:"controls,omitempty,flow" json:"controls,omitempty"`
	Extensions  map[string]any `yaml:"extensions,omitempty" json:"extensions,omitempty"`
}

// Map is a map that keeps its keys in the order they were added.
type Map[T any] struct {
	keys []string
	m    map[string]T
}

// Set adds or replaces a value; a new key goes last.
func (m *Map[T]) Set(k string, v T) {
	if m.m == nil {
		m.m = map[string]T{}
	}
	if _, ok := m.m[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.m[k] = v
}

// Get returns the value of a key.
func (m *Map[T]) Get(k string) (T, bool) { v, ok := m.m[k]; return v, ok }

// Keys returns the keys in order.
func (m *Map[T]) Keys() []string { return m.keys }

// Len is the number of keys.
func (m *Map[T]) Len() int { return len(m.keys) }

// IsZero reports an empty map, so that omitempty leaves it out.
func (m Map[T]) IsZero() bool { return len(m.keys) == 0 }

// MarshalYAML writes the map in key order.
func (m Map[T]) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range m.keys {
		var v yaml.Node
		if err := v.Encode(m.m[k]); err != nil {
			return nil, fmt.Errorf("encode %s: %w", k, err)
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, &v)
	}
	return n, nil
}

// MarshalJSON writes the map in key order.
func (m Map[T]) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(m.m[k])
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", k, err)
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// YAML writes the model as YAML, with a header comment naming the source.
func (d *Doc) YAML(header string) ([]byte, error) {
	var b bytes.Buffer
	for _, line := range splitLines(header) {
		b.WriteString("# " + line + "\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("write the model as YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write the model as YAML: %w", err)
	}
	return b.Bytes(), nil
}

// JSON writes the model as indented JSON.
func (d *Doc) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write the model as JSON: %w", err)
	}
	return append(b, '\n'), nil
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, l := range bytes.Split([]byte(s), []byte("\n")) {
		out = append(out, string(l))
	}
	return out
}
