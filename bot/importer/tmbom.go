package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/tmbot/tmbot/bot/catalog"
)

// The OWASP Threat Model Library (TM-BOM) scales.
var (
	tmbomLikelihood = map[string]string{"rare": "low", "unlikely": "low", "possible": "medium", "likely": "high", "certain": "high"}
	tmbomImpact     = map[string]string{"negligible": "low", "minor": "low", "moderate": "medium", "major": "high", "severe": "high"}
	tmbomControl    = map[string]string{
		"active": "implemented", "assumed": "implemented", "approved": "planned", "scheduled": "planned",
		"suggested": "proposed", "under_review": "proposed", "retired": "wont_do", "wont_do": "wont_do",
	}
)

// importTMBOM reads an OWASP Threat Model Library / TM-BOM document
// (JSON, schema 1.x): actors, components and data stores become
// components, data sets assets, controls mitigations; a threat's
// likelihood and impact come from the risks that name it.
func importTMBOM(ctx context.Context, b *builder, data []byte) error {
	src, err := decodeJSON(data)
	if err != nil {
		return err
	}
	if _, ok := src["scope"]; !ok {
		return fmt.Errorf("no scope: this does not look like a TM-BOM threat model")
	}
	b.report.rule("TM-BOM likelihood maps to three levels: rare and unlikely→low, possible→medium, likely and certain→high; impact: negligible and minor→low, moderate→medium, major and severe→high")
	b.report.rule("TM-BOM control statuses: active and assumed→implemented, approved and scheduled→planned, suggested and under_review→proposed (they plan nothing), retired and wont_do→wont_do")
	d := b.doc
	scope := obj(src, "scope")
	d.System = System{Name: strings.TrimSpace(str(scope, "title")), Description: firstNonEmpty(str(src, "description"), str(scope, "description"))}
	ti := &tmbomImport{b: b, d: d, src: src,
		top:  rest(src, "scope", "description", "actors", "components", "data_stores", "data_sets", "data_flows", "threats", "controls"),
		elem: map[string]string{}, mitsOf: map[string][]string{}}
	if r := rest(scope, "title"); len(r) > 0 {
		ti.top["scope"] = r
	}
	ti.elements()
	ti.dataSets()
	ti.flows()
	ti.controls()
	ti.threats(ti.ratings())
	if len(ti.top) > 0 {
		d.Extensions = map[string]any{b.format: ti.top}
	}
	return ctx.Err()
}

// tmbomImport is the state of one TM-BOM import.
type tmbomImport struct {
	b      *builder
	d      *Doc
	src    map[string]any
	top    map[string]any      // what extensions.tmbom keeps
	elem   map[string]string   // "type:symbolic_name" -> id
	mitsOf map[string][]string // threat symbolic name -> the ids of the controls that name it
}

// elements reads the actors, components and data stores as components.
func (ti *tmbomImport) elements() {
	b := ti.b
	ti.section("actors", "actor", func(e map[string]any, where string) string {
		if t := str(e, "type"); t == "system" || t == "third_party" {
			b.report.guess(GuessKind, where, "a TM-BOM actor of type %s read as kind third_party_service", t)
			return "third_party_service"
		}
		return "user"
	})
	ti.section("components", "component", func(e map[string]any, where string) string {
		return b.kind(where, str(e, "type"), str(e, "title"), str(e, "symbolic_name"))
	})
	ti.section("data_stores", "data_store", func(e map[string]any, where string) string {
		if t := str(e, "type"); t == "object" {
			return "storage"
		}
		return "database"
	})
}

// section reads one section of elements as components of the kind that
// kind says.
func (ti *tmbomImport) section(section, typ string, kind func(map[string]any, string) string) {
	b := ti.b
	for _, e := range objs(ti.src, section) {
		orig := str(e, "symbolic_name")
		name := strings.Join(strings.Fields(firstNonEmpty(str(e, "title"), orig)), " ")
		id := b.id("element", "components", orig, name)
		ti.elem[typ+":"+orig] = id
		where := "components." + id
		co := &Component{Name: name, Description: str(e, "description"), Kind: kind(e, where)}
		r := rest(e, "symbolic_name", "title", "description")
		r["section"] = section
		co.Extensions = b.ext(r, id, orig)
		ti.d.Components.Set(id, co)
	}
}

// dataSets reads the data sets as assets, and as the data of the stores
// that hold them.
func (ti *tmbomImport) dataSets() {
	b, d := ti.b, ti.d
	for _, s := range objs(ti.src, "data_sets") {
		orig := str(s, "symbolic_name")
		id := b.id("asset", "assets", orig, str(s, "title"))
		where := "assets." + id
		as := &Asset{Name: firstNonEmpty(str(s, "title"), orig), Description: str(s, "description")}
		sens := strs(s, "data_sensitivity")
		switch {
		case len(sens) == 0:
		case containsAny(sens, "pii", "phi", "fin", "cred", "pci", "gov"):
			as.Classification = "restricted"
		default:
			as.Classification = "confidential"
		}
		if len(sens) > 0 {
			b.report.guess(GuessClassification, where+".classification", "read as %s from the data sensitivity %s", as.Classification, strings.Join(sens, ", "))
		}
		for _, p := range objs(s, "placements") {
			if cid, ok := ti.elem["data_store:"+str(p, "data_store")]; ok {
				c, _ := d.Components.Get(cid)
				c.Data = appendUnique(c.Data, id)
			}
		}
		as.Extensions = b.ext(rest(s, "symbolic_name", "title", "description"), id, orig)
		d.Assets.Set(id, as)
	}
}

