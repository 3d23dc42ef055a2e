package importer

import (
	"context"
	"fmt"
	"strings"
)

var (
	tcPriority = map[string]string{"low": "low", "medium": "medium", "high": "high"}
)

// importThreatComposer reads an AWS threat-composer workspace export
// (.tc.json). It has no components or flows: threats name free-text
// assets, which are matched to components by name when the model has any,
// and otherwise leave the threat about the system as a whole.
func importThreatComposer(ctx context.Context, b *builder, data []byte) error {
	src, err := decodeJSON(data)
	if err != nil {
		return err
	}
	if _, ok := src["threats"]; !ok {
		if _, ok := src["applicationInfo"]; !ok {
			return fmt.Errorf("no threats and no applicationInfo: this does not look like a threat-composer export")
		}
	}
	b.report.rule("threat-composer priority (High, Medium, Low) is the only rating it has: it is used as the impact, and the likelihood is set to medium")
	b.report.rule("threat-composer mitigation statuses: mitigationIdentified→proposed (it plans nothing), mitigationInProgress→in_progress, mitigationResolved→implemented, mitigationResolvedWillNotAction→wont_do")
	d := b.doc
	info := obj(src, "applicationInfo")
	d.System = System{Name: strings.TrimSpace(str(info, "name")), Description: strings.TrimSpace(str(info, "description"))}
	top := rest(src, "applicationInfo", "threats", "mitigations", "mitigationLinks")
	if r := rest(info, "name", "description"); len(r) > 0 {
		top["applicationInfo"] = r
	}
	mitIDs := b.tcMitigations(objs(src, "mitigations"))
	links := map[string][]string{}
	for _, l := range objs(src, "mitigationLinks") {
		if mid, ok := mitIDs[str(l, "mitigationId")]; ok {
			links[str(l, "linkedId")] = appendUnique(links[str(l, "linkedId")], mid)
		}
	}
	for _, t := range objs(src, "threats") {
		b.tcThreat(t, links)
	}
	if len(top) > 0 {
		d.Extensions = map[string]any{b.format: top}
	}
	return ctx.Err()
}

// tcMitigations reads the mitigations and returns the id of each by its
// threat-composer id.
func (b *builder) tcMitigations(mitigations []map[string]any) map[string]string {
	ids := map[string]string{}
	for _, m := range mitigations {
		orig := str(m, "id")
		id := b.id("mitigation", "mitigations", fmt.Sprintf("mitigation-%s", str(m, "numericId")), orig)
		ids[orig] = id
		where := "mitigations." + id
		mi := &Mitigation{Title: firstLine(str(m, "content"), id), Description: str(m, "content")}
		if mi.Title == mi.Description {
			mi.Description = ""
		}
		switch s := str(m, "status"); s {
		case "mitigationIdentified", "":
			mi.Status = "proposed"
			b.report.guess(GuessStatus, where+".status", "threat-composer status %q plans nothing; set to proposed: give it an owner and a due date and set it to planned", firstNonEmpty(s, "(none)"))
		case "mitigationInProgress":
			mi.Status = "in_progress"
		case "mitigationResolved":
			mi.Status = "implemented"
		case "mitigationResolvedWillNotAction":
			mi.Status = "wont_do"
		default:
			mi.Status = "proposed"
			b.report.guess(GuessStatus, where+".status", "threat-composer status %q is unknown; set to proposed", s)
		}
		r := rest(m, "content")
		mi.Extensions = b.ext(r, id, "")
		if orig != "" {
			mi.Extensions = withOriginal(mi.Extensions, b.format, orig)
		}
		b.doc.Mitigations.Set(id, mi)
	}
	return ids
}

// tcThreat reads one threat: its statement, its priority as the impact,
// STRIDE from its metadata, the components its free-text assets name, its
// mitigations (links, by threat-composer id) and its status.
func (b *builder) tcThreat(t map[string]any, links map[string][]string) {
	orig := str(t, "id")
	id := b.id("threat", "threats", fmt.Sprintf("threat-%s", str(t, "numericId")), orig)
	where := "threats." + id
	th := &Threat{Title: firstNonEmpty(strings.TrimSpace(str(t, "statement")), id)}
	if len([]rune(th.Title)) > 200 {
		th.Description, th.Title = th.Title, firstLine(th.Title, id)
	}
	meta := map[string]any{}
	for _, kv := range objs(t, "metadata") {
		meta[str(kv, "key")] = kv["value"]
	}
	prio, _ := meta["Priority"].(string)
	th.Impact = b.level(where+".impact", "priority", prio, tcPriority, "medium")
	th.Likelihood = "medium"
	for _, s := range strs(meta, "STRIDE") {
		if x := strideOf(s); x != "" {
			th.Stride = appendUnique(th.Stride, x)
		}
	}
	for _, a := range strs(t, "impactedAssets") {
		if cid := b.componentByText(a); cid != "" {
			th.Targets = appendUnique(th.Targets, cid)
			b.report.guess(GuessTarget, where+".targets", "the free-text asset %q is read as component %s", a, cid)
		} else {
			b.report.guess(GuessTarget, where+".targets", "the free-text asset %q names no component; the threat is about the system as a whole (the text is kept under extensions)", a)
		}
	}
	th.Mitigations = links[orig]
	switch s := str(t, "status"); s {
	case "threatIdentified", "":
	case "threatResolved":
		th.Status = "mitigated"
	case "threatResolvedNotUseful":
		th.Status = "not_applicable"
		th.Reason = "Resolved as not useful in threat-composer."
	default:
		b.report.guess(GuessStatus, where+".status", "threat-composer status %q read as open", s)
	}
	r := rest(t, "statement")
	th.Extensions = withOriginal(b.ext(r, id, ""), b.format, orig)
	b.doc.Threats.Set(id, th)
}

// componentByText finds the component whose name a free text names:
// equal ignoring case, or contained in it as words.
func (b *builder) componentByText(text string) string {
	t := strings.ToLower(strings.TrimSpace(text))
	best, bestLen := "", 0
	for _, id := range b.doc.Components.Keys() {
		c, _ := b.doc.Components.Get(id)
		n := strings.ToLower(strings.TrimSpace(c.Name))
		if n == "" {
			continue
		}
		if n == t {
			return id
		}
		if containsWord(t, n) && len(n) > bestLen {
			best, bestLen = id, len(n)
		}
	}
	return best
}

// withOriginal records the source id of an object in its extensions.
func withOriginal(ext map[string]any, format, orig string) map[string]any {
	if orig == "" {
		return ext
	}
	if ext == nil {
		ext = map[string]any{}
	}
	src, _ := ext[format].(map[string]any)
	if src == nil {
		src = map[string]any{}
		ext[format] = src
	}
	src["id"] = orig
	return ext
}
