package importer

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/tmbot/tmbot/bot/catalog"
)

// pytm's scales. Its classification has five known steps: RESTRICTED is
// the second, a middle level, while tmbot's restricted is the top.
var (
	pytmClassification = map[string]string{
		"PUBLIC": "public", "RESTRICTED": "internal", "SENSITIVE": "confidential", "SECRET": "restricted", "TOP_SECRET": "restricted",
	}
	pytmLevel = map[string]string{"very low": "low", "low": "low", "medium": "medium", "high": "high", "very high": "high"}
	pytmKind  = map[string]string{
		"Actor": "user", "Server": "service", "Datastore": "database", "Process": "service", "SetOfProcesses": "service",
		"Lambda": "service", "ExternalEntity": "third_party_service", "LLM": "llm", "Agent": "agent", "Asset": "other",
	}
	// pytmMayBeClient: the classes a person's browser or app is drawn as.
	pytmMayBeClient = map[string]bool{"Server": true, "Process": true, "SetOfProcesses": true, "ExternalEntity": true, "Asset": true}
	capecRef        = regexp.MustCompile(`capec\.mitre\.org/data/definitions/(\d+)`)
	cweRef          = regexp.MustCompile(`cwe\.mitre\.org/data/definitions/(\d+)`)
)

// importPytm reads the output of pytm's --json: elements, flows, data and
// findings. Each finding (a threat from pytm's library matched to one
// element or flow) becomes a threat; each library threat's mitigation
// text becomes one mitigation, shared by its findings.
func importPytm(ctx context.Context, b *builder, data []byte) error {
	src, err := decodeJSON(data)
	if err != nil {
		return err
	}
	if _, ok := src["findings"]; !ok {
		if _, ok := src["elements"]; !ok {
			return fmt.Errorf("no elements and no findings: this does not look like pytm --json output")
		}
	}
	b.report.rule("pytm classification maps to tmbot's: PUBLIC→public, RESTRICTED→internal (pytm's RESTRICTED is its second level, tmbot's restricted is the top), SENSITIVE→confidential, SECRET and TOP_SECRET→restricted; UNKNOWN is left unset")
	b.report.rule("pytm likelihood and severity (Very Low to Very High) map to likelihood and impact: Very Low and Low→low, Medium→medium, High and Very High→high")
	b.report.rule("pytm's threat ids (INP01, LLM01…) are its own library's numbers: its LLM01…LLM09 are not OWASP Top 10 for LLM ids, so none is written under owasp; they are kept under extensions.pytm.threat_id")
	d := b.doc
	d.System = System{Name: strings.TrimSpace(str(src, "name")), Description: str(src, "description")}
	pi := &pytmImport{b: b, d: d, src: src,
		top:     rest(src, "name", "description", "elements", "actors", "assets", "flows", "data", "findings"),
		assetID: map[string]string{}, byName: map[string]string{}, flowByName: map[string]string{}, mitOf: map[string]string{}}
	pi.assets()
	pi.elements()
	pi.flows()
	for _, f := range objs(src, "findings") {
		pi.finding(f)
	}
	if len(pi.top) > 0 {
		d.Extensions = map[string]any{b.format: pi.top}
	}
	return ctx.Err()
}

// pytmImport is the state of one pytm import.
type pytmImport struct {
	b          *builder
	d          *Doc
	src        map[string]any
	top        map[string]any    // what extensions.pytm keeps
	assetID    map[string]string // data name -> asset id
	byName     map[string]string // element name -> component id (the first of a name)
	flowByName map[string]string // flow name -> flow id (the first of a name)
	mitOf      map[string]string // pytm threat id -> mitigation id
	llmSeen    bool              // a pytm LLM threat was reported
}

