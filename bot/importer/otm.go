package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tmbot/tmbot/bot/catalog"
)

// tmbotAttr is the key under an OTM object's attributes where tmbot export
// keeps the tmbot object whole, so that an export re-imports unchanged.
const tmbotAttr = "tmbot"

// importOTM reads an Open Threat Model document, 0.2 (JSON or YAML).
func importOTM(ctx context.Context, b *builder, data []byte) error {
	var src map[string]any
	var err error
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		src, err = decodeJSON(data)
	} else {
		src, err = decodeYAML(data)
	}
	if err != nil {
		return err
	}
	if _, ok := src["otmVersion"]; !ok {
		return fmt.Errorf("no otmVersion: this does not look like an OTM document")
	}
	if v := str(src, "otmVersion"); !strings.HasPrefix(v, "0.") {
		b.report.guess(GuessKept, "system", "OTM version %q is newer than 0.2, which this importer knows; check the result", v)
	}
	d := b.doc
	// The project.
	p := obj(src, "project")
	if p == nil {
		return fmt.Errorf("project: missing; an OTM document names its project")
	}
	pattrs := obj(p, "attributes")
	exported := pattrs != nil && pattrs[tmbotAttr] != nil
	if t := obj(pattrs, tmbotAttr); t != nil {
		var sys struct {
			System     System         `json:"system"`
			Extensions map[string]any `json:"extensions"`
		}
		if err := fromGeneric(t, &sys); err != nil {
			return fmt.Errorf("project.attributes.tmbot: %w", err)
		}
		d.System = sys.System
		d.Extensions = sys.Extensions
	} else {
		d.System = System{Name: strings.TrimSpace(str(p, "name")), Description: str(p, "description"), Owner: str(p, "owner")}
		d.System.ID = systemID(firstNonEmpty(str(p, "id"), d.System.Name))
		if d.System.ID != str(p, "id") {
			b.report.guess(GuessID, "system.id", "the project id %q is not a lower-case id; kept under extensions.otm.project", str(p, "id"))
		}
		if d.System.Owner != "" && !strings.HasPrefix(d.System.Owner, "@") {
			b.report.guess(GuessKept, "system.owner", "the project owner %q is not a forge handle; write the team's handle, such as @org/team", d.System.Owner)
		}
	}
	top := map[string]any{}
	if r := rest(p, "name", "description", "owner"); exported {
		delete(r, "attributes")
		delete(r, "id")
		if len(r) > 0 {
			top["project"] = r
		}
	} else if len(r) > 0 {
		top["project"] = r
	}
	// Trust zones become boundaries (otmZones); a component in a zone of
	// type internet is internet-facing.
	internetZone := map[string]bool{}
	for _, z := range objs(src, "trustZones") {
		if strings.EqualFold(str(z, "type"), "internet") || strings.Contains(strings.ToLower(str(z, "name")), "internet") {
			internetZone[str(z, "id")] = true
		}
	}
	zoneID, err := b.otmZones(objs(src, "trustZones"), exported)
	if err != nil {
		return err
	}
	if v, ok := src["representations"]; ok && v != nil && !exported {
		top["representations"] = v
	}
	// Assets.
	for _, a := range objs(src, "assets") {
		orig := str(a, "id")
		id := b.id("asset", "assets", orig, str(a, "name"))
		if t := obj(obj(a, "attributes"), tmbotAttr); t != nil {
			var as Asset
			if err := fromGeneric(t, &as); err != nil {
				return fmt.Errorf("assets.%s.attributes.tmbot: %w", orig, err)
			}
			d.Assets.Set(id, &as)
			continue
		}
		as := &Asset{Name: firstNonEmpty(str(a, "name"), orig), Description: str(a, "description")}
		if c, ok := num(obj(a, "risk"), "confidentiality"); ok {
			as.Classification = b.confidentiality(c)
		}
		as.Extensions = b.ext(rest(a, "id", "name", "description"), id, orig)
		d.Assets.Set(id, as)
	}
	assetID := idMap(b, "asset")
	// Components, then flows: they share one id space.
	type instance struct {
		target string
		m      map[string]any
		where  string
	}
	instances := map[string][]instance{} // by OTM threat id
	elemID := map[string]string{}        // OTM id -> tmbot id
	comps := objs(src, "components")
	flows := objs(src, "dataflows")
	for _, c := range comps {
		orig := str(c, "id")
		elemID[orig] = b.id("element", "components", orig, str(c, "name"))
	}
	for _, f := range flows {
		orig := str(f, "id")
		elemID["flow:"+orig] = b.id("element", "flows", orig, str(f, "name"))
	}
	for _, c := range comps {
		orig := str(c, "id")
		id := elemID[orig]
		where := "components." + id
		for _, ti := range objs(c, "threats") {
			instances[str(ti, "threat")] = append(instances[str(ti, "threat")], instance{id, ti, where})
		}
		if t := obj(obj(c, "attributes"), tmbotAttr); t != nil {
			var co Component
			if err := fromGeneric(t, &co); err != nil {
				return fmt.Errorf("%s.attributes.tmbot: %w", where, err)
			}
			d.Components.Set(id, &co)
			continue
		}
		co := &Component{Name: firstNonEmpty(str(c, "name"), orig), Description: str(c, "description")}
		if bd, ok := d.Boundaries.Get(zoneID[str(obj(c, "parent"), "trustZone")]); ok {
			bd.Members = append(bd.Members, id)
		}
		co.Kind = b.kind(where, str(c, "type"), str(c, "name"))
		if zone := str(obj(c, "parent"), "trustZone"); internetZone[zone] {
			co.InternetFacing = true
			b.report.guess(GuessKind, where+".internet_facing", "set because the component is in the internet trust zone %q", zone)
		}
		for _, k := range []string{"processed", "stored"} {
			for _, a := range strs(obj(c, "assets"), k) {
				if aid, ok := assetID[a]; ok {
					co.Data = appendUnique(co.Data, aid)
				}
			}
		}
		co.Extensions = b.ext(rest(c, "id", "name", "description", "threats"), id, orig)
		d.Components.Set(id, co)
	}
	for _, f := range flows {
		orig := str(f, "id")
		id := elemID["flow:"+orig]
		where := "flows." + id
		for _, ti := range objs(f, "threats") {
			instances[str(ti, "threat")] = append(instances[str(ti, "threat")], instance{id, ti, where})
		}
		if t := obj(obj(f, "attributes"), tmbotAttr); t != nil {
			var fl Flow
			if err := fromGeneric(t, &fl); err != nil {
				return fmt.Errorf("%s.attributes.tmbot: %w", where, err)
			}
			d.Flows.Set(id, &fl)
			continue
		}
		from, okF := elemID[str(f, "source")]
		to, okT := elemID[str(f, "destination")]
		if !okF || !okT {
			b.report.guess(GuessKept, where, "the flow's source %q or destination %q is not a component; the flow is kept under extensions.otm.dataflows only", str(f, "source"), str(f, "destination"))
			top["dataflows"] = append(anyList(top["dataflows"]), f)
			delete(b.taken["element"], id)
			continue
		}
		fl := &Flow{From: from, To: to, Description: firstNonEmpty(str(f, "description"), str(f, "name"))}
		for _, a := range strs(f, "assets") {
			if aid, ok := assetID[a]; ok {
				fl.Data = appendUnique(fl.Data, aid)
			}
		}
		fl.Bidirectional = boolean(f, "bidirectional")
		drop := []string{"id", "source", "destination", "assets", "threats", "description", "bidirectional"}
		if str(f, "description") == "" {
			drop = append(drop, "name")
		}
		fl.Extensions = b.ext(rest(f, drop...), id, orig)
		d.Flows.Set(id, fl)
	}
	// Mitigations, with their state from the threat instances.
	mitID := map[string]string{}
	mitStates := map[string][]string{}
	for _, ins := range instances {
		for _, in := range ins {
			for _, mi := range objs(in.m, "mitigations") {
				mitStates[str(mi, "mitigation")] = append(mitStates[str(mi, "mitigation")], str(mi, "state"))
			}
		}
	}
	for _, m := range objs(src, "mitigations") {
		orig := str(m, "id")
		id := b.id("mitigation", "mitigations", orig, str(m, "name"))
		mitID[orig] = id
		where := "mitigations." + id
		if t := obj(obj(m, "attributes"), tmbotAttr); t != nil {
			var mi Mitigation
			if err := fromGeneric(t, &mi); err != nil {
				return fmt.Errorf("%s.attributes.tmbot: %w", where, err)
			}
			d.Mitigations.Set(id, &mi)
			continue
		}
		mi := &Mitigation{Title: firstNonEmpty(str(m, "name"), orig), Description: str(m, "description")}
		mi.Status = b.otmMitigationStatus(where, mitStates[orig])
		mi.Extensions = b.ext(rest(m, "id", "name", "description"), id, orig)
		d.Mitigations.Set(id, mi)
	}
	// Threats.
	for _, t := range objs(src, "threats") {
		orig := str(t, "id")
		id := b.id("threat", "threats", orig, str(t, "name"))
		where := "threats." + id
		if tt := obj(obj(t, "attributes"), tmbotAttr); tt != nil {
			var th Threat
			if err := fromGeneric(tt, &th); err != nil {
				return fmt.Errorf("%s.attributes.tmbot: %w", where, err)
			}
			d.Threats.Set(id, &th)
			continue
		}
		th := &Threat{Title: firstNonEmpty(str(t, "name"), orig), Description: str(t, "description")}
		var otherCats []string
		for _, c := range strs(t, "categories") {
			if s := strideOf(c); s != "" {
				th.Stride = appendUnique(th.Stride, s)
			} else {
				otherCats = append(otherCats, c)
			}
		}
		var cwes []string
		for _, c := range strs(t, "cwes") {
			c = strings.ToUpper(strings.TrimSpace(c))
			if !strings.HasPrefix(c, "CWE-") {
				c = "CWE-" + c
			}
			cwes = append(cwes, c)
		}
		th.CWE, _ = b.catalogIDs(where+".cwe", catalog.CWE, cwes)
		risk := obj(t, "risk")
		if v, ok := num(risk, "likelihood"); ok {
			th.Likelihood = b.percentLevel(v)
		} else {
			th.Likelihood = "medium"
			b.report.guess(GuessLevel, where+".likelihood", "the source gives no likelihood; set to medium")
		}
		if v, ok := num(risk, "impact"); ok {
			th.Impact = b.percentLevel(v)
		} else {
			th.Impact = "medium"
			b.report.guess(GuessLevel, where+".impact", "the source gives no impact; set to medium")
		}
		var states []string
		for _, in := range instances[orig] {
			th.Targets = appendUnique(th.Targets, in.target)
			states = append(states, str(in.m, "state"))
			for _, mi := range objs(in.m, "mitigations") {
				if mid, ok := mitID[str(mi, "mitigation")]; ok {
					th.Mitigations = appendUnique(th.Mitigations, mid)
				}
			}
		}
		b.otmThreatStatus(th, where, states)
		r := rest(t, "id", "name", "description", "categories")
		if ins := instances[orig]; len(ins) > 0 {
			var raw []any
			for _, in := range ins {
				raw = append(raw, map[string]any{"on": in.target, "instance": in.m})
			}
			r["instances"] = raw
		}
		if len(otherCats) > 0 {
			r["categories"] = otherCats
		}
		if len(th.CWE) == len(cwes) {
			delete(r, "cwes")
		}
		th.Extensions = b.ext(r, id, orig)
		d.Threats.Set(id, th)
	}
	// Instances that name a threat or a mitigation the document does not
	// define are kept and reported, not lost.
	known := map[string]bool{}
	for _, t := range objs(src, "threats") {
		known[str(t, "id")] = true
	}
	var orphans []any
	for _, tid := range sortedKeysOf(instances) {
		for _, in := range instances[tid] {
			if !known[tid] {
				orphans = append(orphans, map[string]any{"on": in.target, "instance": in.m})
				b.report.guess(GuessKept, in.where, "the threat instance names threat %q, which the document does not define; kept under extensions.otm.orphanInstances", tid)
				continue
			}
			for _, mi := range objs(in.m, "mitigations") {
				if _, ok := mitID[str(mi, "mitigation")]; !ok {
					orphans = append(orphans, map[string]any{"on": in.target, "threat": tid, "mitigation": mi})
					b.report.guess(GuessKept, in.where, "a mitigation instance names mitigation %q, which the document does not define; kept under extensions.otm.orphanInstances", str(mi, "mitigation"))
				}
			}
		}
	}
	if len(orphans) > 0 {
		top["orphanInstances"] = orphans
	}
	for _, k := range sortedKeys(src) {
		switch k {
		case "otmVersion":
			if !exported {
				top[k] = src[k]
			}
		case "project", "representations", "trustZones", "assets", "components", "dataflows", "threats", "mitigations":
		default:
			top[k] = src[k]
		}
	}
	if len(top) > 0 {
		if d.Extensions == nil {
			d.Extensions = map[string]any{}
		}
		d.Extensions[b.format] = top
	}
	return ctx.Err()
}

