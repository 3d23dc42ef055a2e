package importer

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Guess kinds: what sort of decision the importer took for the user.
const (
	GuessID             = "id"             // an id was made valid; the original is kept
	GuessLevel          = "level"          // a likelihood or impact read from another scale
	GuessClassification = "classification" // a data classification read from another scale
	GuessStatus         = "status"         // a status read from another tool's statuses
	GuessAcceptance     = "acceptance"     // an accepted risk given an owner, reason or expiry
	GuessTarget         = "target"         // a threat's target found, or not found, by name
	GuessKind           = "kind"           // a component kind read from another tool's types
	GuessCatalog        = "catalog"        // a framework id kept, or not mapped
	GuessKept           = "kept"           // something kept under extensions
)

// Guess is one decision the importer took that a person should check.
type Guess struct {
	Kind    string `json:"kind"`
	Where   string `json:"where"` // the tmbot path: threats.x.likelihood
	Message string `json:"message"`
}

// Counts are the numbers of each kind of object.
type Counts struct {
	Components  int `json:"components"`
	Assets      int `json:"assets"`
	Flows       int `json:"flows"`
	Threats     int `json:"threats"`
	Mitigations int `json:"mitigations"`
}

// Report says what an import did and every guess it made.
type Report struct {
	Format  string  `json:"format"`
	Source  string  `json:"source"`
	Output  string  `json:"output,omitempty"`
	Counts  Counts  `json:"counts"`
	Guesses []Guess `json:"guesses"`
	// Rules are the fixed mappings this import applied, stated once
	// (cut points of numeric scales, and the like).
	Rules []string `json:"rules"`
}

func (r *Report) guess(kind, where, format string, args ...any) {
	r.Guesses = append(r.Guesses, Guess{Kind: kind, Where: where, Message: fmt.Sprintf(format, args...)})
}

func (r *Report) rule(text string) {
	for _, s := range r.Rules {
		if s == text {
			return
		}
	}
	r.Rules = append(r.Rules, text)
}

// WriteText writes the report for a person: the counts, the rules, then
// one line per guess.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "imported %s (%s): %d components, %d assets, %d flows, %d threats, %d mitigations\n",
		r.Source, r.Format, r.Counts.Components, r.Counts.Assets, r.Counts.Flows, r.Counts.Threats, r.Counts.Mitigations)
	if len(r.Rules) > 0 {
		b.WriteString("rules applied:\n")
		for _, s := range r.Rules {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	if len(r.Guesses) > 0 {
		fmt.Fprintf(&b, "%d guesses to check:\n", len(r.Guesses))
		for _, g := range r.Guesses {
			fmt.Fprintf(&b, "  %s: %s: %s\n", g.Where, g.Kind, g.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	if r.Guesses == nil {
		r.Guesses = []Guess{}
	}
	if r.Rules == nil {
		r.Rules = []string{}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write the report: %w", err)
	}
	return append(b, '\n'), nil
}
