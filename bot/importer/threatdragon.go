package importer

import (
	"context"
	"fmt"
	"strings"
)

// tdRefines lists, per Threat Dragon element type, the kinds its name may
// refine it to ("Message Queue", a store, is a queue).
var tdRefines = map[string]map[string]bool{
	"tm.Store": {"cache": true, "queue": true, "storage": true, "secrets_store": true, "vector_store": true,
		"feature_store": true, "dataset": true, "model_registry": true},
	"tm.Process": {"api": true, "web_app": true, "llm": true, "agent": true, "ci_cd": true, "identity_provider": true,
		"guardrail": true, "embedding_model": true, "model": true, "training_pipeline": true, "tool": true},
	"tm.Actor": {"third_party_service": true},
}

var tdSeverity = map[string]string{"low": "low", "medium": "medium", "high": "high", "critical": "high"}

// importThreatDragon reads an OWASP Threat Dragon v2 model (JSON). Its
// threats live on the diagram's cells; each carries a severity and one
// free-text mitigation.
func importThreatDragon(ctx context.Context, b *builder, data []byte) error {
	src, err := decodeJSON(data)
	if err != nil {
		return err
	}
	detail := obj(src, "detail")
	if detail == nil || obj(src, "summary") == nil {
		return fmt.Errorf("no summary or detail: this does not look like a Threat Dragon v2 model")
	}
	b.report.rule("Threat Dragon's severity is its only rating: it is used as the impact (Low, Medium, High; Critical as high) and the likelihood is set to medium")
	b.report.rule("a Threat Dragon threat's mitigation text becomes a mitigation: implemented when the threat is Mitigated, proposed otherwise (it plans nothing)")
	b.report.rule("a Threat Dragon trust boundary box becomes a trusted boundary of the elements whose centre is inside it; a boundary curve has no inside, so it is kept under extensions")
	top := b.tdSystem(src, detail)
	td := &tdImport{b: b, cellIDs: map[string]string{}}
	for di, dg := range objs(detail, "diagrams") {
		cells := objs(dg, "cells")
		// Elements first, then flows (which name elements by cell id).
		td.elements(dg, cells)
		boxes := b.tdBoxes(cells, td.cellIDs, str(dg, "title"))
		td.flows(di, dg, cells, boxes)
	}
	if len(td.kept) > 0 {
		top["cells"] = td.kept
	}
	for _, p := range td.withThreats {
		td.threats(p.cell, p.id)
	}
	b.doc.Extensions = map[string]any{b.format: top}
	return ctx.Err()
}

// tdSystem reads the summary into the system and returns what the model
// keeps under extensions (the summary's other fields, the diagrams without
// their cells).
func (b *builder) tdSystem(src, detail map[string]any) map[string]any {
	sum := obj(src, "summary")
	b.doc.System = System{Name: strings.TrimSpace(str(sum, "title")), Description: str(sum, "description")}
	if o := str(sum, "owner"); o != "" {
		b.report.guess(GuessKept, "system.owner", "the owner %q is kept under extensions; write the owning team's handle as system.owner", o)
	}
	top := rest(src, "detail")
	if r := rest(sum, "title", "description"); len(r) > 0 {
		top["summary"] = r
	} else {
		delete(top, "summary")
	}
	if r := rest(detail, "diagrams"); len(r) > 0 {
		top["detail"] = r
	}
	var diagrams []any
	for _, dg := range objs(detail, "diagrams") {
		diagrams = append(diagrams, rest(dg, "cells"))
	}
	if len(diagrams) > 0 {
		top["diagrams"] = diagrams
	}
	return top
}

// tdImport is the state of one Threat Dragon import across its diagrams.
type tdImport struct {
	b           *builder
	cellIDs     map[string]string // cell id → component id
	withThreats []tdPending       // cells whose threats are read last
	kept        []any             // cells kept under extensions only
}

type tdPending struct {
	cell map[string]any
	id   string // the element or flow, empty for a flow that connects no elements
}