// confidentiality maps OTM's 0-100 confidentiality to a classification.
func (b *builder) confidentiality(v float64) string {
	b.report.rule("an OTM asset's confidentiality (0 to 100) maps to a classification: under 25 public, 25 to under 50 internal, 50 to under 75 confidential, 75 and over restricted")
	switch {
	case v < 25:
		return "public"
	case v < 50:
		return "internal"
	case v < 75:
		return "confidential"
	}
	return "restricted"
}

// otmThreatStatus sets a threat's status from the states of its instances;
// the least settled wins.
func (b *builder) otmThreatStatus(t *Threat, where string, states []string) {
	rank := map[string]int{"open": 0, "accepted": 1, "not_applicable": 2, "mitigated": 3}
	best := ""
	for _, s := range states {
		var m string
		switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-")) {
		case "mitigated":
			m = "mitigated"
		case "accepted":
			m = "accepted"
		case "not-applicable", "notapplicable", "n/a", "na":
			m = "not_applicable"
		case "exposed", "open", "":
			m = "open"
		default:
			m = "open"
			b.report.guess(GuessStatus, where+".status", "OTM threat state %q read as open", s)
		}
		if best == "" || rank[m] < rank[best] {
			best = m
		}
	}
	if len(states) > 1 {
		differ := false
		for _, s := range states[1:] {
			differ = differ || s != states[0]
		}
		if differ {
			b.report.guess(GuessStatus, where+".status", "the threat's instances have different states (%s); the least settled, %s, is used", strings.Join(states, ", "), best)
		}
	}
	switch best {
	case "", "open":
	case "accepted":
		b.accept(t, where, "", "", "")
	case "not_applicable":
		t.Status = best
		t.Reason = "Marked not applicable in the OTM source."
	default:
		t.Status = best
	}
}

