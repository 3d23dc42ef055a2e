package importer

import (
	"encoding/json"
	"fmt"

	"github.com/tmbot/tmbot/bot/model"
)

// OTMVersion is the Open Threat Model version ExportOTM writes.
const OTMVersion = "0.2.0"

// Numbers ExportOTM writes for levels and classifications: the middle of
// each range the importer reads back (see percentLevel, confidentiality).
var (
	otmLevel           = map[model.Level]float64{model.Low: 17, model.Medium: 50, model.High: 83}
	otmConfidentiality = map[string]float64{"public": 0, "internal": 33, "confidential": 67, "restricted": 100}
	otmStride          = map[string]string{
		"spoofing": "Spoofing", "tampering": "Tampering", "repudiation": "Repudiation",
		"information_disclosure": "Information Disclosure", "denial_of_service": "Denial of Service",
		"elevation_of_privilege": "Elevation of Privilege",
	}
)

// The trust zones ExportOTM puts components in that are in no boundary: by
// whether they face the internet. A boundary of the same id takes its
// place (its components are then in it).
const (
	zoneInternet = "internet"
	zoneInternal = "internal"
)

// ExportOTM writes a loaded model as an OTM 0.2 JSON document. Every OTM
// field that has a tmbot counterpart is filled for other tools to read;
// each object also carries itself whole under attributes.tmbot, so that
// importing the document gives the same model back.
func ExportOTM(m *model.Model) ([]byte, error) {
	d := DocFromModel(m)
	type o = map[string]any
	doc := o{"otmVersion": OTMVersion}
	project := o{"name": d.System.Name, "id": d.System.ID,
		"attributes": otmAttrs(o{"system": d.System, "extensions": d.Extensions})}
	if d.System.Description != "" {
		project["description"] = d.System.Description
	}
	if d.System.Owner != "" {
		project["owner"] = d.System.Owner
	}
	doc["project"] = project
	zones, zoneOf := otmZones(m, d)
	doc["trustZones"] = zones
	var assets []o
	for _, id := range d.Assets.Keys() {
		a, _ := d.Assets.Get(id)
		c := otmConfidentiality[a.Classification]
		assets = append(assets, o{"id": id, "name": a.Name, "description": a.Description,
			"risk": o{"confidentiality": c, "integrity": 0, "availability": 0,
				"comment": "tmbot records a classification only; integrity and availability are not rated"},
			"attributes": otmAttrs(a)})
	}
	doc["assets"] = nonNil(assets)
	instances := otmInstances(m, d)
	var comps []o
	for _, id := range d.Components.Keys() {
		c, _ := d.Components.Get(id)
		zone := zoneOf(id, c.InternetFacing)
		e := o{"id": id, "name": c.Name, "type": c.Kind, "parent": o{"trustZone": zone}, "attributes": otmAttrs(c)}
		if c.Description != "" {
			e["description"] = c.Description
		}
		if len(c.Data) > 0 {
			e["assets"] = o{"processed": c.Data}
		}
		if ins := instances[id]; len(ins) > 0 {
			e["threats"] = ins
		}
		comps = append(comps, e)
	}
	doc["components"] = nonNil(comps)
	var flows []o
	for _, id := range d.Flows.Keys() {
		f, _ := d.Flows.Get(id)
		e := o{"id": id, "name": firstNonEmpty(f.Description, f.From+" to "+f.To), "source": f.From, "destination": f.To,
			"bidirectional": f.Bidirectional, "attributes": otmAttrs(f)}
		if len(f.Data) > 0 {
			e["assets"] = f.Data
		}
		if ins := instances[id]; len(ins) > 0 {
			e["threats"] = ins
		}
		flows = append(flows, e)
	}
	doc["dataflows"] = nonNil(flows)
	doc["threats"] = otmThreats(d)
	doc["mitigations"] = otmMitigations(d)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write OTM: %w", err)
	}
	return append(b, '\n'), nil
}

// otmAttrs is an OTM object's attributes holding the tmbot object whole.
func otmAttrs(v any) map[string]any { return map[string]any{tmbotAttr: v} }

// otmInstances are the threat instances of the export, by target: each
// threat's state and its mitigations' states.
func otmInstances(m *model.Model, d *Doc) map[string][]map[string]any {
	instances := map[string][]map[string]any{}
	for _, tid := range d.Threats.Keys() {
		t, _ := d.Threats.Get(tid)
		var mits []map[string]any
		for _, mid := range t.Mitigations {
			mi, _ := d.Mitigations.Get(mid)
			mits = append(mits, map[string]any{"mitigation": mid, "state": mi.Status})
		}
		state := t.Status
		if state == "" {
			state = m.Threats[tid].Status
		}
		for _, target := range t.Targets {
			instances[target] = append(instances[target], map[string]any{"threat": tid, "state": state, "mitigations": nonNil(mits)})
		}
	}
	return instances
}

// otmThreats are the threats of the export: STRIDE as categories, CWEs,
// and likelihood and impact as percentages.
func otmThreats(d *Doc) []map[string]any {
	var threats []map[string]any
	for _, id := range d.Threats.Keys() {
		t, _ := d.Threats.Get(id)
		var cats []string
		for _, s := range t.Stride {
			cats = append(cats, otmStride[s])
		}
		e := map[string]any{"id": id, "name": t.Title, "categories": nonNilS(cats), "cwes": nonNilS(t.CWE),
			"risk":       map[string]any{"likelihood": otmLevel[model.Level(t.Likelihood)], "impact": otmLevel[model.Level(t.Impact)]},
			"attributes": otmAttrs(t)}
		if t.Description != "" {
			e["description"] = t.Description
		}
		threats = append(threats, e)
	}
	return nonNil(threats)
}

