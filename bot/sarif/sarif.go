// Package sarif writes SARIF 2.1.0 logs, the format code-scanning tools
// read (GitHub code scanning, GitLab, editors). It knows nothing of threat
// models beyond the results it is given, and imports nothing of the project.
package sarif

import (
	"encoding/json"
	"io"
)

// Schema and Version of the SARIF documents written here.
const (
	Schema  = "https://json.schemastore.org/sarif-2.1.0.json"
	Version = "2.1.0"
)

// Result is one finding.
type Result struct {
	RuleID  string
	Level   string // error | warning | note
	Message string
	File    string // relative path, forward slashes
	Line    int
	Column  int
	HelpURI string
}

// Rule describes a kind of result.
type Rule struct {
	ID, Name, Description, HelpURI string
	// SecuritySeverity is GitHub code scanning's rank of the rule, a
	// number from 0.0 to 10.0 written as a string (over 9.0 critical,
	// 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low); empty: none.
	SecuritySeverity string
	// Tags are the rule's properties.tags ("security" makes GitHub treat
	// its results as security alerts, ranked by SecuritySeverity).
	Tags []string
}

// properties is a rule's property bag.
type properties struct {
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Tags             []string `json:"tags,omitempty"`
}

// Write writes one run of tool with its rules and results.
func Write(w io.Writer, tool, version, infoURI string, rules []Rule, results []Result) error {
	type msg struct {
		Text string `json:"text"`
	}
	type region struct {
		StartLine   int `json:"startLine,omitempty"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	type artifact struct {
		URI string `json:"uri"`
	}
	type physical struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           *region  `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		Level     string     `json:"level"`
		Message   msg        `json:"message"`
		Locations []location `json:"locations"`
	}
	type rule struct {
		ID               string      `json:"id"`
		Name             string      `json:"name,omitempty"`
		ShortDescription *msg        `json:"shortDescription,omitempty"`
		HelpURI          string      `json:"helpUri,omitempty"`
		Properties       *properties `json:"properties,omitempty"`
	}
	type driver struct {
		Name           string `json:"name"`
		Version        string `json:"version,omitempty"`
		InformationURI string `json:"informationUri,omitempty"`
		Rules          []rule `json:"rules"`
	}
	type run struct {
		Tool struct {
			Driver driver `json:"driver"`
		} `json:"tool"`
		Results []result `json:"results"`
	}
	var r run
	r.Tool.Driver = driver{Name: tool, Version: version, InformationURI: infoURI, Rules: []rule{}}
	for _, ru := range rules {
		x := rule{ID: ru.ID, Name: ru.Name, HelpURI: ru.HelpURI}
		if ru.SecuritySeverity != "" || len(ru.Tags) > 0 {
			x.Properties = &properties{SecuritySeverity: ru.SecuritySeverity, Tags: ru.Tags}
		}
		if ru.Description != "" {
			x.ShortDescription = &msg{ru.Description}
		}
		r.Tool.Driver.Rules = append(r.Tool.Driver.Rules, x)
	}
	r.Results = []result{}
	for _, res := range results {
		loc := location{PhysicalLocation: physical{ArtifactLocation: artifact{URI: res.File}}}
		if res.Line > 0 {
			loc.PhysicalLocation.Region = &region{StartLine: res.Line, StartColumn: res.Column}
		}
		r.Results = append(r.Results, result{RuleID: res.RuleID, Level: res.Level, Message: msg{res.Message}, Locations: []location{loc}})
	}
	doc := struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []run  `json:"runs"`
	}{Schema, Version, []run{r}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
