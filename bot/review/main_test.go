package review

import (
	"os"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

func TestMain(m *testing.M) {
	// A CUE model is evaluated in a child process started from the test
	// binary: let the child do its work and exit before any test runs.
	model.RunCUEChildIfRequested()
	policy.RunChildIfRequested()
	os.Exit(m.Run())
}
