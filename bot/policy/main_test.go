package policy_test

import (
	"os"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// TestMain lets the model loader run its CUE-evaluation child from this
// test binary (the examples include a CUE model).
func TestMain(m *testing.M) {
	model.RunCUEChildIfRequested()
	policy.RunChildIfRequested()
	os.Exit(m.Run())
}
