package diff

import (
	"github.com/tmbot/tmbot/bot/model"
)

func modelFields(b, h *model.Model) []string {
	out := []string{}
	if b.Version != h.Version {
		out = append(out, "version")
	}
	add := func(name, x, y string) {
		if !eqStr(x, y) {
			out = append(out, name)
		}
	}
	add("system.id", b.System.ID, h.System.ID)
	add("system.name", b.System.Name, h.System.Name)
	add("system.description", b.System.Description, h.System.Description)
	add("system.owner", b.System.Owner, h.System.Owner)
	add("system.vendor", b.System.Vendor, h.System.Vendor)
	if !eqExt(b.Extensions, h.Extensions) {
		out = append(out, "extensions")
	}
	return append(out, boundaryFields(b, h)...)
}

// boundaryFields names the trust boundaries added, removed or changed, as
// boundaries.<id>, in the head's order then the base's.
func boundaryFields(b, h *model.Model) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range append(append([]string{}, h.BoundaryOrder...), b.BoundaryOrder...) {
		if seen[id] {
			continue
		}
		seen[id] = true
		x, y := b.Boundaries[id], h.Boundaries[id]
		if x == nil || y == nil || !eqStr(x.Name, y.Name) || !eqStr(x.Description, y.Description) ||
			x.Trusted != y.Trusted || !eqSet(x.Members, y.Members) || !eqExt(x.Extensions, y.Extensions) {
			out = append(out, "boundaries."+id)
		}
	}
	return out
}

func componentFields(b, h *model.Component) []string {
	var f []string
	if !eqStr(b.Name, h.Name) {
		f = append(f, "name")
	}
	if !eqStr(b.Kind, h.Kind) {
		f = append(f, "kind")
	}
	if !eqStr(b.Layer, h.Layer) {
		f = append(f, "layer")
	}
	if !eqStr(b.Description, h.Description) {
		f = append(f, "description")
	}
	if b.InternetFacing != h.InternetFacing {
		f = append(f, "internet_facing")
	}
	if !eqSet(b.Data, h.Data) {
		f = append(f, "data")
	}
	if !eqSet(b.Traits, h.Traits) {
		f = append(f, "traits")
	}
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	return f
}

func flowFields(b, h *model.Flow) []string {
	var f []string
	if !eqStr(b.From, h.From) {
		f = append(f, "from")
	}
	if !eqStr(b.To, h.To) {
		f = append(f, "to")
	}
	if !eqStr(b.Description, h.Description) {
		f = append(f, "description")
	}
	if !eqStr(b.Protocol, h.Protocol) {
		f = append(f, "protocol")
	}
	if !eqSet(b.Data, h.Data) {
		f = append(f, "data")
	}
	if b.Kind != h.Kind {
		f = append(f, "kind")
	}
	if !eqFlag(b.Authenticated, h.Authenticated) {
		f = append(f, "authenticated")
	}
	if !eqFlag(b.Encrypted, h.Encrypted) {
		f = append(f, "encrypted")
	}
	if b.Bidirectional != h.Bidirectional {
		f = append(f, "bidirectional")
	}
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	return f
}

// eqFlag compares two flags that may be unknown (nil): unknown equals only
// unknown.
func eqFlag(b, h *bool) bool {
	if b == nil || h == nil {
		return b == h
	}
	return *b == *h
}

func assetFields(b, h *model.Asset) []string {
	var f []string
	if !eqStr(b.Name, h.Name) {
		f = append(f, "name")
	}
	if !eqStr(b.Classification, h.Classification) {
		f = append(f, "classification")
	}
	if !eqStr(b.Description, h.Description) {
		f = append(f, "description")
	}
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	return f
}

func compareElements[T any](base, head map[string]T, bo, ho []string,
	fields func(b, h T) []string, name func(T) string) []ElementChange {
	out := []ElementChange{}
	seen := make(map[string]bool, len(ho))
	for _, id := range ho {
		if seen[id] {
			continue
		}
		seen[id] = true
		h := head[id]
		b, ok := base[id]
		if !ok {
			out = append(out, ElementChange{ID: id, Change: Added, Name: name(h)})
			continue
		}
		if f := fields(b, h); len(f) > 0 {
			out = append(out, ElementChange{ID: id, Change: Changed, Name: name(h), FieldsChanged: f})
		}
	}
	for _, id := range bo {
		if _, ok := head[id]; ok || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, ElementChange{ID: id, Change: Removed, Name: name(base[id])})
	}
	return out
}
