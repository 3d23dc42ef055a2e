package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
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
	oi := &otmImport{b: b, d: b.doc, src: src, top: map[string]any{},
		instances: map[string][]otmInstance{}, elemID: map[string]string{}, mitID: map[string]string{}}
	if err := oi.project(); err != nil {
		return err
	}
	// Trust zones become boundaries (otmZones); a component in a zone of
	// type internet is internet-facing.
	oi.internetZone = map[string]bool{}
	for _, z := range objs(src, "trustZones") {
		if strings.EqualFold(str(z, "type"), "internet") || strings.Contains(strings.ToLower(str(z, "name")), "internet") {
			oi.internetZone[str(z, "id")] = true
		}
	}
	if oi.zoneID, err = b.otmZones(objs(src, "trustZones"), oi.exported); err != nil {
		return err
	}
	if v, ok := src["representations"]; ok && v != nil && !oi.exported {
		oi.top["representations"] = v
	}
	for _, step := range []func() error{oi.assets, oi.elements, oi.mitigations, oi.threats} {
		if err := step(); err != nil {
			return err
		}
	}
	oi.orphans()
	oi.keepRest()
	return ctx.Err()
}

// otmImport is the state of one OTM import.
type otmImport struct {
	b        *builder
	d        *Doc
	src      map[string]any
	exported bool           // the document is a tmbot export (tmbot attributes on the project)
	top      map[string]any // what extensions.otm keeps

	internetZone map[string]bool          // the zones of type internet
	zoneID       map[string]string        // OTM zone id -> boundary id
	assetID      map[string]string        // OTM asset id -> asset id
	elemID       map[string]string        // OTM component id, or "flow:" and a dataflow id -> element id
	instances    map[string][]otmInstance // threat instances on components and flows, by OTM threat id
	mitID        map[string]string        // OTM mitigation id -> mitigation id
}

// otmInstance is a threat instance: the OTM object on the component or flow
// target, where that element is in the model.
type otmInstance struct {
	target string
	m      map[string]any
	where  string
}

// project reads the project into the system: whole from a tmbot export,
// else from its name, description, owner and id.
func (oi *otmImport) project() error {
	b, d := oi.b, oi.d
	p := obj(oi.src, "project")
	if p == nil {
		return fmt.Errorf("project: missing; an OTM document names its project")
	}
	pattrs := obj(p, "attributes")
	oi.exported = pattrs != nil && pattrs[tmbotAttr] != nil
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
	if r := rest(p, "name", "description", "owner"); oi.exported {
		delete(r, "attributes")
		delete(r, "id")
		if len(r) > 0 {
			oi.top["project"] = r
		}
	} else if len(r) > 0 {
		oi.top["project"] = r
	}
	return nil
}

// assets reads the assets; a confidentiality rating becomes a
// classification.
func (oi *otmImport) assets() error {
	b, d := oi.b, oi.d
	for _, a := range objs(oi.src, "assets") {
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
	oi.assetID = idMap(b, "asset")
	return nil
}

// elements reads the components, then the dataflows: they share one id
// space, so all their ids are taken first.
func (oi *otmImport) elements() error {
	comps := objs(oi.src, "components")
	flows := objs(oi.src, "dataflows")
	for _, c := range comps {
		orig := str(c, "id")
		oi.elemID[orig] = oi.b.id("element", "components", orig, str(c, "name"))
	}
	for _, f := range flows {
		orig := str(f, "id")
		oi.elemID["flow:"+orig] = oi.b.id("element", "flows", orig, str(f, "name"))
	}
	for _, c := range comps {
		if err := oi.component(c); err != nil {
			return err
		}
	}
	for _, f := range flows {
		if err := oi.flow(f); err != nil {
			return err
		}
	}
	return nil
}

// component reads one component and notes its threat instances.
func (oi *otmImport) component(c map[string]any) error {
	b, d := oi.b, oi.d
	orig := str(c, "id")
	id := oi.elemID[orig]
	where := "components." + id
	for _, ti := range objs(c, "threats") {
		oi.instances[str(ti, "threat")] = append(oi.instances[str(ti, "threat")], otmInstance{id, ti, where})
	}
	if t := obj(obj(c, "attributes"), tmbotAttr); t != nil {
		var co Component
		if err := fromGeneric(t, &co); err != nil {
			return fmt.Errorf("%s.attributes.tmbot: %w", where, err)
		}
		d.Components.Set(id, &co)
		return nil
	}
	co := &Component{Name: firstNonEmpty(str(c, "name"), orig), Description: str(c, "description")}
	if bd, ok := d.Boundaries.Get(oi.zoneID[str(obj(c, "parent"), "trustZone")]); ok {
		bd.Members = append(bd.Members, id)
	}
	co.Kind = b.kind(where, str(c, "type"), str(c, "name"))
	if zone := str(obj(c, "parent"), "trustZone"); oi.internetZone[zone] {
		co.InternetFacing = true
		b.report.guess(GuessKind, where+".internet_facing", "set because the component is in the internet trust zone %q", zone)
	}
	for _, k := range []string{"processed", "stored"} {
		for _, a := range strs(obj(c, "assets"), k) {
			if aid, ok := oi.assetID[a]; ok {
				co.Data = appendUnique(co.Data, aid)
			}
		}
	}
	co.Extensions = b.ext(rest(c, "id", "name", "description", "threats"), id, orig)
	d.Components.Set(id, co)
	return nil
}

// flow reads one dataflow and notes its threat instances; a flow whose
// source or destination is not a component is kept under extensions only.
func (oi *otmImport) flow(f map[string]any) error {
	b, d := oi.b, oi.d
	orig := str(f, "id")
	id := oi.elemID["flow:"+orig]
	where := "flows." + id
	for _, ti := range objs(f, "threats") {
		oi.instances[str(ti, "threat")] = append(oi.instances[str(ti, "threat")], otmInstance{id, ti, where})
	}
	if t := obj(obj(f, "attributes"), tmbotAttr); t != nil {
		var fl Flow
		if err := fromGeneric(t, &fl); err != nil {
			return fmt.Errorf("%s.attributes.tmbot: %w", where, err)
		}
		d.Flows.Set(id, &fl)
		return nil
	}
	from, okF := oi.elemID[str(f, "source")]
	to, okT := oi.elemID[str(f, "destination")]
	if !okF || !okT {
		b.report.guess(GuessKept, where, "the flow's source %q or destination %q is not a component; the flow is kept under extensions.otm.dataflows only", str(f, "source"), str(f, "destination"))
		oi.top["dataflows"] = append(anyList(oi.top["dataflows"]), f)
		delete(b.taken["element"], id)
		return nil
	}
	fl := &Flow{From: from, To: to, Description: firstNonEmpty(str(f, "description"), str(f, "name"))}
	for _, a := range strs(f, "assets") {
		if aid, ok := oi.assetID[a]; ok {
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
	return nil
}

// keepRest keeps the document's other top-level keys under extensions.otm
// (and its otmVersion, unless tmbot exported it).
func (oi *otmImport) keepRest() {
	for _, k := range sortedKeys(oi.src) {
		switch k {
		case "otmVersion":
			if !oi.exported {
				oi.top[k] = oi.src[k]
			}
		case "project", "representations", "trustZones", "assets", "components", "dataflows", "threats", "mitigations":
		default:
			oi.top[k] = oi.src[k]
		}
	}
	if len(oi.top) > 0 {
		if oi.d.Extensions == nil {
			oi.d.Extensions = map[string]any{}
		}
		oi.d.Extensions[oi.b.format] = oi.top
	}
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
