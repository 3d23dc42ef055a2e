package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/review"
)

// TestReviewBudgetSettings: the budget of a review comes from the settings
// file and the environment (the environment winning), defaults to
// review.DefaultBudget, and a bad value is refused naming the setting but
// not repeating the value.
func TestReviewBudgetSettings(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	s, err := Load("", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if s.ReviewBudget() != review.DefaultBudget() {
		t.Errorf("default budget %+v", s.ReviewBudget())
	}
	f := filepath.Join(t.TempDir(), "tmbot.yaml")
	if err := os.WriteFile(f, []byte("review_max_files: 50\nreview_max_bytes: 8MiB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err = Load(f, getenv); err != nil {
		t.Fatal(err)
	}
	if b := s.ReviewBudget(); b.MaxFiles != 50 || b.MaxBytes != 8<<20 {
		t.Errorf("file budget %+v", b)
	}
	env["TMBOT_REVIEW_MAX_FILES"], env["TMBOT_REVIEW_MAX_BYTES"] = "7", "1048576"
	if s, err = Load(f, getenv); err != nil {
		t.Fatal(err)
	}
	if b := s.ReviewBudget(); b.MaxFiles != 7 || b.MaxBytes != 1<<20 {
		t.Errorf("environment budget %+v", b)
	}
	for k, v := range map[string]string{"TMBOT_REVIEW_MAX_FILES": "seven-xyzzy", "TMBOT_REVIEW_MAX_BYTES": "xyzzyMiB"} {
		env := map[string]string{k: v}
		_, err := Load("", func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), k) || strings.Contains(err.Error(), "xyzzy") {
			t.Errorf("%s=%s: error %v, want one naming the setting and not its value", k, v, err)
		}
	}
}
