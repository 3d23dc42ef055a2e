package importer

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/catalog"
)

// The source formats.
const (
	FormatOTM            = "otm"
	FormatThreagile      = "threagile"
	FormatThreatComposer = "threat-composer"
	FormatThreatDragon   = "threat-dragon"
	FormatTMBOM          = "tmbom"
	FormatPytm           = "pytm"
)

// Formats lists the source formats, in the order the help shows them.
func Formats() []string {
	return []string{FormatOTM, FormatThreagile, FormatThreatComposer, FormatThreatDragon, FormatTMBOM, FormatPytm}
}

// DefaultAcceptDays is how long an accepted risk that the source gave no
// expiry stays accepted after the import, unless Options.AcceptUntil says.
const DefaultAcceptDays = 90

// MaxSourceBytes bounds a source file: the same 16 MiB as a model file
// (docs/format.md, Limits), so that an import cannot be made to hold more
// than the bot would ever read.
const MaxSourceBytes = 16 << 20

// maxSourceDepth bounds nesting in a source file, as for a model file.
const maxSourceDepth = 64

// Options tune an import.
type Options struct {
	// Now is the time of the import (default time.Now); AcceptUntil is
	// computed from it.
	Now time.Time
	// AcceptUntil (YYYY-MM-DD) is the expiry given to an accepted risk
	// that has none in the source; default DefaultAcceptDays after Now.
	AcceptUntil string
	// Catalog checks framework ids before they are written; nil loads the
	// built-in catalog.
	Catalog *catalog.Catalog
}

// Result is an imported model and its report.
type Result struct {
	Doc    *Doc
	Report *Report
}

// ErrUnknownFormat is returned for a format name that is not one of Formats.
var ErrUnknownFormat = errors.New("unknown format")