// flows reads the data flows; one with an end that names no element is
// kept under extensions only.
func (ti *tmbomImport) flows() {
	b := ti.b
	for _, f := range objs(ti.src, "data_flows") {
		orig := str(f, "symbolic_name")
		id := b.id("element", "flows", orig, str(f, "title"))
		where := "flows." + id
		from, okF := ti.end(obj(f, "source"), where)
		to, okT := ti.end(obj(f, "destination"), where)
		if !okF || !okT {
			b.report.guess(GuessKept, where, "an end of the flow names no actor, component or data store; kept under extensions.tmbom.data_flows only")
			ti.top["data_flows"] = append(anyList(ti.top["data_flows"]), f)
			delete(b.taken["element"], id)
			continue
		}
		fl := &Flow{From: from, To: to, Description: firstNonEmpty(str(f, "description"), str(f, "title")), Encrypted: stated(f, "encrypted")}
		if t := str(f, "title"); t != "" && len(t) <= 20 && !strings.Contains(t, " ") {
			fl.Protocol = t
		}
		fl.Extensions = b.ext(rest(f, "symbolic_name", "source", "destination", "description", "encrypted"), id, orig)
		ti.d.Flows.Set(id, fl)
	}
}

// end is the element a flow's end names: by its type, else (reported) an
// element of another type with that name.
func (ti *tmbomImport) end(e map[string]any, where string) (string, bool) {
	typ := str(e, "type")
	if typ == "" {
		typ = "component"
	}
	if v, ok := ti.elem[typ+":"+str(e, "object")]; ok {
		return v, true
	}
	for _, t := range []string{"actor", "component", "data_store"} {
		if v, ok := ti.elem[t+":"+str(e, "object")]; ok {
			ti.b.report.guess(GuessTarget, where, "the flow names %q as a %s, but it is a %s; read as that %s", str(e, "object"), typ, t, t)
			return v, true
		}
	}
	return "", false
}

// controls reads the controls as mitigations, and notes the threats each
// names.
func (ti *tmbomImport) controls() {
	b := ti.b
	for _, c := range objs(ti.src, "controls") {
		orig := str(c, "symbolic_name")
		id := b.id("mitigation", "mitigations", orig, str(c, "title"))
		where := "mitigations." + id
		mi := &Mitigation{Title: firstNonEmpty(str(c, "title"), orig), Description: str(c, "description")}
		s := str(c, "status")
		if st, ok := tmbomControl[s]; ok {
			mi.Status = st
			if st == "proposed" {
				b.report.guess(GuessStatus, where+".status", "TM-BOM status %q plans nothing; set to proposed", s)
			}
		} else {
			mi.Status = "proposed"
			b.report.guess(GuessStatus, where+".status", "TM-BOM status %q is unknown or missing; set to proposed", s)
		}
		for _, t := range strs(c, "threats") {
			ti.mitsOf[t] = appendUnique(ti.mitsOf[t], id)
		}
		mi.Extensions = b.ext(rest(c, "symbolic_name", "title", "description", "threats"), id, orig)
		ti.d.Mitigations.Set(id, mi)
	}
}

// tmbomRating is a threat's likelihood and impact.
type tmbomRating struct{ l, i string }

// ratings gives threats their likelihood and impact from the risks: the
// highest risk that names the threat.
func (ti *tmbomImport) ratings() map[string]tmbomRating {
	rank := map[string]int{"low": 1, "medium": 2, "high": 3}
	ratings := map[string]tmbomRating{}
	for _, r := range objs(ti.src, "risks") {
		for _, t := range strs(r, "threats") {
			l, okL := tmbomLikelihood[str(r, "likelihood")]
			i, okI := tmbomImpact[str(r, "impact")]
			if !okL || !okI {
				continue
			}
			old, seen := ratings[t]
			if !seen || rank[l]+rank[i] > rank[old.l]+rank[old.i] {
				ratings[t] = tmbomRating{l, i}
			}
		}
	}
	return ratings
}

// threats reads the threats. Elements a threat is about: controls name
// them through their trust boundary only, so targets come from nothing
// TM-BOM holds per threat; they are left empty and reported.
func (ti *tmbomImport) threats(ratings map[string]tmbomRating) {
	b := ti.b
	for _, t := range objs(ti.src, "threats") {
		orig := str(t, "symbolic_name")
		id := b.id("threat", "threats", orig, str(t, "title"))
		where := "threats." + id
		th := &Threat{Title: firstNonEmpty(str(t, "title"), orig), Description: str(t, "description")}
		if r, ok := ratings[orig]; ok {
			th.Likelihood, th.Impact = r.l, r.i
		} else {
			th.Likelihood, th.Impact = "medium", "medium"
			b.report.guess(GuessLevel, where, "no TM-BOM risk names the threat; likelihood and impact set to medium")
		}
		var capecs, cwes []string
		for _, a := range objs(t, "attack_mechanisms") {
			if n, ok := num(a, "capec_id"); ok {
				capecs = append(capecs, fmt.Sprintf("CAPEC-%d", int(n)))
			}
		}
		for _, w := range objs(t, "weaknesses") {
			if n, ok := num(w, "cwe_id"); ok {
				cwes = append(cwes, fmt.Sprintf("CWE-%d", int(n)))
			}
		}
		th.CAPEC, _ = b.catalogIDs(where+".capec", catalog.CAPEC, capecs)
		th.CWE, _ = b.catalogIDs(where+".cwe", catalog.CWE, cwes)
		th.Mitigations = ti.mitsOf[orig]
		b.report.guess(GuessTarget, where+".targets", "TM-BOM threats name no element; the threat is about the system as a whole: add targets")
		th.Extensions = b.ext(rest(t, "symbolic_name", "title", "description"), id, orig)
		ti.d.Threats.Set(id, th)
	}
}

func containsAny(list []string, want ...string) bool {
	for _, s := range list {
		for _, w := range want {
			if s == w {
				return true
			}
		}
	}
	return false
}