// elements reads the actors, processes and stores of one diagram.
func (td *tdImport) elements(dg map[string]any, cells []map[string]any) {
	b := td.b
	for _, c := range cells {
		data := obj(c, "data")
		typ := str(data, "type")
		var kind string
		switch typ {
		case "tm.Actor":
			kind = "user"
		case "tm.Process":
			kind = "service"
		case "tm.Store":
			kind = "database"
		default:
			continue
		}
		name := firstNonEmpty(strings.TrimSpace(strings.ReplaceAll(str(data, "name"), "\n", " ")), str(c, "id"))
		id := b.id("element", "components", slug(name), name)
		td.cellIDs[str(c, "id")] = id
		where := "components." + id
		if k, ok := clientKind(name); ok && typ == "tm.Process" {
			kind = k // the user's browser or phone app, drawn as a process
		} else if k, ok := guessKind(name); ok && tdRefines[typ][k] {
			kind = k
		}
		b.report.guess(GuessKind, where, "Threat Dragon %s %q read as kind %s", strings.TrimPrefix(typ, "tm."), name, kind)
		co := &Component{Name: name, Kind: kind, Description: str(data, "description")}
		r := rest(data, "description", "threats")
		co.Extensions = withOriginal(b.ext(map[string]any{"data": r, "diagram": str(dg, "title"), "cell": rest(c, "data", "id")}, id, ""), b.format, str(c, "id"))
		b.doc.Components.Set(id, co)
		td.withThreats = append(td.withThreats, tdPending{data, id})
	}
}

// flows reads the flows of one diagram (diagram number di); other cells
// that are neither elements nor the boxes used as boundaries are kept.
func (td *tdImport) flows(di int, dg map[string]any, cells []map[string]any, boxes map[string]bool) {
	b := td.b
	for _, c := range cells {
		data := obj(c, "data")
		if str(data, "type") != "tm.Flow" {
			if t := str(data, "type"); t != "tm.Actor" && t != "tm.Process" && t != "tm.Store" && !boxes[str(c, "id")] {
				td.kept = append(td.kept, map[string]any{"diagram": di, "cell": c})
			}
			continue
		}
		name := strings.TrimSpace(strings.ReplaceAll(str(data, "name"), "\n", " "))
		from, okF := td.cellIDs[str(obj(c, "source"), "cell")]
		to, okT := td.cellIDs[str(obj(c, "target"), "cell")]
		id := b.id("element", "flows", slug(firstNonEmpty(name, "flow")+"-"+from+"-"+to), name)
		where := "flows." + id
		if !okF || !okT {
			b.report.guess(GuessKept, where, "the flow %q is not connected to two elements; kept under extensions.threat-dragon.cells only", name)
			td.kept = append(td.kept, map[string]any{"diagram": di, "cell": c})
			delete(b.taken["element"], id)
			if len(objs(data, "threats")) > 0 {
				td.withThreats = append(td.withThreats, tdPending{data, ""})
			}
			continue
		}
		fl := &Flow{From: from, To: to, Description: name, Protocol: str(data, "protocol"),
			Encrypted: ifTrue(boolean(data, "isEncrypted")), Bidirectional: boolean(data, "isBidirectional")}
		r := rest(data, "description", "protocol", "isEncrypted", "threats")
		fl.Extensions = withOriginal(b.ext(map[string]any{"data": r, "diagram": str(dg, "title"), "cell": rest(c, "data", "id")}, id, ""), b.format, str(c, "id"))
		b.doc.Flows.Set(id, fl)
		td.withThreats = append(td.withThreats, tdPending{data, id})
	}
}