// otmMitigationStatus maps the states of a mitigation's instances; the
// least advanced wins.
func (b *builder) otmMitigationStatus(where string, states []string) string {
	order := []string{"proposed", "wont_do", "planned", "in_progress", "implemented", "verified"}
	rank := map[string]int{}
	for i, s := range order {
		rank[s] = i
	}
	if len(states) == 0 {
		b.report.guess(GuessStatus, where+".status", "no threat instance gives the mitigation a state; set to proposed, which plans nothing")
		return "proposed"
	}
	best := ""
	for _, s := range states {
		var m string
		switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-")) {
		case "implemented":
			m = "implemented"
		case "verified":
			m = "verified"
		case "rejected", "not-applicable", "wont-do":
			m = "wont_do"
		case "in-progress":
			m = "in_progress"
		case "planned":
			m = "planned"
		default: // required, recommended, and anything else
			m = "proposed"
			b.report.guess(GuessStatus, where+".status", "OTM mitigation state %q plans nothing (no owner, no date); set to proposed", s)
		}
		if best == "" || rank[m] < rank[best] {
			best = m
		}
	}
	return best
}

// idMap returns source id -> tmbot id for a space, from the reports'
// originals; for OTM the ids are kept when valid, so it maps the ones the
// builder has seen.
func idMap(b *builder, space string) map[string]string {
	out := map[string]string{}
	switch space {
	case "asset":
		for _, k := range b.doc.Assets.Keys() {
			a, _ := b.doc.Assets.Get(k)
			out[k] = k
			if src, ok := a.Extensions[b.format].(map[string]any); ok {
				if o, ok := src["id"].(string); ok {
					out[o] = k
				}
			}
		}
	}
	return out
}

