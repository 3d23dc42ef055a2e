package dashboard

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The dashboard's own settings are read and checked here; the service's
// settings (cmd/tmbot/settings) call these as they read the rest.

// MaxTargetDays bounds a target time (ten years).
const MaxTargetDays = 3660

// Load reads TMBOT_DASHBOARD_TARGET_CRITICAL, _HIGH, _MEDIUM and _LOW
// through getenv over t (the settings file's dashboard_targets), and
// checks them.
func (t *Targets) Load(getenv func(string) string) error {
	for _, v := range []struct {
		risk, name string
		dst        *int
	}{{"critical", "TMBOT_DASHBOARD_TARGET_CRITICAL", &t.Critical},
		{"high", "TMBOT_DASHBOARD_TARGET_HIGH", &t.High},
		{"medium", "TMBOT_DASHBOARD_TARGET_MEDIUM", &t.Medium},
		{"low", "TMBOT_DASHBOARD_TARGET_LOW", &t.Low}} {
		if e := getenv(v.name); e != "" {
			n, err := strconv.Atoi(e)
			if err != nil {
				return fmt.Errorf("%s: write a number of days (0: no target)", v.name)
			}
			*v.dst = n
		}
		if *v.dst < 0 || *v.dst > MaxTargetDays {
			return fmt.Errorf("the dashboard target for %s risk (%s, dashboard_targets.%s) must be 0 to %d days", v.risk, v.name, v.risk, MaxTargetDays)
		}
	}
	return nil
}

// ParseTrustedProxies reads the trusted reverse proxies: addresses or CIDR
// prefixes. Its error names the setting and the entry's place, not its
// value.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
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