// threats reads the threats of one cell (target: the element or flow id,
// empty for a flow that connects no elements), with their mitigations.
func (td *tdImport) threats(cell map[string]any, target string) {
	b, d := td.b, td.b.doc
	for _, t := range objs(cell, "threats") {
		title := firstNonEmpty(strings.TrimSpace(str(t, "title")), "Threat")
		id := b.id("threat", "threats", slug(title), title)
		where := "threats." + id
		th := &Threat{Title: title, Description: str(t, "description"), Likelihood: "medium"}
		th.Impact = b.level(where+".impact", "severity", str(t, "severity"), tdSeverity, "medium")
		if s := strideOf(str(t, "type")); s != "" {
			th.Stride = []string{s}
		}
		if target != "" {
			th.Targets = []string{target}
		} else {
			b.report.guess(GuessTarget, where+".targets", "the threat is on a flow that connects no elements; it is about the system as a whole")
		}
		td.status(th, where, str(t, "status"))
		if text := strings.TrimSpace(str(t, "mitigation")); text != "" {
			mid := b.id("mitigation", "mitigations", id, title)
			mi := &Mitigation{Title: firstLine(text, title), Description: text, Status: "proposed"}
			if mi.Title == mi.Description {
				mi.Description = ""
			}
			if th.Status == "mitigated" {
				mi.Status = "implemented"
			} else {
				b.report.guess(GuessStatus, "mitigations."+mid+".status", "a Threat Dragon mitigation is text only; set to proposed, which plans nothing")
			}
			d.Mitigations.Set(mid, mi)
			th.Mitigations = []string{mid}
		}
		th.Extensions = withOriginal(b.ext(rest(t, "title", "description", "mitigation", "id"), id, ""), b.format, str(t, "id"))
		d.Threats.Set(id, th)
	}
}

// status reads a Threat Dragon threat status (Open, Mitigated, NotApplicable).
func (td *tdImport) status(th *Threat, where, status string) {
	switch strings.ToLower(status) {
	case "open", "":
	case "mitigated":
		th.Status = "mitigated"
	case "notapplicable", "not applicable":
		th.Status = "not_applicable"
		th.Reason = "Marked not applicable in Threat Dragon."
	default:
		td.b.report.guess(GuessStatus, where+".status", "Threat Dragon status %q read as open", status)
	}
}

// tdBoxes turns the trust boundary boxes of one diagram into boundaries:
// the members are the elements (already in cellIDs) whose centre lies in
// the box; an element in two boxes goes to the smaller one (the inner
// box, when they nest). It returns the cell ids of the boxes it used.
func (b *builder) tdBoxes(cells []map[string]any, cellIDs map[string]string, diagram string) map[string]bool {
	type rect struct{ x, y, w, h float64 }
	rectOf := func(c map[string]any) (rect, bool) {
		p, s := obj(c, "position"), obj(c, "size")
		x, okX := num(p, "x")
		y, okY := num(p, "y")
		w, okW := num(s, "width")
		h, okH := num(s, "height")
		return rect{x, y, w, h}, okX && okY && okW && okH
	}
	type box struct {
		cell string
		id   string
		r    rect
	}
	var found []box
	used := map[string]bool{}
	for _, c := range cells {
		data := obj(c, "data")
		if str(data, "type") != "tm.BoundaryBox" && str(c, "shape") != "trust-boundary-box" {
			continue
		}
		r, ok := rectOf(c)
		if !ok {
			continue
		}
		name := firstNonEmpty(strings.TrimSpace(strings.ReplaceAll(str(data, "name"), "\n", " ")), "Trust boundary")
		id := b.id("boundary", "boundaries", slug(name), name)
		bd := &Boundary{Name: name, Description: str(data, "description")}
		bd.Extensions = withOriginal(b.ext(map[string]any{"data": rest(data, "name", "description"), "diagram": diagram, "cell": rest(c, "data", "id")}, id, ""), b.format, str(c, "id"))
		b.doc.Boundaries.Set(id, bd)
		found = append(found, box{str(c, "id"), id, r})
		used[str(c, "id")] = true
	}
	for _, c := range cells {
		cid, ok := cellIDs[str(c, "id")]
		r, okR := rectOf(c)
		if !ok || !okR {
			continue
		}
		cx, cy := r.x+r.w/2, r.y+r.h/2
		best := -1
		for i, bx := range found {
			inside := cx >= bx.r.x && cx <= bx.r.x+bx.r.w && cy >= bx.r.y && cy <= bx.r.y+bx.r.h
			if inside && (best < 0 || bx.r.w*bx.r.h < found[best].r.w*found[best].r.h) {
				best = i
			}
		}
		if best >= 0 {
			bd, _ := b.doc.Boundaries.Get(found[best].id)
			bd.Members = append(bd.Members, cid)
		}
	}
	return used
}
