package diff

import (
	"github.com/tmbot/tmbot/bot/model"
)

func compareMitigations(bv, hv view) []MitigationChange {
	base, head := bv.mitigations, hv.mitigations
	bo, ho := bv.mitigationOrder, hv.mitigationOrder
	removed, added := split(bo, ho, base, head)
	renames := pairRenames(removed, added, base, head, mitigationKey)
	renamedFrom := make(map[string]bool, len(renames))
	for _, from := range renames {
		renamedFrom[from] = true
	}

	out := []MitigationChange{}
	seen := make(map[string]bool, len(ho))
	for _, id := range ho {
		if seen[id] {
			continue
		}
		seen[id] = true
		h := head[id]
		if b, ok := base[id]; ok {
			if c := compareMitigation(b, h); len(c.FieldsChanged) > 0 {
				c.ID, c.Change = id, Changed
				out = append(out, c)
			}
			continue
		}
		if from, ok := renames[id]; ok {
			c := compareMitigation(base[from], h)
			c.ID, c.Change, c.From = id, Renamed, from
			out = append(out, c)
			continue
		}
		out = append(out, MitigationChange{ID: id, Change: Added, Title: h.Title, Status: h.Status})
	}
	for _, id := range removed {
		if renamedFrom[id] || seen[id] {
			continue
		}
		seen[id] = true
		b := base[id]
		out = append(out, MitigationChange{ID: id, Change: Removed, Title: b.Title, BaseStatus: b.Status})
	}
	return out
}

func compareMitigation(b, h *model.Mitigation) MitigationChange {
	c := MitigationChange{Title: h.Title, Status: h.Status, BaseStatus: b.Status}
	var f []string
	str := func(name, x, y string) {
		if !eqStr(x, y) {
			f = append(f, name)
		}
	}
	str("title", b.Title, h.Title)
	str("description", b.Description, h.Description)
	if !eqStr(b.Status, h.Status) {
		f = append(f, "status")
		c.StatusFrom, c.StatusTo = b.Status, h.Status
		switch b.Status {
		case model.MitigationImplemented, model.MitigationVerified:
			switch h.Status {
			case model.MitigationProposed, model.MitigationPlanned, model.MitigationInProgress:
				c.Regression = true
			}
		}
	}
	str("owner", b.Owner, h.Owner)
	str("due", b.Due, h.Due)
	str("issue", b.Issue, h.Issue)
	if !eqSet(b.Controls, h.Controls) {
		f = append(f, "controls")
	}
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	c.FieldsChanged = f
	return c
}
