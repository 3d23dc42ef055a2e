package metrics

import (
	"bytes"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// client counts calls and knows its rate limit, as the forge clients do.
type client struct {
	calls int64
	left  int
}

func (c client) Calls() int64                    { return c.calls }
func (c client) RateRemaining() (int, time.Time) { return c.left, time.Time{} }

// TestFamiliesGolden pins the tmbot_* families: their names, help texts,
// types, label sets and buckets, in the text /metrics serves, after one
// record of each kind. A change here changes what dashboards and alerts
// read; review the diff (go test ./bot/metrics -update).
func TestFamiliesGolden(t *testing.T) {
	m := New()
	m.Delivery("github", "pull_request", "accepted")
	m.Delivery("gitlab", "", "bad_signature")
	m.Answered(3 * time.Millisecond)
	m.Jobs(map[string]int{"completed": 2})
	m.PreviousSecret("github")
	m.SharedSecret("refused")
	m.Job("review", 1500*time.Millisecond, nil)
	m.APIUse("github", 7, client{calls: 12, left: 4000})
	m.Job("track", 250*time.Millisecond, errors.New("failed"))
	m.APIUse("gitlab", 0, client{calls: 12, left: 4000})
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	runtime := map[string]bool{}
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "tmbot_") {
			runtime[f.GetName()] = true
			continue
		}
		if _, err := expfmt.MetricFamilyToText(&got, f); err != nil {
			t.Fatal(err)
		}
	}
	// The Go runtime's and the process's collectors are served too (their
	// families depend on the Go version and the platform: not pinned).
	if !runtime["go_goroutines"] {
		t.Error("no go_goroutines: the Go collector is not registered")
	}
	golden := filepath.Join("testdata", "families.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("the tmbot_* families changed (go test ./bot/metrics -update to accept):\n%s", got.String())
	}
}

// APIUse counts the calls since the client's last record, and all of them
// when the client's count went back (a new client).
func TestAPIUseCountsTheDifference(t *testing.T) {
	m := New()
	for _, calls := range []int64{5, 8, 3} {
		m.APIUse("github", 7, client{calls: calls, left: -1})
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if !strings.Contains(body, `tmbot_api_calls_total{forge="github",installation="7"} 11`) {
		t.Errorf("calls: want 5+3+3 = 11 in\n%s", body)
	}
	if strings.Contains(body, "tmbot_api_rate_limit_remaining{") {
		t.Error("a negative rate limit (unknown) was recorded")
	}
}

// A nil *Metrics records nothing and serves 404.
func TestNilRecordsNothing(t *testing.T) {
	var m *Metrics
	m.Delivery("github", "push", "accepted")
	m.Answered(time.Second)
	m.PreviousSecret("gitlab")
	m.SharedSecret("accepted")
	m.Job("review", time.Second, nil)
	m.APIUse("github", 1, client{calls: 1})
	m.Jobs(map[string]int{"completed": 1})
	if fams, err := m.Gatherer().Gather(); err != nil || len(fams) != 0 {
		t.Errorf("nil gathers %d families, %v", len(fams), err)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil serves %d", rec.Code)
	}
}
