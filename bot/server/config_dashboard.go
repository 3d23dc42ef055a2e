package server

import (
	"fmt"
	"net/netip"
	"strings"
)

// The dashboard's settings are read and checked here, by the dashboard's
// own code, while the dashboard is part of this package (issue 20): the
// settings (cmd/tmbot/settings) call these two.

// CheckTrustedProxies checks the trusted proxies: addresses or CIDR
// prefixes. Its error names the setting and the entry's place, not its
// value.
func CheckTrustedProxies(list []string) error {
	_, err := parsePrefixes(list)
	return err
}

// Load reads TMBOT_DASHBOARD_TARGET_CRITICAL, _HIGH, _MEDIUM and _LOW
// through getenv over t, and checks them.
func (t *Targets) Load(getenv func(string) string) error {
	c := Config{DashboardTargets: *t}
	if err := c.loadTargets(getenv); err != nil {
		return err
	}
	*t = c.DashboardTargets
	return nil
}

// parsePrefixes reads the trusted proxies: addresses or CIDR prefixes.
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, v := range list {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("TMBOT_TRUSTED_PROXIES (trusted_proxies): entry %d is not an IP address or a CIDR prefix", i+1)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
