package dashboard

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Wrong dashboard tokens, at the login form or as a bearer token, are
// counted per client address (behind a reverse proxy listed in
// TMBOT_TRUSTED_PROXIES, the address it puts in X-Forwarded-For): more than loginFailures in loginWindow from
// one address and that address's tokens are not checked until the window
// has passed (429), while every other address goes on. An IPv6 client
// counts by its /64 (one host usually has the whole prefix). The counts
// live in the process (each replica counts its own); at most
// maxThrottledClients addresses are remembered.
const maxThrottledClients = 10000

// throttle counts recent failures per client.
type throttle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

// clientKey is what failures are counted by: the client's IPv4 address,
// or its IPv6 /64. The client is the peer, unless the peer is a trusted
// proxy: then it is the last address of X-Forwarded-For that is not a
// trusted proxy (the one the first trusted proxy saw; what the client
// wrote itself in the header is further left, and ignored).
func clientKey(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if isTrusted(a, trusted) {
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(h, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // garbage: stay with the last good address
			}
			a = hop.Unmap()
			if !isTrusted(a, trusted) {
				break
			}
		}
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// resting reports whether client has had too many failures lately.
func (t *throttle) resting(client string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.recent(client, now)) >= loginFailures
}

// recent drops client's failures older than the window (t.mu held).
func (t *throttle) recent(client string, now time.Time) []time.Time {
	cutoff := now.Add(-loginWindow)
	fs := slices.DeleteFunc(t.failures[client], func(at time.Time) bool { return at.Before(cutoff) })
	if len(fs) == 0 {
		delete(t.failures, client)
		return nil
	}
	t.failures[client] = fs
	return fs
}

// fail records a failure of client.
func (t *throttle) fail(client string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failures == nil {
		t.failures = map[string][]time.Time{}
	}
	if _, known := t.failures[client]; !known && len(t.failures) >= maxThrottledClients {
		for c := range t.failures {
			t.recent(c, now)
		}
		for c := range t.failures { // still full: forget one (map order)
			if len(t.failures) < maxThrottledClients {
				break
			}
			delete(t.failures, c)
		}
	}
	fs := t.recent(client, now)
	if len(fs) >= loginFailures { // keep the list bounded
		fs = fs[1:]
	}
	t.failures[client] = append(fs, now)
}
