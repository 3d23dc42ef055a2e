package forge_test

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/config"
	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/track"
)

// The adapters know a tracking issue in a webhook by the default label and
// the marker prefix; both must be what the configuration and bot/track
// actually write.
func TestTrackingIssueSigns(t *testing.T) {
	if got := config.Default().Tracking.Labels; len(got) == 0 || got[0] != forge.TrackingLabel {
		t.Errorf("default tracking labels %v, want %q first", got, forge.TrackingLabel)
	}
	for _, m := range []string{track.Marker("k"), track.SummaryMarker} {
		if !strings.HasPrefix(m, forge.TrackingMarkerPrefix) {
			t.Errorf("marker %q does not begin with %q", m, forge.TrackingMarkerPrefix)
		}
	}
	if key, ok := track.KeyOf("text\n" + track.Marker("a-b") + "\n"); !ok || key != "a-b" {
		t.Errorf("KeyOf(Marker) = %q, %v", key, ok)
	}
}
