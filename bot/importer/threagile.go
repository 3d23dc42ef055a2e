package importer

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/tmbot/tmbot/bot/catalog"
)

// Threagile's scales, mapped to tmbot's. Threagile's confidentiality has
// five steps where restricted is the middle one; tmbot's has four with
// restricted at the top.
var (
	threagileConfidentiality = map[string]string{
		"public": "public", "internal": "internal", "restricted": "confidential",
		"confidential": "confidential", "strictly-confidential": "restricted",
	}
	threagileLikelihood = map[string]string{"unlikely": "low", "likely": "medium", "very-likely": "high", "frequent": "high"}
	threagileImpact     = map[string]string{"low": "low", "medium": "medium", "high": "high", "very-high": "high"}
)

// importThreagile reads a Threagile model (YAML). Threagile computes most
// of its risks from its rules when it runs; a model file holds only the
// individual risks a person wrote (individual_risk_categories) and the
// tracking of risks by id. Those become threats; the tracking of risks the
// rules compute is kept under extensions.
func importThreagile(ctx context.Context, b *builder, data []byte) error {
	src, err := decodeYAML(data)
	if err != nil {
		return err
	}
	if _, ok := src["technical_assets"]; !ok {
		if _, ok := src["threagile_version"]; !ok {
			return fmt.Errorf("no technical_assets and no threagile_version: this does not look like a Threagile model")
		}
	}
	b.report.rule("Threagile confidentiality maps to tmbot's classification: public→public, internal→internal, restricted→confidential (Threagile's restricted is its middle level, tmbot's is the top), confidential→confidential, strictly-confidential→restricted")
	b.report.rule("Threagile's exploitation likelihood maps to three levels: unlikely→low, likely→medium, very-likely and frequent→high; its exploitation impact: low→low, medium→medium, high and very-high→high")
	d := b.doc
	d.System = System{Name: strings.TrimSpace(str(src, "title")), Description: str(obj(src, "business_overview"), "description")}
	if a := obj(src, "author"); a != nil && str(a, "name") != "" {
		b.report.guess(GuessKept, "system.owner", "the author %q is kept under extensions; write the owning team's handle as system.owner", str(a, "name"))
	}
	ti := &threagileImport{b: b, d: d, src: src,
		top:      rest(src, "title", "data_assets", "technical_assets", "individual_risk_categories", "risk_tracking"),
		assetIDs: map[string]string{}, techIDs: map[string]string{}, linkIDs: map[string]string{},
		tracking: obj(src, "risk_tracking"), usedTracking: map[string]bool{}}
	if d.System.Description != "" {
		bo := rest(obj(src, "business_overview"), "description")
		if len(bo) == 0 {
			delete(ti.top, "business_overview")
		} else {
			ti.top["business_overview"] = bo
		}
	}
	ti.dataAssets()
	ti.technicalAssets()
	cats := obj(src, "individual_risk_categories")
	for _, catTitle := range sortedKeys(cats) {
		ti.category(catTitle, obj(cats, catTitle))
	}
	ti.untracked()
	if len(ti.top) > 0 {
		d.Extensions = map[string]any{b.format: ti.top}
	}
	return ctx.Err()
}

// threagileImport is the state of one Threagile import.
type threagileImport struct {
	b            *builder
	d            *Doc
	src          map[string]any
	top          map[string]any    // what extensions.threagile keeps
	assetIDs     map[string]string // data asset id -> asset id
	techIDs      map[string]string // technical asset id -> component id
	linkIDs      map[string]string // Threagile link id (source>title) -> flow id
	tracking     map[string]any    // risk_tracking
	usedTracking map[string]bool   // the tracking keys that matched an individual risk
}

