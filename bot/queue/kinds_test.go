package queue

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
)

// Review jobs queued before the trigger existed name the event in
// "reason"; they decode with the trigger the jobs decide on, so a job
// queued by the previous version still skips what it skipped then.
func TestReviewArgsReadsJobsQueuedWithAReason(t *testing.T) {
	for reason, want := range map[string]forge.Trigger{
		"pull_request.opened":      forge.TriggerOpened,
		"pull_request.synchronize": forge.TriggerNewHead,
		"pull_request.reopened":    forge.TriggerReopened,
		"merge_request.reopen":     forge.TriggerReopened,
		"merge_request.retarget":   forge.TriggerChanged,
		"check_suite.rerequested":  forge.TriggerRerun,
		"issue_comment":            forge.TriggerCommand,
		"note":                     forge.TriggerCommand,
		"resync":                   forge.TriggerResync,
		"merged":                   forge.TriggerMerged,
		"something else":           "",
	} {
		old := `{"pr_key":"github:7:acme/pay#5","repo":{"forge":"github","installation":7,"owner":"acme","name":"pay"},` +
			`"number":5,"reason":"` + reason + `","requester":"carol","force":true}`
		var a ReviewArgs
		if err := json.Unmarshal([]byte(old), &a); err != nil {
			t.Fatalf("%s: %v", reason, err)
		}
		if a.Trigger != want || a.PRKey != "github:7:acme/pay#5" || a.Number != 5 || a.Requester != "carol" || !a.Force ||
			a.Repo.Name != "pay" {
			t.Errorf("%s: %+v, want trigger %q", reason, a, want)
		}
		if a.Trigger.NewHead() != (reason == "pull_request.opened" || reason == "pull_request.synchronize") ||
			a.Trigger.NewRequest() != (reason == "pull_request.opened") {
			t.Errorf("%s: new head %v, new request %v: not what the old job decided", reason, a.Trigger.NewHead(), a.Trigger.NewRequest())
		}
	}
	// New jobs round-trip, and a trigger wins over a leftover reason.
	a := ReviewArgs{PRKey: "gitlab:0:acme/pay#3", Repo: forge.Repo{Forge: "gitlab", ID: 9, Owner: "acme", Name: "pay"},
		Number: 3, Trigger: forge.TriggerNewHead}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back ReviewArgs
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, a) {
		t.Errorf("round trip: %+v, %v; want %+v", back, err, a)
	}
	if err := json.Unmarshal([]byte(`{"trigger":"command","reason":"pull_request.opened"}`), &back); err != nil || back.Trigger != forge.TriggerCommand {
		t.Errorf("trigger and reason: %q, %v", back.Trigger, err)
	}
	if err := json.Unmarshal([]byte(`{"number":"five"}`), &back); err == nil {
		t.Error("a malformed job decoded")
	}
}