func anyList(v any) []any { l, _ := v.([]any); return l }

// fromGeneric decodes generic data into a typed value through JSON.
func fromGeneric(v any, into any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(into)
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// otmZones turns OTM trust zones into boundaries and returns the boundary
// id of each zone id. A zone is trusted when its trustRating is 50 or more,
// or, without one, when it is not the internet; its members are the
// components whose parent is the zone (a component inside another
// component, or a zone inside a zone, is not nested: tmbot's boundaries do
// not nest). A document that tmbot exported carries its boundaries whole
// under attributes.tmbot; its other zones only place components.
func (b *builder) otmZones(zones []map[string]any, exported bool) (map[string]string, error) {
	ids := map[string]string{}
	for _, z := range zones {
		orig := str(z, "id")
		if exported {
			t := obj(obj(z, "attributes"), tmbotAttr)
			if t == nil {
				continue
			}
			var bd Boundary
			if err := fromGeneric(t, &bd); err != nil {
				return nil, fmt.Errorf("trustZones.%s.attributes.tmbot: %w", orig, err)
			}
			b.doc.Boundaries.Set(b.id("boundary", "boundaries", orig, bd.Name), &bd)
			continue
		}
		id := b.id("boundary", "boundaries", orig, str(z, "name"))
		ids[orig] = id
		bd := &Boundary{Name: firstNonEmpty(str(z, "name"), orig), Description: str(z, "description")}
		trusted := !strings.EqualFold(str(z, "type"), "internet") && !strings.Contains(strings.ToLower(str(z, "name")), "internet")
		if r, ok := num(obj(z, "risk"), "trustRating"); ok {
			trusted = r >= 50
		}
		if !trusted {
			bd.Trusted = flag(false)
		}
		if p := str(obj(z, "parent"), "trustZone"); p != "" {
			b.report.guess(GuessKept, "boundaries."+id, "the trust zone %q sits inside the zone %q; tmbot's boundaries do not nest, so it is a boundary of its own", orig, p)
		}
		bd.Extensions = b.ext(rest(z, "id", "name", "description"), id, orig)
		b.doc.Boundaries.Set(id, bd)
	}
	return ids, nil
}