// dataAssets reads the data assets, keyed by title in the file and
// referenced by id.
func (ti *threagileImport) dataAssets() {
	b := ti.b
	dataAssets := obj(ti.src, "data_assets")
	for _, title := range sortedKeys(dataAssets) {
		a := obj(dataAssets, title)
		orig := str(a, "id")
		id := b.id("asset", "assets", orig, title)
		ti.assetIDs[orig] = id
		as := &Asset{Name: title, Description: str(a, "description")}
		where := "assets." + id
		if c := str(a, "confidentiality"); c != "" {
			if cl, ok := threagileConfidentiality[c]; ok {
				as.Classification = cl
				if c == "restricted" {
					b.report.guess(GuessClassification, where+".classification", "Threagile's restricted is a middle level; read as confidential")
				}
			} else {
				b.report.guess(GuessClassification, where+".classification", "Threagile confidentiality %q is not on its scale; left unset", c)
			}
		}
		as.Extensions = b.ext(rest(a, "id", "description"), id, orig)
		ti.d.Assets.Set(id, as)
	}
}

// technicalAssets reads the technical assets as components, the trust
// boundaries, then the assets' communication links as flows.
func (ti *threagileImport) technicalAssets() {
	tech := obj(ti.src, "technical_assets")
	titles := sortedKeys(tech)
	for _, title := range titles {
		orig := str(obj(tech, title), "id")
		ti.techIDs[orig] = ti.b.id("element", "components", orig, title)
	}
	for _, title := range titles {
		ti.component(title, obj(tech, title))
	}
	ti.b.threagileBoundaries(obj(ti.src, "trust_boundaries"), ti.techIDs)
	delete(ti.top, "trust_boundaries")
	for _, title := range titles {
		t := obj(tech, title)
		links := obj(t, "communication_links")
		for _, lt := range sortedKeys(links) {
			ti.link(t, lt, obj(links, lt))
		}
	}
}

// component reads one technical asset as a component.
func (ti *threagileImport) component(title string, t map[string]any) {
	b := ti.b
	orig := str(t, "id")
	id := ti.techIDs[orig]
	where := "components." + id
	co := &Component{Name: title, Description: str(t, "description"), InternetFacing: boolean(t, "internet")}
	typ := str(t, "type")
	switch {
	case typ == "external-entity" && boolean(t, "used_as_client_by_human"):
		co.Kind = "user"
		b.report.guess(GuessKind, where, "an external entity used by a person: kind user (its technology %q is kept)", str(t, "technology"))
	case typ == "datastore":
		co.Kind = b.kind(where, str(t, "technology"), "database")
	case typ == "external-entity":
		co.Kind = b.kind(where, str(t, "technology"), "third_party_service")
	default:
		co.Kind = b.kind(where, str(t, "technology"), "service")
	}
	for _, k := range []string{"data_assets_processed", "data_assets_stored"} {
		for _, a := range strs(t, k) {
			if aid, ok := ti.assetIDs[a]; ok {
				co.Data = appendUnique(co.Data, aid)
			}
		}
	}
	co.Traits = threagileTraits(strs(t, "data_formats_accepted"))
	co.Extensions = b.ext(rest(t, "id", "description", "internet", "communication_links"), id, orig)
	ti.d.Components.Set(id, co)
}

