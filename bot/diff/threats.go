package diff

import (
	"github.com/tmbot/tmbot/bot/model"
)

func compareThreats(bv, hv view) []ThreatChange {
	base, head := bv.threats, hv.threats
	bo, ho := bv.threatOrder, hv.threatOrder
	removed, added := split(bo, ho, base, head)
	renames := pairRenames(removed, added, base, head, threatKey)
	renamedFrom := make(map[string]bool, len(renames))
	for _, from := range renames {
		renamedFrom[from] = true
	}

	out := []ThreatChange{}
	seen := make(map[string]bool, len(ho))
	for _, id := range ho {
		if seen[id] {
			continue
		}
		seen[id] = true
		h := head[id]
		if b, ok := base[id]; ok {
			if c, changed := compareThreat(b, h); changed {
				c.ID, c.Change = id, Changed
				out = append(out, c)
			}
			continue
		}
		if from, ok := renames[id]; ok {
			c, _ := compareThreat(base[from], h)
			c.ID, c.Change, c.From = id, Renamed, from
			out = append(out, c)
			continue
		}
		out = append(out, ThreatChange{
			ID:     id,
			Change: Added,
			Title:  h.Title,
			Risk:   string(h.Risk),
			Status: h.Status,
		})
	}
	for _, id := range removed {
		if renamedFrom[id] || seen[id] {
			continue
		}
		seen[id] = true
		b := base[id]
		out = append(out, ThreatChange{
			ID:         id,
			Change:     Removed,
			Title:      b.Title,
			BaseRisk:   string(b.Risk),
			BaseStatus: b.Status,
		})
	}
	return out
}

// compareThreat compares two versions of a threat; changed reports whether
// anything worth listing differs.
func compareThreat(b, h *model.Threat) (c ThreatChange, changed bool) {
	c = ThreatChange{
		Title:      h.Title,
		Risk:       string(h.Risk),
		BaseRisk:   string(b.Risk),
		Status:     h.Status,
		BaseStatus: b.Status,
	}
	var f []string
	str := func(name, x, y string) {
		if !eqStr(x, y) {
			f = append(f, name)
		}
	}
	set := func(name string, x, y []string) {
		if !eqSet(x, y) {
			f = append(f, name)
		}
	}
	str("title", b.Title, h.Title)
	str("description", b.Description, h.Description)
	set("targets", b.Targets, h.Targets)
	set("stride", b.Stride, h.Stride)
	set("attack", b.Attack, h.Attack)
	set("atlas", b.Atlas, h.Atlas)
	set("owasp", b.OWASP, h.OWASP)
	set("cwe", b.CWE, h.CWE)
	set("capec", b.CAPEC, h.CAPEC)
	set("kill_chain", b.KillChain, h.KillChain)
	set("covers", b.Covers, h.Covers)
	str("likelihood", string(b.Likelihood), string(h.Likelihood))
	str("impact", string(b.Impact), string(h.Impact))
	if !eqSet(b.Mitigations, h.Mitigations) {
		f = append(f, "mitigations")
		c.MitigationsAdded = setMinus(h.Mitigations, b.Mitigations)
		c.MitigationsRemoved = setMinus(b.Mitigations, h.Mitigations)
	}
	if !eqWrittenStatus(b, h) {
		f = append(f, "status")
	}
	if !eqAcceptance(b.Acceptance, h.Acceptance) {
		f = append(f, "acceptance")
	}
	str("reason", b.Reason, h.Reason)
	str("transferred_to", b.TransferredTo, h.TransferredTo)
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	c.FieldsChanged = f

	br, hr := b.Risk.Rank(), h.Risk.Rank()
	c.Raised, c.Lowered = hr > br, hr < br
	if b.Status != h.Status {
		c.StatusFrom, c.StatusTo = b.Status, h.Status
		c.Reopened = h.Status == model.StatusOpen && b.Status != ""
	}
	changed = len(f) > 0 || b.Risk != h.Risk || b.Status != h.Status
	return c, changed
}

func newThreats(changes []ThreatChange, hm *model.Model) []NewThreat {
	out := []NewThreat{}
	if hm == nil {
		return out
	}
	for _, c := range changes {
		var why string
		switch {
		case c.Change == Added:
			why = NewAdded
		case c.Change == Removed:
			continue
		case c.Raised:
			why = NewRaised
		case c.Reopened:
			why = NewReopened
		default:
			continue
		}
		t := hm.Threats[c.ID]
		out = append(out, NewThreat{
			ID:          c.ID,
			Title:       t.Title,
			Risk:        string(t.Risk),
			BaseRisk:    c.BaseRisk,
			Status:      t.Status,
			Planned:     t.Planned(hm),
			Unmitigated: t.Unmitigated(),
			Change:      why,
		})
	}
	return out
}