// otmMitigations are the mitigations of the export.
func otmMitigations(d *Doc) []map[string]any {
	var mits []map[string]any
	for _, id := range d.Mitigations.Keys() {
		mi, _ := d.Mitigations.Get(id)
		e := map[string]any{"id": id, "name": mi.Title, "riskReduction": 0, "attributes": otmAttrs(mi)}
		if mi.Description != "" {
			e["description"] = mi.Description
		}
		mits = append(mits, e)
	}
	return nonNil(mits)
}

// otmZones returns the trust zones of the export: each boundary (whole
// under attributes.tmbot, so that importing gives it back), then the
// zones for components in no boundary, internet and internal, unless a
// boundary has taken the id. zoneOf gives a component's zone.
func otmZones(m *model.Model, d *Doc) (zones []map[string]any, zoneOf func(id string, internetFacing bool) string) {
	type o = map[string]any
	for _, id := range d.Boundaries.Keys() {
		bd, _ := d.Boundaries.Get(id)
		rating, typ := 100, "private"
		if bd.Trusted != nil && !*bd.Trusted {
			rating, typ = 0, "untrusted"
		}
		z := o{"id": id, "name": bd.Name, "type": typ, "risk": o{"trustRating": rating}, "attributes": o{tmbotAttr: bd}}
		if bd.Description != "" {
			z["description"] = bd.Description
		}
		zones = append(zones, z)
	}
	if _, taken := d.Boundaries.Get(zoneInternet); !taken {
		zones = append(zones, o{"id": zoneInternet, "name": "Internet", "type": "internet", "risk": o{"trustRating": 0},
			"description": "Components in no boundary that face the internet (internet_facing: true)"})
	}
	if _, taken := d.Boundaries.Get(zoneInternal); !taken {
		zones = append(zones, o{"id": zoneInternal, "name": "Internal", "type": "private", "risk": o{"trustRating": 100},
			"description": "Components in no boundary that do not face the internet"})
	}
	in := map[string]string{} // component → its boundary (the first that lists it)
	for _, id := range m.BoundaryOrder {
		for _, c := range m.Boundaries[id].Members {
			if in[c] == "" {
				in[c] = id
			}
		}
	}
	return zones, func(id string, internetFacing bool) string {
		if b := in[id]; b != "" {
			return b
		}
		if internetFacing {
			return zoneInternet
		}
		return zoneInternal
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilS(s []string) []string { return nonNil(s) }

// DocFromModel turns a loaded model back into the shape of its file: only
// what was written (a derived status is left out; a layer is written only
// when it is not the kind's default).
func DocFromModel(m *model.Model) *Doc {
	d := &Doc{Version: m.Version, Extensions: m.Extensions,
		System: System{ID: m.System.ID, Name: m.System.Name, Description: m.System.Description, Owner: m.System.Owner, Vendor: m.System.Vendor}}
	for _, id := range m.ComponentOrder {
		c := m.Components[id]
		d.Components.Set(id, &Component{Name: c.Name, Kind: c.Kind, Layer: c.Layer, Description: c.Description,
			InternetFacing: c.InternetFacing, Data: c.Data, Traits: c.Traits, Extensions: c.Extensions})
	}
	for _, id := range m.AssetOrder {
		a := m.Assets[id]
		d.Assets.Set(id, &Asset{Name: a.Name, Classification: a.Classification, Description: a.Description, Extensions: a.Extensions})
	}
	for _, id := range m.FlowOrder {
		f := m.Flows[id]
		d.Flows.Set(id, &Flow{From: f.From, To: f.To, Description: f.Description, Protocol: f.Protocol, Data: f.Data,
			Kind: f.Kind, Authenticated: f.Authenticated, Encrypted: f.Encrypted, Bidirectional: f.Bidirectional, Extensions: f.Extensions})
	}
	for _, id := range m.ThreatOrder {
		t := m.Threats[id]
		th := &Threat{Title: t.Title, Description: t.Description, Targets: t.Targets, Stride: t.Stride, Attack: t.Attack,
			Atlas: t.Atlas, OWASP: t.OWASP, CWE: t.CWE, CAPEC: t.CAPEC, KillChain: t.KillChain,
			Likelihood: string(t.Likelihood), Impact: string(t.Impact), Mitigations: t.Mitigations,
			Reason: t.Reason, TransferredTo: t.TransferredTo, Extensions: t.Extensions}
		if t.StatusWritten {
			th.Status = t.Status
		}
		if a := t.Acceptance; a != nil {
			th.Acceptance = &Acceptance{By: a.By, Reason: a.Reason, Until: a.Until, Extensions: a.Extensions}
		}
		d.Threats.Set(id, th)
	}
	for _, id := range m.MitigationOrder {
		mi := m.Mitigations[id]
		d.Mitigations.Set(id, &Mitigation{Title: mi.Title, Description: mi.Description, Status: mi.Status, Owner: mi.Owner,
			Due: mi.Due, Issue: mi.Issue, Controls: mi.Controls, Extensions: mi.Extensions})
	}
	for _, id := range m.BoundaryOrder {
		bd := m.Boundaries[id]
		out := &Boundary{Name: bd.Name, Description: bd.Description, Members: bd.Members, Extensions: bd.Extensions}
		if !bd.Trusted {
			out.Trusted = flag(false)
		}
		d.Boundaries.Set(id, out)
	}
	return d
}