// link reads the communication link lt of the technical asset t as a flow;
// a link to no technical asset stays under the source's extensions only.
func (ti *threagileImport) link(t map[string]any, lt string, l map[string]any) {
	b := ti.b
	from := ti.techIDs[str(t, "id")]
	orig := str(t, "id") + ">" + strings.ReplaceAll(strings.ToLower(strings.TrimSpace(lt)), " ", "-")
	id := b.id("element", "flows", orig, from+"-"+lt)
	where := "flows." + id
	to, ok := ti.techIDs[str(l, "target")]
	if !ok {
		b.report.guess(GuessKept, where, "the link's target %q is not a technical asset; the link is kept under the source component's extensions only", str(l, "target"))
		delete(b.taken["element"], id)
		return
	}
	ti.linkIDs[orig] = id
	proto := str(l, "protocol")
	fl := &Flow{From: from, To: to, Description: firstNonEmpty(str(l, "description"), lt), Protocol: proto}
	auth := str(l, "authentication")
	if auth != "" {
		fl.Authenticated = flag(auth != "none")
	}
	if proto != "" {
		fl.Encrypted = flag(threagileEncrypted(proto) || boolean(l, "vpn"))
	}
	for _, k := range []string{"data_assets_sent", "data_assets_received"} {
		for _, a := range strs(l, k) {
			if aid, ok := ti.assetIDs[a]; ok {
				fl.Data = appendUnique(fl.Data, aid)
			}
		}
	}
	r := rest(l, "target", "description", "protocol")
	r["title"] = lt
	fl.Extensions = b.ext(r, id, orig)
	ti.d.Flows.Set(id, fl)
}

// category reads an individual risk category: one threat for each of its
// risks; its mitigation text is one mitigation shared by those risks, as
// advanced as the least advanced of them.
func (ti *threagileImport) category(catTitle string, c map[string]any) {
	b := ti.b
	catID := str(c, "id")
	var mitID string
	var mit *Mitigation
	if text := strings.TrimSpace(str(c, "mitigation")); text != "" {
		mitID = b.id("mitigation", "mitigations", catID, catTitle)
		mit = &Mitigation{Title: firstLine(text, catTitle), Description: text, Status: "proposed"}
		mit.Extensions = b.ext(map[string]any{"category": catID}, mitID, "")
		ti.d.Mitigations.Set(mitID, mit)
	}
	if r := rest(c, "risks_identified"); len(r) > 0 {
		kept, _ := ti.top["individual_risk_categories"].(map[string]any)
		if kept == nil {
			kept = map[string]any{}
			ti.top["individual_risk_categories"] = kept
		}
		kept[catTitle] = r
	}
	risks := obj(c, "risks_identified")
	var mitStatuses []string
	for _, rt := range sortedKeys(risks) {
		mitStatuses = append(mitStatuses, ti.risk(c, rt, obj(risks, rt), mitID))
	}
	if mit != nil {
		mit.Status = leastAdvanced(mitStatuses)
		if mit.Status == "proposed" {
			b.report.guess(GuessStatus, "mitigations."+mitID+".status", "Threagile gives the mitigation text no plan; set to proposed, which plans nothing")
		}
	}
}

