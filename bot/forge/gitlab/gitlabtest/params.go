package gitlabtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// readParams reads the parameters of a request: the query, and a JSON or
// form body.
func (s *Server) readParams(rp *reply) bool {
	rp.params = map[string]any{}
	for k, v := range rp.r.URL.Query() {
		if len(v) > 0 {
			rp.params[strings.TrimSuffix(k, "[]")] = v[len(v)-1]
		}
	}
	if rp.r.Method == http.MethodGet || rp.r.Body == nil {
		return true
	}
	data, err := io.ReadAll(io.LimitReader(rp.r.Body, 8<<20))
	if err != nil {
		s.fail(rp, http.StatusBadRequest, "400 Bad request - unreadable body")
		return false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return true
	}
	ct := rp.r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			s.write(rp, http.StatusBadRequest, map[string]any{"error": "400 Bad request - the body is not valid JSON"})
			return false
		}
		for k, v := range m {
			rp.params[k] = v
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			s.fail(rp, http.StatusBadRequest, "400 Bad request - malformed form")
			return false
		}
		for k, v := range vals {
			if strings.HasSuffix(k, "[]") {
				rp.params[strings.TrimSuffix(k, "[]")] = v
			} else if len(v) > 0 {
				rp.params[k] = v[len(v)-1]
			}
		}
	default:
		s.fail(rp, http.StatusUnsupportedMediaType, "415 Unsupported Media Type")
		return false
	}
	return true
}

func (rp *reply) str(k string) (string, bool) {
	v, ok := rp.params[k]
	if !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case []string:
		return strings.Join(x, ","), true
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, fmt.Sprint(e))
		}
		return strings.Join(parts, ","), true
	}
	return fmt.Sprint(v), true
}

func (rp *reply) boolean(k string) (bool, bool) {
	v, ok := rp.str(k)
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(v)
	return b, err == nil
}

func (rp *reply) ints(k string) ([]int64, bool) {
	v, ok := rp.params[k]
	if !ok || v == nil {
		return nil, false
	}
	var parts []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			parts = append(parts, fmt.Sprint(e))
		}
	case []string:
		parts = x
	default:
		s, _ := rp.str(k)
		if s != "" {
			parts = strings.Split(s, ",")
		}
	}
	out := []int64{}
	for _, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, false
		}
		if n != 0 {
			out = append(out, n)
		}
	}
	return out, true
}
