package diff

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tmbot/tmbot/bot/model"
)

// This file holds the canonical form of written content: strings trimmed at
// both ends, lists as sets, maps with sorted keys, numbers by value. The
// encoding is self-delimiting (length-prefixed strings, bracketed lists and
// maps), so two values encode equally exactly when they are equal under
// those rules. The eq* functions agree with it and take an allocation-free
// fast path for the common case of identical values.

type canon struct{ b []byte }

func (c *canon) str(s string) {
	s = strings.TrimSpace(s)
	c.b = append(c.b, 's')
	c.b = strconv.AppendInt(c.b, int64(len(s)), 10)
	c.b = append(c.b, ':')
	c.b = append(c.b, s...)
}

func (c *canon) boolean(v bool) {
	if v {
		c.b = append(c.b, 't')
	} else {
		c.b = append(c.b, 'f')
	}
}

// set encodes a list of strings as a set: trimmed, sorted, without repeats.
func (c *canon) set(list []string) {
	if sortedTrimmed(list) {
		c.b = append(c.b, '[')
		for _, s := range list {
			c.str(s)
		}
		c.b = append(c.b, ']')
		return
	}
	items := make([]string, 0, len(list))
	for _, s := range list {
		items = append(items, strings.TrimSpace(s))
	}
	sort.Strings(items)
	items = slices.Compact(items)
	c.b = append(c.b, '[')
	for _, s := range items {
		c.str(s)
	}
	c.b = append(c.b, ']')
}

// sortedTrimmed reports whether a list is already in canonical order:
// trimmed, strictly increasing.
func sortedTrimmed(list []string) bool {
	for i, s := range list {
		if len(s) > 0 && (isSpace(s[0]) || isSpace(s[len(s)-1])) || i > 0 && list[i-1] >= s {
			return false
		}
	}
	return true
}

// isSpace is true for ASCII white space and for the first byte of any
// non-ASCII character (which might be Unicode white space), so that
// sortedTrimmed errs on the side of the slow path.
func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f' || b >= 0x80
}

// ext encodes an extensions map; an empty one is the same as none.
func (c *canon) ext(m map[string]any) {
	if len(m) == 0 {
		c.b = append(c.b, '-')
		return
	}
	c.any(m)
}

// any encodes a value, with a fast path for the types that loading
// produces and reflection for the rest.
func (c *canon) any(v any) {
	switch x := v.(type) {
	case nil:
		c.b = append(c.b, 'n')
	case string:
		c.str(x)
	case bool:
		c.boolean(x)
	case map[string]any:
		if x == nil {
			c.b = append(c.b, "{}"...)
			return
		}
		// Entries sorted by encoded key, as in value, so that both paths
		// agree on any data.
		type kv struct {
			k string
			v any
		}
		entries := make([]kv, 0, len(x))
		var scratch canon
		for k, v := range x {
			scratch.b = scratch.b[:0]
			scratch.str(k)
			entries = append(entries, kv{string(scratch.b), v})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].k < entries[j].k })
		c.b = append(c.b, '{')
		for _, e := range entries {
			c.b = append(c.b, e.k...)
			c.any(e.v)
		}
		c.b = append(c.b, '}')
	default:
		c.value(reflect.ValueOf(v))
	}
}

func (c *canon) value(v reflect.Value) {
	if !v.IsValid() {
		c.b = append(c.b, 'n')
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			c.b = append(c.b, 'n')
			return
		}
		c.value(v.Elem())
	case reflect.String:
		c.str(v.String())
	case reflect.Bool:
		c.boolean(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.b = append(c.b, 'i')
		c.b = strconv.AppendInt(c.b, v.Int(), 10)
		c.b = append(c.b, ';')
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c.b = append(c.b, 'i')
		c.b = strconv.AppendUint(c.b, v.Uint(), 10)
		c.b = append(c.b, ';')
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			c.b = append(c.b, 'i')
			c.b = strconv.AppendInt(c.b, int64(f), 10)
		} else {
			c.b = append(c.b, 'r')
			c.b = strconv.AppendFloat(c.b, f, 'g', -1, 64)
		}
		c.b = append(c.b, ';')
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			c.b = append(c.b, "[]"...)
			return
		}
		items := make([]string, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			var e canon
			e.value(v.Index(i))
			items = append(items, string(e.b))
		}
		sort.Strings(items)
		items = slices.Compact(items)
		c.b = append(c.b, '[')
		for _, s := range items {
			c.b = append(c.b, s...)
		}
		c.b = append(c.b, ']')
	case reflect.Map:
		if v.IsNil() {
			c.b = append(c.b, "{}"...)
			return
		}
		type kv struct{ k, v string }
		entries := make([]kv, 0, v.Len())
		it := v.MapRange()
		for it.Next() {
			var k, e canon
			k.value(it.Key())
			e.value(it.Value())
			entries = append(entries, kv{string(k.b), string(e.b)})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].k < entries[j].k })
		c.b = append(c.b, '{')
		for _, e := range entries {
			c.b = append(c.b, e.k...)
			c.b = append(c.b, e.v...)
		}
		c.b = append(c.b, '}')
	case reflect.Struct:
		c.b = append(c.b, '(')
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			c.str(t.Field(i).Name)
			c.value(v.Field(i))
		}
		c.b = append(c.b, ')')
	default:
		// Functions, channels and the like have no written form; keep
		// them apart by type and printed value.
		c.str(fmt.Sprintf("%s:%v", v.Type(), v))
	}
}