// risk reads the risk rt of the category c as a threat, and returns the
// status its tracking gives the category's mitigation.
func (ti *threagileImport) risk(c map[string]any, rt string, r map[string]any, mitID string) string {
	b := ti.b
	catID := str(c, "id")
	var parts []string
	for _, k := range []string{"most_relevant_data_asset", "most_relevant_technical_asset", "most_relevant_communication_link", "most_relevant_trust_boundary", "most_relevant_shared_runtime"} {
		if v := str(r, k); v != "" {
			parts = append(parts, v)
		}
	}
	synthetic := catID + "@" + strings.Join(parts, "@")
	id := b.id("threat", "threats", synthetic, catID+"-"+strings.Join(parts, "-"))
	where := "threats." + id
	th := &Threat{Title: stripTags(rt), Description: str(c, "description")}
	if v := str(c, "impact"); v != "" {
		th.Description = strings.TrimSpace(th.Description + "\n\nImpact: " + v)
	}
	if s := strideOf(str(c, "stride")); s != "" {
		th.Stride = []string{s}
	}
	if cw, ok := num(c, "cwe"); ok && cw > 0 {
		th.CWE, _ = b.catalogIDs(where+".cwe", catalog.CWE, []string{fmt.Sprintf("CWE-%d", int(cw))})
	}
	th.Likelihood = b.level(where+".likelihood", "exploitation likelihood", str(r, "exploitation_likelihood"), threagileLikelihood, "medium")
	th.Impact = b.level(where+".impact", "exploitation impact", str(r, "exploitation_impact"), threagileImpact, "medium")
	if sev := str(r, "severity"); sev != "" {
		b.report.guess(GuessLevel, where, "Threagile severity %q is not copied: tmbot derives risk from likelihood (%s) and impact (%s)", sev, th.Likelihood, th.Impact)
	}
	if v := str(r, "most_relevant_technical_asset"); v != "" {
		if tid, ok := ti.techIDs[v]; ok {
			th.Targets = append(th.Targets, tid)
		}
	}
	if v := str(r, "most_relevant_communication_link"); v != "" {
		if fid, ok := ti.linkIDs[v]; ok {
			th.Targets = appendUnique(th.Targets, fid)
		}
	}
	if len(th.Targets) == 0 {
		b.report.guess(GuessTarget, where+".targets", "the risk names no technical asset or link; it is about the system as a whole")
	}
	if mitID != "" {
		th.Mitigations = []string{mitID}
	}
	// Tracking: the first entry whose id pattern matches.
	ms := "proposed"
	var trackedBy map[string]any
	for _, key := range sortedKeys(ti.tracking) {
		if !threagileIDMatch(key, synthetic) {
			continue
		}
		ti.usedTracking[key] = true
		tr := obj(ti.tracking, key)
		ms = b.threagileTracking(th, where, key, tr)
		trackedBy = map[string]any{key: tr}
		break
	}
	ext := rest(r)
	ext["category"] = catID
	ext["title"] = rt
	if trackedBy != nil {
		ext["risk_tracking"] = trackedBy
	}
	th.Extensions = b.ext(ext, id, synthetic)
	ti.d.Threats.Set(id, th)
	return ms
}

