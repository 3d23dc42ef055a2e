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
	top := rest(src, "scope", "description", "actors", "components", "data_stores", "data_sets", "data_flows", "threats", "controls")
	if r := rest(scope, "title"); len(r) > 0 {
		top["scope"] = r
	}
	elem := map[string]string{} // "type:symbolic_name" -> id
	addElems := func(section, typ string, kind func(map[string]any, string) string) {
		for _, e := range objs(src, section) {
			orig := str(e, "symbolic_name")
			name := strings.Join(strings.Fields(firstNonEmpty(str(e, "title"), orig)), " ")
			id := b.id("element", "components", orig, name)
			elem[typ+":"+orig] = id
			where := "components." + id
			co := &Component{Name: name, Description: str(e, "description"), Kind: kind(e, where)}
			r := rest(e, "symbolic_name", "title", "description")
			r["section"] = section
			co.Extensions = b.ext(r, id, orig)
			d.Components.Set(id, co)
		}
	}
	addElems("actors", "actor", func(e map[string]any, where string) string {
		if t := str(e, "type"); t == "system" || t == "third_party" {
			b.report.guess(GuessKind, where, "a TM-BOM actor of type %s read as kind third_party_service", t)
			return "third_party_service"
		}
		return "user"
	})
	addElems("components", "component", func(e map[string]any, where string) string {
		return b.kind(where, str(e, "type"), str(e, "title"), str(e, "symbolic_name"))
	})
	addElems("data_stores", "data_store", func(e map[string]any, where string) string {
		if t := str(e, "type"); t == "object" {
			return "storage"
		}
		return "database"
	})
	// Data sets: assets, and the data of the stores that hold them.
	for _, s := range objs(src, "data_sets") {
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
			if cid, ok := elem["data_store:"+str(p, "data_store")]; ok {
				c, _ := d.Components.Get(cid)
				c.Data = appendUnique(c.Data, id)
			}
		}
		as.Extensions = b.ext(rest(s, "symbolic_name", "title", "description"), id, orig)
		d.Assets.Set(id, as)
	}
	for _, f := range objs(src, "data_flows") {
		orig := str(f, "symbolic_name")
		id := b.id("element", "flows", orig, str(f, "title"))
		where := "flows." + id
		endID := func(e map[string]any) (string, bool) {
			typ := str(e, "type")
			if typ == "" {
				typ = "component"
			}
			if v, ok := elem[typ+":"+str(e, "object")]; ok {
				return v, true
			}
			for _, t := range []string{"actor", "component", "data_store"} {
				if v, ok := elem[t+":"+str(e, "object")]; ok {
					b.report.guess(GuessTarget, where, "the flow names %q as a %s, but it is a %s; read as that %s", str(e, "object"), typ, t, t)
					return v, true
				}
			}
			return "", false
		}
		from, okF := endID(obj(f, "source"))
		to, okT := endID(obj(f, "destination"))
		if !okF || !okT {
			b.report.guess(GuessKept, where, "an end of the flow names no actor, component or data store; kept under extensions.tmbom.data_flows only")
			top["data_flows"] = append(anyList(top["data_flows"]), f)
			delete(b.taken["element"], id)
			continue
		}
		fl := &Flow{From: from, To: to, Description: firstNonEmpty(str(f, "description"), str(f, "title")), Encrypted: stated(f, "encrypted")}
		if t := str(f, "title"); t != "" && len(t) <= 20 && !strings.Contains(t, " ") {
			fl.Protocol = t
		}
		fl.Extensions = b.ext(rest(f, "symbolic_name", "source", "destination", "description", "encrypted"), id, orig)
		d.Flows.Set(id, fl)
	}
	// Controls: mitigations.
	mitsOf := map[string][]string{}
	for _, c := range objs(src, "controls") {
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
			mitsOf[t] = appendUnique(mitsOf[t], id)
		}
		mi.Extensions = b.ext(rest(c, "symbolic_name", "title", "description", "threats"), id, orig)
		d.Mitigations.Set(id, mi)
	}
	// Risks give threats their likelihood and impact: the highest risk
	// that names the threat.
	type rating struct{ l, i string }
	rank := map[string]int{"low": 1, "medium": 2, "high": 3}
	ratings := map[string]rating{}
	for _, r := range objs(src, "risks") {
		for _, t := range strs(r, "threats") {
			l, okL := tmbomLikelihood[str(r, "likelihood")]
			i, okI := tmbomImpact[str(r, "impact")]
			if !okL || !okI {
				continue
			}
			old, seen := ratings[t]
			if !seen || rank[l]+rank[i] > rank[old.l]+rank[old.i] {
				ratings[t] = rating{l, i}
			}
		}
	}
	// Elements a threat is about: controls name them through their
	// trust boundary only, so targets come from nothing TM-BOM holds per
	// threat; they are left empty and reported.
	for _, t := range objs(src, "threats") {
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
		th.Mitigations = mitsOf[orig]
		b.report.guess(GuessTarget, where+".targets", "TM-BOM threats name no element; the threat is about the system as a whole: add targets")
		th.Extensions = b.ext(rest(t, "symbolic_name", "title", "description"), id, orig)
		d.Threats.Set(id, th)
	}
	if len(top) > 0 {
		d.Extensions = map[string]any{b.format: top}
	}
	return ctx.Err()
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
