package catalog

import (
	"errors"
	"fmt"
	"strings"
)

// owaspIndex is the parsed owasp.tsv.
type owaspIndex struct {
	lists []*owaspList            // in file order
	items map[string]owaspItem    // by canonical id, "LLM01:2025"
	cur   map[string]*owaspList   // current list by prefix ("LLM")
	years map[string][]*owaspList // all lists by prefix
}

type owaspList struct {
	key, prefix, year, title, home string
	superseded                     bool
	first, last                    string // lowest and highest item number, "01" and "10"
}

type owaspItem struct {
	list       *owaspList
	id         string // bare, "LLM01"
	title, url string
}

func parseOWASP(data string) (*owaspIndex, error) {
	x := &owaspIndex{
		items: make(map[string]owaspItem, 48),
		cur:   make(map[string]*owaspList, 4),
		years: make(map[string][]*owaspList, 4),
	}
	byKey := make(map[string]*owaspList, 4)
	err := eachRow("owasp.tsv", data, 4, 6, func(f []string) error {
		key, id, year, title, url, status := f[0], f[1], f[2], f[3], f[4], f[5]
		if id == "" { // a list
			if byKey[key] != nil {
				return fmt.Errorf("duplicate list %s", key)
			}
			if url == "" || (status != "current" && status != "superseded") {
				return fmt.Errorf("list %s needs a home page and a status", key)
			}
			l := &owaspList{key: key, year: year, title: title, home: url, superseded: status == "superseded"}
			byKey[key] = l
			x.lists = append(x.lists, l)
			return nil
		}
		l := byKey[key]
		if l == nil {
			return fmt.Errorf("item %s before its list %s", id, key)
		}
		prefix, num, y, ok := splitOWASP(id)
		if !ok || y != "" || year != l.year {
			return fmt.Errorf("bad item %q in list %s", id, key)
		}
		switch {
		case l.prefix == "":
			l.prefix, l.first, l.last = prefix, num, num
		case l.prefix != prefix:
			return fmt.Errorf("list %s mixes %s and %s", key, l.prefix, prefix)
		case num < l.first:
			l.first = num
		case num > l.last:
			l.last = num
		}
		canon := id + ":" + year
		if _, dup := x.items[canon]; dup {
			return fmt.Errorf("duplicate item %s", canon)
		}
		x.items[canon] = owaspItem{list: l, id: id, title: title, url: url}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, l := range x.lists {
		if l.prefix == "" {
			return nil, fmt.Errorf("catalog: data/owasp.tsv: list %s has no items", l.key)
		}
		x.years[l.prefix] = append(x.years[l.prefix], l)
		if !l.superseded {
			if x.cur[l.prefix] != nil {
				return nil, fmt.Errorf("catalog: data/owasp.tsv: two current %s lists", l.prefix)
			}
			x.cur[l.prefix] = l
		}
	}
	for p, ls := range x.years {
		if x.cur[p] == nil {
			return nil, fmt.Errorf("catalog: data/owasp.tsv: no current %s list (%s)", p, ls[0].key)
		}
	}
	if len(x.lists) == 0 {
		return nil, errors.New("catalog: data/owasp.tsv is empty")
	}
	return x, nil
}

// resolve finds the item an OWASP id names; a bare id ("LLM01") is read as
// the current list's. It returns false when the id names nothing.
func (x *owaspIndex) resolve(id string) (owaspItem, bool) {
	prefix, num, year, ok := splitOWASP(id)
	if !ok {
		return owaspItem{}, false
	}
	if year == "" {
		l := x.cur[prefix]
		if l == nil {
			return owaspItem{}, false
		}
		year = l.year
	}
	it, ok := x.items[prefix+num+":"+year]
	return it, ok
}

func (it owaspItem) entry() Entry {
	url := it.url
	if url == "" {
		url = it.list.home
	}
	return Entry{Kind: OWASP, ID: it.id + ":" + it.list.year, Name: it.title, URL: url}
}

func (c *Catalog) checkOWASP(id string) Result {
	x := c.owasp
	it, ok := x.resolve(id)
	if !ok {
		return Result{Error: c.malformed(OWASP, id)}
	}
	e := it.entry()
	res := Result{Entry: e, Known: true}
	if _, _, year, _ := splitOWASP(id); year == "" {
		res.Warning = fmt.Sprintf("%q is read as %s (%s, %s); write %s", id, e.ID, e.Name, it.list.title, e.ID)
		if len(x.years[it.list.prefix]) > 1 {
			res.Warning += fmt.Sprintf(", because %s numbers mean different things in different editions", it.list.prefix)
		}
		return res
	}
	if it.list.superseded {
		cur := x.cur[it.list.prefix]
		res.Warning = fmt.Sprintf("%s (%s) is from the %s, which is superseded by the %s", e.ID, e.Name, it.list.title, cur.title)
		if to := closestLLM2025(e.ID); to != "" && cur.year == "2025" {
			if t, ok := x.items[to]; ok {
				res.Warning += fmt.Sprintf("; the closest %s item is %s (%s)", cur.year, to, t.title)
				return res
			}
		}
		res.Warning += fmt.Sprintf("; it has no direct counterpart there, so pick the %s item that fits", cur.year)
	}
	return res
}

// closestLLM2025 maps an item of the OWASP LLM Top 10 v1.1 (2023) to the
// 2025 item whose meaning is closest, following the 2025 list's own account
// of what changed. LLM07:2023 Insecure Plugin Design and LLM10:2023 Model
// Theft have no direct counterpart.
func closestLLM2025(id string) string {
	switch id {
	case "LLM01:2023": // Prompt Injection
		return "LLM01:2025" // Prompt Injection
	case "LLM02:2023": // Insecure Output Handling
		return "LLM05:2025" // Improper Output Handling
	case "LLM03:2023": // Training Data Poisoning
		return "LLM04:2025" // Data and Model Poisoning
	case "LLM04:2023": // Model Denial of Service
		return "LLM10:2025" // Unbounded Consumption
	case "LLM05:2023": // Supply-Chain Vulnerabilities
		return "LLM03:2025" // Supply Chain
	case "LLM06:2023": // Sensitive Information Disclosure
		return "LLM02:2025" // Sensitive Information Disclosure
	case "LLM08:2023": // Excessive Agency
		return "LLM06:2025" // Excessive Agency
	case "LLM09:2023": // Overreliance
		return "LLM09:2025" // Misinformation
	}
	return ""
}

// forms lists the accepted OWASP forms: "LLMnn:2025 (OWASP Top 10 for
// LLM Applications 2025), ...".
func (x *owaspIndex) forms() string {
	var cur, old []string
	allTen := true
	for _, l := range x.lists {
		nn := "nn"
		if l.first != "01" || l.last != "10" {
			nn, allTen = l.first+"-"+l.last, false
		}
		s := fmt.Sprintf("%s%s:%s (%s)", l.prefix, nn, l.year, l.title)
		if l.superseded {
			old = append(old, s)
		} else {
			cur = append(cur, s)
		}
	}
	s := orList(cur)
	if allTen {
		s += ", with nn from 01 to 10"
	}
	if len(old) > 0 {
		s += "; also recognised, with a warning: " + orList(old)
	}
	return s
}

func orList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// splitOWASP splits "LLM01:2025" into "LLM", "01", "2025", and "LLM01" into
// "LLM", "01", "": a run of capital letters, two digits, and optionally a
// colon and a four-digit year.
func splitOWASP(s string) (prefix, num, year string, ok bool) {
	id, year, hasYear := strings.Cut(s, ":")
	if hasYear && (len(year) != 4 || !digits(year)) {
		return "", "", "", false
	}
	i := 0
	for i < len(id) && id[i] >= 'A' && id[i] <= 'Z' {
		i++
	}
	if i == 0 || len(id)-i != 2 || !digits(id[i:]) {
		return "", "", "", false
	}
	return id[:i], id[i:], year, true
}