// untracked keeps, and reports, the risk-tracking entries that matched no
// individual risk: they track risks Threagile's rules compute.
func (ti *threagileImport) untracked() {
	var other []string
	for _, k := range sortedKeys(ti.tracking) {
		if !ti.usedTracking[k] {
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		ti.b.report.guess(GuessKept, "extensions.threagile.risk_tracking", "%d risk-tracking entries name risks that Threagile's rules compute when it runs (%s); they are kept under extensions, not made threats: run Threagile and import its risks by hand if you want them", len(other), strings.Join(other, ", "))
		kept := map[string]any{}
		for _, k := range other {
			kept[k] = ti.tracking[k]
		}
		ti.top["risk_tracking"] = kept
	}
}

// threagileTracking applies a risk-tracking entry to a threat and returns
// the status its mitigation gets.
func (b *builder) threagileTracking(th *Threat, where, key string, tr map[string]any) string {
	just := str(tr, "justification")
	switch s := str(tr, "status"); s {
	case "accepted":
		b.accept(th, where, str(tr, "checked_by"), just, "")
		if str(tr, "checked_by") != "" && !strings.HasPrefix(str(tr, "checked_by"), "@") {
			b.report.guess(GuessAcceptance, where+".acceptance.by", "%q is a name, not a forge handle; write the handle", str(tr, "checked_by"))
		}
		return "proposed"
	case "mitigated":
		th.Status = "mitigated"
		return "implemented"
	case "in-progress":
		return "in_progress"
	case "false-positive":
		th.Status = "not_applicable"
		th.Reason = firstNonEmpty(just, "A false positive in Threagile.")
		return "proposed"
	case "unchecked", "in-discussion", "":
		return "proposed"
	default:
		b.report.guess(GuessStatus, where+".status", "Threagile tracking status %q (entry %q) read as open", s, key)
		return "proposed"
	}
}

// threagileIDMatch matches a risk-tracking key, whose @-separated parts
// may be *, against a risk id.
func threagileIDMatch(pattern, id string) bool {
	pp, ip := strings.Split(pattern, "@"), strings.Split(id, "@")
	if len(pp) != len(ip) {
		return false
	}
	for i := range pp {
		if ok, _ := path.Match(pp[i], ip[i]); !ok && pp[i] != ip[i] {
			return false
		}
	}
	return true
}

// threagileFormatTraits: the data formats a Threagile technical asset
// accepts that are tmbot traits (json and csv say nothing a rule uses).
var threagileFormatTraits = map[string]string{
	"file":          "accepts_files",
	"xml":           "parses_xml",
	"serialization": "deserializes",
}

// threagileTraits turns data_formats_accepted into traits, in a fixed
// order, each once.
func threagileTraits(formats []string) []string {
	var out []string
	for _, t := range []string{"accepts_files", "parses_xml", "deserializes"} {
		for _, f := range formats {
			if threagileFormatTraits[strings.ToLower(strings.TrimSpace(f))] == t {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

func threagileEncrypted(proto string) bool {
	p := strings.ToLower(proto)
	if strings.Contains(p, "encrypted") && !strings.Contains(p, "unencrypted") {
		return true
	}
	switch p {
	case "https", "wss", "ssh", "ssh-tunnel", "sftp", "ftps", "ldaps", "scp", "smtp-encrypted", "pop3-encrypted", "imap-encrypted":
		return true
	}
	return false
}

func leastAdvanced(statuses []string) string {
	order := map[string]int{"proposed": 0, "wont_do": 1, "planned": 2, "in_progress": 3, "implemented": 4, "verified": 5}
	best := ""
	for _, s := range statuses {
		if best == "" || order[s] < order[best] {
			best = s
		}
	}
	if best == "" {
		best = "proposed"
	}
	return best
}

// stripTags removes the <b> markup Threagile puts in risk titles.
func stripTags(s string) string {
	var sb strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			sb.WriteRune(r)
		}
	}
	return strings.TrimSpace(sb.String())
}

// firstLine is the first line of a text, cut to a title's length.
func firstLine(text, fallback string) string {
	line := strings.TrimSpace(strings.SplitN(strings.TrimSpace(text), "\n", 2)[0])
	if line == "" {
		return fallback
	}
	if r := []rune(line); len(r) > 120 {
		line = strings.TrimSpace(string(r[:117])) + "..."
	}
	return line
}

// threagileBoundaries turns Threagile's trust boundaries into boundaries:
// the technical assets inside are the members. Threagile's boundaries
// are the owner's own networks and environments, so they are trusted; what
// is in none is outside. Nesting is kept under extensions (tmbot's
// boundaries do not nest: each component is in the boundary that lists
// it).
func (b *builder) threagileBoundaries(tbs map[string]any, techIDs map[string]string) {
	member := map[string]string{}
	for _, title := range sortedKeys(tbs) {
		tb := obj(tbs, title)
		orig := str(tb, "id")
		id := b.id("boundary", "boundaries", orig, title)
		where := "boundaries." + id
		bd := &Boundary{Name: title, Description: str(tb, "description")}
		for _, a := range strs(tb, "technical_assets_inside") {
			cid, ok := techIDs[a]
			switch {
			case !ok:
				b.report.guess(GuessKept, where, "the technical asset %q inside it does not exist; left out", a)
			case member[cid] != "":
				b.report.guess(GuessKept, where, "the technical asset %q is already in the boundary %s; a component is in one boundary only", a, member[cid])
			default:
				member[cid] = id
				bd.Members = append(bd.Members, cid)
			}
		}
		if nested := strs(tb, "trust_boundaries_nested"); len(nested) > 0 {
			b.report.guess(GuessKept, where, "Threagile nests %s inside it; tmbot's boundaries do not nest, so each is a boundary of its own (the nesting is kept under extensions)", strings.Join(nested, ", "))
		}
		bd.Extensions = b.ext(rest(tb, "id", "description", "technical_assets_inside"), id, orig)
		b.doc.Boundaries.Set(id, bd)
	}
}