// assets reads pytm's data as assets.
func (pi *pytmImport) assets() {
	b := pi.b
	for _, a := range objs(pi.src, "data") {
		name := str(a, "name")
		id := b.id("asset", "assets", slug(name), name)
		pi.assetID[name] = id
		where := "assets." + id
		as := &Asset{Name: name, Description: str(a, "description")}
		cl := strings.TrimPrefix(str(a, "classification"), "Classification.")
		if c, ok := pytmClassification[cl]; ok {
			as.Classification = c
			if cl == "RESTRICTED" {
				b.report.guess(GuessClassification, where+".classification", "pytm's RESTRICTED is its second level; read as internal")
			}
		} else if cl != "" {
			b.report.guess(GuessClassification, where+".classification", "pytm classification %s left unset", cl)
		}
		as.Extensions = b.ext(rest(a, "name", "description"), id, "")
		pi.d.Assets.Set(id, as)
	}
}

// elements reads the elements as components, with the data they hold or
// that names them as processedBy. Elements and flows share one id space;
// findings name them by name.
func (pi *pytmImport) elements() {
	b, d := pi.b, pi.d
	for _, e := range objs(pi.src, "elements") {
		name := str(e, "name")
		id := b.id("element", "components", slug(name), name)
		if _, dup := pi.byName[name]; !dup {
			pi.byName[name] = id
		}
		where := "components." + id
		cls := str(e, "__class__")
		kind, ok := pytmKind[cls]
		if k, client := clientKind(name); ok && client && pytmMayBeClient[cls] {
			kind = k // the user's browser or phone app, drawn as a process or server
			b.report.guess(GuessKind, where, "pytm %s %q read as kind %s: the user's own browser or app", cls, name, k)
		}
		if !ok {
			kind = b.kind(where, cls, name)
		}
		co := &Component{Name: name, Kind: kind, Description: str(e, "description")}
		for _, dn := range strs(e, "data") {
			if aid, ok := pi.assetID[dn]; ok {
				co.Data = appendUnique(co.Data, aid)
			}
		}
		co.Extensions = b.ext(rest(e, "name", "description", "data", "findings"), id, "")
		d.Components.Set(id, co)
	}
	for _, a := range objs(pi.src, "data") {
		for _, p := range strs(a, "processedBy") {
			if cid, ok := pi.byName[p]; ok {
				if c, ok := d.Components.Get(cid); ok {
					c.Data = appendUnique(c.Data, pi.assetID[str(a, "name")])
				}
			}
		}
	}
}

// flows reads the flows; one whose source or sink is not an element is
// kept under extensions only.
func (pi *pytmImport) flows() {
	b := pi.b
	for _, f := range objs(pi.src, "flows") {
		name := str(f, "name")
		id := b.id("element", "flows", slug(name), name)
		where := "flows." + id
		from, okF := pi.byName[str(f, "source")]
		to, okT := pi.byName[str(f, "sink")]
		if !okF || !okT {
			b.report.guess(GuessKept, where, "the flow's source %q or sink %q is not an element; kept under extensions.pytm.flows only", str(f, "source"), str(f, "sink"))
			pi.top["flows"] = append(anyList(pi.top["flows"]), f)
			delete(b.taken["element"], id)
			continue
		}
		if _, dup := pi.flowByName[name]; !dup {
			pi.flowByName[name] = id
		}
		ctl := obj(f, "controls")
		fl := &Flow{From: from, To: to, Description: firstNonEmpty(str(f, "description"), name), Protocol: str(f, "protocol"),
			Encrypted:     ifTrue(boolean(ctl, "isEncrypted")),
			Authenticated: ifTrue(boolean(ctl, "authenticatesSource") || boolean(ctl, "authenticatesDestination") || str(ctl, "authenticationScheme") != "")}
		for _, dn := range strs(f, "data") {
			if aid, ok := pi.assetID[dn]; ok {
				fl.Data = appendUnique(fl.Data, aid)
			}
		}
		drop := []string{"source", "sink", "protocol", "data", "findings"}
		if str(f, "description") == "" {
			drop = append(drop, "description")
		}
		fl.Extensions = b.ext(rest(f, drop...), id, "")
		pi.d.Flows.Set(id, fl)
	}
}