func (c *canon) acceptance(a *model.Acceptance) {
	if a == nil {
		c.b = append(c.b, 'n')
		return
	}
	c.b = append(c.b, 'A')
	c.str(a.By)
	c.str(a.Reason)
	c.str(a.Until)
	c.ext(a.Extensions)
}

func (c *canon) status(written bool, s string) {
	if !written {
		c.b = append(c.b, '-')
		return
	}
	c.str(s)
}

// threatKey is the canonical content of a threat: every written field but
// the id. Risk, a derived status and positions take no part.
func threatKey(t *model.Threat) string {
	c := canon{b: make([]byte, 0, 512+len(t.Title)+len(t.Description))}
	c.str(t.Title)
	c.str(t.Description)
	c.set(t.Targets)
	c.set(t.Stride)
	c.set(t.Attack)
	c.set(t.Atlas)
	c.set(t.OWASP)
	c.set(t.CWE)
	c.set(t.CAPEC)
	c.set(t.KillChain)
	c.set(t.Covers)
	c.str(string(t.Likelihood))
	c.str(string(t.Impact))
	c.set(t.Mitigations)
	c.status(t.StatusWritten, t.Status)
	c.acceptance(t.Acceptance)
	c.str(t.Reason)
	c.str(t.TransferredTo)
	c.ext(t.Extensions)
	return string(c.b)
}

// mitigationKey is the canonical content of a mitigation: every field but
// the id.
func mitigationKey(m *model.Mitigation) string {
	c := canon{b: make([]byte, 0, 256+len(m.Title)+len(m.Description))}
	c.str(m.Title)
	c.str(m.Status)
	c.str(m.Description)
	c.str(m.Owner)
	c.str(m.Due)
	c.str(m.Issue)
	c.set(m.Controls)
	c.ext(m.Extensions)
	return string(c.b)
}

func eqStr(a, b string) bool { return a == b || strings.TrimSpace(a) == strings.TrimSpace(b) }

// eqSet compares two lists of strings as sets.
func eqSet(a, b []string) bool {
	if len(a) == len(b) {
		same := true
		for i := range a {
			if !eqStr(a[i], b[i]) {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	var ca, cb canon
	ca.set(a)
	cb.set(b)
	return bytes.Equal(ca.b, cb.b)
}

// eqExt compares two extensions maps deeply, under the canonical rules.
func eqExt(a, b map[string]any) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	if len(a) == len(b) && sameMap(a, b) {
		return true
	}
	var ca, cb canon
	ca.ext(a)
	cb.ext(b)
	return bytes.Equal(ca.b, cb.b)
}

// same reports whether two values of extensions are certainly equal under
// the canonical rules, without allocating; false means "not known", and
// the caller falls back to the canonical encoding. It is exact for
// identical data of the types that loading produces.
func same(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && eqStr(x, y)
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int:
		y, ok := b.(int)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && len(x) == len(y) && sameMap(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func sameMap(a, b map[string]any) bool {
	for k, v := range a {
		w, ok := b[k]
		if !ok || !same(v, w) {
			return false
		}
	}
	return true
}

func eqAcceptance(a, b *model.Acceptance) bool {
	if a == nil || b == nil {
		return a == b
	}
	return eqStr(a.By, b.By) && eqStr(a.Reason, b.Reason) && eqStr(a.Until, b.Until) &&
		eqExt(a.Extensions, b.Extensions)
}

func eqWrittenStatus(a, b *model.Threat) bool {
	if a.StatusWritten != b.StatusWritten {
		return false
	}
	return !a.StatusWritten || eqStr(a.Status, b.Status)
}

// setMinus returns the trimmed items of a that are not in b, in the order
// of a, without repeats.
func setMinus(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[strings.TrimSpace(s)] = true
	}
	var out []string
	for _, s := range a {
		s = strings.TrimSpace(s)
		if !in[s] {
			in[s] = true
			out = append(out, s)
		}
	}
	return out
}
