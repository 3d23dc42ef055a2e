package dashboard

import "net/url"

// rowClass is a mitigation row's class: done, overdue, stale (issue closed,
// model not updated) or open.
func rowClass(r mitigationRow) string {
	switch {
	case r.Done:
		return "done"
	case r.Overdue:
		return "overdue"
	case r.HumanClosed:
		return "stale"
	}
	return "open"
}

// safeURL is u when it is an absolute http(s) URL, else "". A tracking
// issue's URL comes from the forge; the page links it only when it is one.
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return u
}
