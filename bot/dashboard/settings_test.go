package dashboard

import (
	"strings"
	"testing"
)

// TestTargetsLoad: the targets' defaults, the environment over the file,
// and the bounds.
func TestTargetsLoad(t *testing.T) {
	got := DefaultTargets
	if err := got.Load(func(string) string { return "" }); err != nil || got != (Targets{Critical: 14, High: 30, Medium: 90}) {
		t.Errorf("defaults: %+v %v", got, err)
	}
	env := map[string]string{"TMBOT_DASHBOARD_TARGET_CRITICAL": "7", "TMBOT_DASHBOARD_TARGET_LOW": "365"}
	got = DefaultTargets
	if err := got.Load(func(k string) string { return env[k] }); err != nil || got != (Targets{Critical: 7, High: 30, Medium: 90, Low: 365}) {
		t.Errorf("from the environment: %+v %v", got, err)
	}
	for _, bad := range []string{"-1", "soon", "4000"} {
		env := map[string]string{"TMBOT_DASHBOARD_TARGET_HIGH": bad}
		got = DefaultTargets
		if err := got.Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "TMBOT_DASHBOARD_TARGET_HIGH") {
			t.Errorf("high = %q: %v", bad, err)
		}
	}
	got = Targets{High: -2}
	if err := got.Load(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "dashboard_targets.high") {
		t.Errorf("a bad target from the file: %v", err)
	}
}

// TestParseTrustedProxies: addresses and prefixes are read; an entry that
// is neither is refused, without its value in the message.
func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies([]string{" 10.0.0.1", "", "192.168.1.77/24", "::ffff:10.0.0.2"})
	if err != nil || len(got) != 3 || got[0].String() != "10.0.0.1/32" || got[1].String() != "192.168.1.0/24" || got[2].String() != "10.0.0.2/32" {
		t.Errorf("parsed %v, %v", got, err)
	}
	for _, bad := range []string{"not-an-address", "10.0.0.0/33"} {
		_, err := ParseTrustedProxies([]string{"10.0.0.1", bad})
		if err == nil || strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "entry 2") {
			t.Errorf("TMBOT_TRUSTED_PROXIES with %q: %v", bad, err)
		}
	}
}
