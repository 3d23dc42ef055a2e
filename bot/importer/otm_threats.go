package importer

import (
	"fmt"
	"strings"

	"github.com/tmbot/tmbot/bot/catalog"
)

// mitigations reads the mitigations, with their state from the threat
// instances that name them.
func (oi *otmImport) mitigations() error {
	b, d := oi.b, oi.d
	mitStates := map[string][]string{}
	for _, ins := range oi.instances {
		for _, in := range ins {
			for _, mi := range objs(in.m, "mitigations") {
				mitStates[str(mi, "mitigation")] = append(mitStates[str(mi, "mitigation")], str(mi, "state"))
			}
		}
	}
	for _, m := range objs(oi.src, "mitigations") {
		orig := str(m, "id")
		id := b.id("mitigation", "mitigations", orig, str(m, "name"))
		oi.mitID[orig] = id
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
	return nil
}

// threats reads the threats.
func (oi *otmImport) threats() error {
	for _, t := range objs(oi.src, "threats") {
		if err := oi.threat(t); err != nil {
			return err
		}
	}
	return nil
}

// threat reads one threat: STRIDE from its categories, its CWEs, its risk,
// and its targets, mitigations and status from its instances.
func (oi *otmImport) threat(t map[string]any) error {
	b := oi.b
	orig := str(t, "id")
	id := b.id("threat", "threats", orig, str(t, "name"))
	where := "threats." + id
	if tt := obj(obj(t, "attributes"), tmbotAttr); tt != nil {
		var th Threat
		if err := fromGeneric(tt, &th); err != nil {
			return fmt.Errorf("%s.attributes.tmbot: %w", where, err)
		}
		oi.d.Threats.Set(id, &th)
		return nil
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
	for _, in := range oi.instances[orig] {
		th.Targets = appendUnique(th.Targets, in.target)
		states = append(states, str(in.m, "state"))
		for _, mi := range objs(in.m, "mitigations") {
			if mid, ok := oi.mitID[str(mi, "mitigation")]; ok {
				th.Mitigations = appendUnique(th.Mitigations, mid)
			}
		}
	}
	b.otmThreatStatus(th, where, states)
	r := rest(t, "id", "name", "description", "categories")
	if ins := oi.instances[orig]; len(ins) > 0 {
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
	oi.d.Threats.Set(id, th)
	return nil
}

// orphans keeps and reports the instances that name a threat or a
// mitigation the document does not define, rather than lose them.
func (oi *otmImport) orphans() {
	known := map[string]bool{}
	for _, t := range objs(oi.src, "threats") {
		known[str(t, "id")] = true
	}
	var orphans []any
	for _, tid := range sortedKeysOf(oi.instances) {
		for _, in := range oi.instances[tid] {
			if !known[tid] {
				orphans = append(orphans, map[string]any{"on": in.target, "instance": in.m})
				oi.b.report.guess(GuessKept, in.where, "the threat instance names threat %q, which the document does not define; kept under extensions.otm.orphanInstances", tid)
				continue
			}
			for _, mi := range objs(in.m, "mitigations") {
				if _, ok := oi.mitID[str(mi, "mitigation")]; !ok {
					orphans = append(orphans, map[string]any{"on": in.target, "threat": tid, "mitigation": mi})
					oi.b.report.guess(GuessKept, in.where, "a mitigation instance names mitigation %q, which the document does not define; kept under extensions.otm.orphanInstances", str(mi, "mitigation"))
				}
			}
		}
	}
	if len(orphans) > 0 {
		oi.top["orphanInstances"] = orphans
	}
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
