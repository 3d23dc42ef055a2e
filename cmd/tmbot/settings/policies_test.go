package settings

import (
	"strings"
	"testing"
	"time"
)

// The organisation's policies are mandatory unless the service says
// otherwise; the CUE budget is a setting; bad values are refused without
// being echoed.
func TestSettingsOrgPoliciesAndCUEBudget(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	s, err := Load("", env(nil))
	if err != nil || s.OrgPoliciesOverridable || s.CUETimeout != 0 || s.CUEMemory != 0 {
		t.Fatalf("defaults: %v %+v", err, s)
	}
	s, err = Load("", env(map[string]string{"TMBOT_ORG_POLICIES_OVERRIDABLE": "true",
		"TMBOT_CUE_TIMEOUT": "3s", "TMBOT_CUE_MEMORY": "67108864"}))
	if err != nil || !s.OrgPoliciesOverridable || s.CUETimeout != 3*time.Second || s.CUEMemory != 64<<20 {
		t.Fatalf("set: %v %+v", err, s)
	}
	for name, v := range map[string]string{"TMBOT_ORG_POLICIES_OVERRIDABLE": "yes-sir", "TMBOT_CUE_MEMORY": "lots-sir"} {
		_, err := Load("", env(map[string]string{name: v}))
		if err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "sir") {
			t.Errorf("%s=%s: err = %v, want an error naming the setting and not its value", name, v, err)
		}
	}
}
