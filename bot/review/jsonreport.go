package review

import (
	"encoding/json"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// JSON renders the report as indented JSON, ending with a newline: the
// output of `tmbot review --format json`. Every key is documented in
// docs/review.md. Lists are never null (an empty list is []); changes is
// null for a model whose head is invalid (it is not diffed).
func (r *Report) JSON() ([]byte, error) {
	c := *r
	if c.Models == nil {
		c.Models = []ModelReport{}
	}
	if c.ConfigErrors == nil {
		c.ConfigErrors = []ConfigError{}
	}
	c.Models = append([]ModelReport(nil), c.Models...)
	for i := range c.Models {
		m := &c.Models[i]
		if m.Errors == nil {
			m.Errors = []model.Diagnostic{}
		}
		if m.Warnings == nil {
			m.Warnings = []model.Diagnostic{}
		}
		if m.NewUnmitigated == nil {
			m.NewUnmitigated = []NewThreat{}
		}
		if m.Findings == nil {
			m.Findings = []policy.Finding{}
		}
		if m.Tracking.WillOpen == nil {
			m.Tracking.WillOpen = []Tracked{}
		}
		if m.Tracking.WillClose == nil {
			m.Tracking.WillClose = []Tracked{}
		}
		nts := make([]NewThreat, len(m.NewUnmitigated))
		for j, t := range m.NewUnmitigated {
			if t.Mitigations == nil {
				t.Mitigations = []MitigationRef{}
			}
			nts[j] = t
		}
		m.NewUnmitigated = nts
	}
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