// Import reads a source file of the given format. name is used in messages.
func Import(ctx context.Context, format, name string, data []byte, opts Options) (*Result, error) {
	if len(data) > MaxSourceBytes {
		return nil, fmt.Errorf("%s: the file is larger than the limit of %d bytes (16 MiB)", name, MaxSourceBytes)
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.AcceptUntil == "" {
		opts.AcceptUntil = opts.Now.AddDate(0, 0, DefaultAcceptDays).Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, opts.AcceptUntil); err != nil {
		return nil, fmt.Errorf("accept-until %q: expected a date YYYY-MM-DD", opts.AcceptUntil)
	}
	if opts.Catalog == nil {
		cat, err := catalog.Load()
		if err != nil {
			return nil, fmt.Errorf("load catalog: %w", err)
		}
		opts.Catalog = cat
	}
	b := newBuilder(format, name, opts)
	var err error
	switch format {
	case FormatOTM:
		err = importOTM(ctx, b, data)
	case FormatThreagile:
		err = importThreagile(ctx, b, data)
	case FormatThreatComposer:
		err = importThreatComposer(ctx, b, data)
	case FormatThreatDragon:
		err = importThreatDragon(ctx, b, data)
	case FormatTMBOM:
		err = importTMBOM(ctx, b, data)
	case FormatPytm:
		err = importPytm(ctx, b, data)
	default:
		return nil, fmt.Errorf("%w %q: expected one of %s", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b.finish()
	return &Result{Doc: b.doc, Report: b.report}, nil
}

// builder holds what every importer shares: the model being built, the
// report, and the ids already taken.
type builder struct {
	format string
	opts   Options
	doc    *Doc
	report *Report
	// ids taken, by space: components and flows share "element".
	taken map[string]map[string]bool
}

func newBuilder(format, name string, opts Options) *builder {
	return &builder{
		format: format, opts: opts,
		doc:    &Doc{Version: 1},
		report: &Report{Format: format, Source: name},
		taken:  map[string]map[string]bool{},
	}
}

func (b *builder) finish() {
	d := b.doc
	if d.System.Name == "" {
		d.System.Name = "Imported model"
		b.report.guess(GuessKept, "system.name", "the source names no system; named it %q", d.System.Name)
	}
	if d.System.ID == "" {
		d.System.ID = systemID(d.System.Name)
	}
	b.report.Counts = Counts{Components: d.Components.Len(), Assets: d.Assets.Len(), Flows: d.Flows.Len(),
		Threats: d.Threats.Len(), Mitigations: d.Mitigations.Len()}
}

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// slug makes text into a valid id: lower-case letters, digits, dots,
// underscores and dashes, starting with a letter or digit, at most 64.
func slug(s string) string {
	var sb strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.' || r == '_':
			if sb.Len() == 0 && (r == '.' || r == '_') {
				continue
			}
			sb.WriteRune(r)
			dash = false
		default:
			if sb.Len() > 0 && !dash {
				sb.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.TrimRight(sb.String(), "-._")
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "-._")
	}
	return out
}

// id returns a free id in a space for an object whose source id is
// original (or, when it has none, whose name is name). A valid original is
// kept as it is; otherwise the id is made from it and the change reported.
func (b *builder) id(space, where, original, name string) string {
	taken := b.taken[space]
	if taken == nil {
		taken = map[string]bool{}
		b.taken[space] = taken
	}
	id := original
	if !validID.MatchString(id) {
		id = slug(original)
		if id == "" {
			id = slug(name)
		}
		if id == "" {
			id = space
		}
	}
	base := id
	for n := 2; taken[id]; n++ {
		suffix := fmt.Sprintf("-%d", n)
		if len(base)+len(suffix) > 64 {
			base = strings.TrimRight(base[:64-len(suffix)], "-._")
		}
		id = base + suffix
	}
	taken[id] = true
	if id != original && original != "" {
		b.report.guess(GuessID, where+"."+id, "the source's id %q is not a valid tmbot id, or is taken; the original is kept under extensions.%s.id", original, b.format)
	}
	return id
}

// ext returns the extensions map of an object with its source fields:
// rest holds what the importer did not map; original is the source id
// when the tmbot id differs from it.
func (b *builder) ext(rest map[string]any, id, original string) map[string]any {
	src := map[string]any{}
	for k, v := range rest {
		if v == nil {
			continue
		}
		src[k] = v
	}
	if original != "" && original != id {
		src["id"] = original
	}
	if len(src) == 0 {
		return nil
	}
	return map[string]any{b.format: src}
}

// level maps a source level word to low, medium or high through table;
// an unknown or empty word becomes def, reported.
func (b *builder) level(where, what, word string, table map[string]string, def string) string {
	if l, ok := table[strings.ToLower(strings.TrimSpace(word))]; ok {
		return l
	}
	if word == "" {
		b.report.guess(GuessLevel, where, "the source gives no %s; set to %s", what, def)
	} else {
		b.report.guess(GuessLevel, where, "the source's %s %q is not on its scale; set to %s", what, word, def)
	}
	return def
}

// percentLevel maps a 0-100 number to three levels.
func (b *builder) percentLevel(v float64) string {
	b.report.rule("a number from 0 to 100 (OTM likelihood and impact) maps to three levels: 0 to 33 low, over 33 to 66 medium, over 66 high")
	switch {
	case v <= 33:
		return "low"
	case v <= 66:
		return "medium"
	}
	return "high"
}

// accept fills an acceptance for a threat the source marks accepted. by,
// reason and until may be empty; what is missing is filled and reported.
func (b *builder) accept(t *Threat, where, by, reason, until string) {
	t.Status = "accepted"
	if by == "" {
		by = "unknown"
		b.report.guess(GuessAcceptance, where+".acceptance.by", "the source does not say who accepted the risk; set to %q: write the owner's handle", by)
	}
	if reason == "" {
		reason = fmt.Sprintf("Accepted in %s; the reason was not recorded there.", b.format)
		b.report.guess(GuessAcceptance, where+".acceptance.reason", "the source gives no reason for accepting the risk; write one")
	}
	if until == "" {
		until = b.opts.AcceptUntil
		b.report.guess(GuessAcceptance, where+".acceptance.until", "the source gives the acceptance no expiry; accepted until %s (--accept-until, default %d days after the import)", until, DefaultAcceptDays)
	}
	t.Acceptance = &Acceptance{By: by, Reason: reason, Until: until}
}

// catalogIDs keeps the ids that the catalog knows and has no warning
// about, and reports the rest (which stay under the object's extensions).
func (b *builder) catalogIDs(where string, kind catalog.Kind, ids []string) (kept, unknown []string) {
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		r := b.opts.Catalog.Check(kind, id)
		switch {
		case r.OK():
			kept = append(kept, r.Entry.ID)
			continue
		case r.Known && r.Error == "":
			// Deprecated, or an id its own catalog says not to map to: the
			// validator would warn on every one; keep it aside instead.
			b.report.guess(GuessCatalog, where, "%s is not written (kept under extensions): %s", id, r.Warning)
		default:
			b.report.guess(GuessCatalog, where, "%s id %q is not in the catalog; kept under extensions only", kind, id)
		}
		unknown = append(unknown, id)
	}
	return kept, unknown
}

// strideOf maps a STRIDE category in any of the usual spellings.
func strideOf(s string) string {
	k := strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case "s", "spoofing":
		return "spoofing"
	case "t", "tampering":
		return "tampering"
	case "r", "repudiation":
		return "repudiation"
	case "i", "informationdisclosure":
		return "information_disclosure"
	case "d", "denialofservice", "dos":
		return "denial_of_service"
	case "e", "elevationofprivilege", "eop":
		return "elevation_of_privilege"
	}
	return ""
}

// systemID makes a lower-case system id from a name.
func systemID(name string) string {
	id := strings.ReplaceAll(strings.ReplaceAll(slug(name), ".", "-"), "_", "-")
	for strings.Contains(id, "--") {
		id = strings.ReplaceAll(id, "--", "-")
	}
	id = strings.Trim(id, "-")
	if id == "" {
		id = "imported"
	}
	return id
}

// Helpers on generic data.