// finding reads one finding as a threat: its rating, target, the CAPEC and
// CWE ids in its references, its mitigation and its response.
func (pi *pytmImport) finding(f map[string]any) {
	b := pi.b
	tid := str(f, "threat_id")
	target := str(f, "target")
	id := b.id("threat", "threats", slug(tid+"-"+target), tid)
	where := "threats." + id
	th := &Threat{Title: firstNonEmpty(strings.TrimSpace(str(f, "description")), tid), Description: str(f, "details")}
	th.Likelihood = b.level(where+".likelihood", "likelihood", str(f, "likelihood"), pytmLevel, "medium")
	th.Impact = b.level(where+".impact", "severity", str(f, "severity"), pytmLevel, "medium")
	if cid, ok := pi.byName[target]; ok {
		th.Targets = []string{cid}
	} else if fid, ok := pi.flowByName[target]; ok {
		th.Targets = []string{fid}
	} else if target != "" {
		b.report.guess(GuessTarget, where+".targets", "the finding's target %q is not an element or flow; the threat is about the system as a whole", target)
	}
	refs := str(f, "references")
	var capecs, cwes []string
	for _, m := range capecRef.FindAllStringSubmatch(refs, -1) {
		capecs = append(capecs, "CAPEC-"+m[1])
	}
	for _, m := range cweRef.FindAllStringSubmatch(refs, -1) {
		cwes = append(cwes, "CWE-"+m[1])
	}
	th.CAPEC, _ = b.catalogIDs(where+".capec", catalog.CAPEC, capecs)
	th.CWE, _ = b.catalogIDs(where+".cwe", catalog.CWE, cwes)
	if strings.HasPrefix(tid, "LLM") && !pi.llmSeen {
		pi.llmSeen = true
		b.report.guess(GuessCatalog, where, "pytm threat %s is pytm's own number, not OWASP %s:2025; no owasp id is written: add the right OWASP id by hand if one applies", tid, tid)
	}
	if text := strings.TrimSpace(str(f, "mitigations")); text != "" {
		th.Mitigations = []string{pi.mitigation(tid, text)}
	}
	pi.response(th, where, str(f, "response"))
	th.Extensions = b.ext(rest(f, "description", "details", "target", "mitigations", "element"), id, "")
	pi.d.Threats.Set(id, th)
}

// mitigation is the mitigation of a pytm library threat, made from its
// text the first time a finding of that threat names it.
func (pi *pytmImport) mitigation(tid, text string) string {
	b := pi.b
	mid, ok := pi.mitOf[tid]
	if !ok {
		mid = b.id("mitigation", "mitigations", slug("mitigate-"+tid), tid)
		pi.mitOf[tid] = mid
		mi := &Mitigation{Title: firstLine(text, "Mitigate "+tid), Description: text, Status: "proposed"}
		if mi.Title == mi.Description {
			mi.Description = ""
		}
		mi.Extensions = b.ext(map[string]any{"threat_id": tid}, mid, "")
		pi.d.Mitigations.Set(mid, mi)
		b.report.guess(GuessStatus, "mitigations."+mid+".status", "pytm's mitigation text plans nothing; set to proposed")
	}
	return mid
}

// response sets a threat's status from the finding's response.
func (pi *pytmImport) response(th *Threat, where, response string) {
	b := pi.b
	switch resp := strings.ToLower(strings.TrimSpace(response)); resp {
	case "":
	case "mitigated":
		th.Status = "mitigated"
	case "accepted":
		b.accept(th, where, "", "", "")
	case "transferred":
		th.Status = "transferred"
		th.Reason = "Transferred in pytm."
		th.TransferredTo = "unknown"
		b.report.guess(GuessStatus, where+".transferred_to", "pytm does not say to whom the risk was transferred; write it")
	case "avoided":
		th.Status = "not_applicable"
		th.Reason = "Avoided in pytm."
	default:
		b.report.guess(GuessStatus, where+".status", "pytm response %q read as open", resp)
	}
}
