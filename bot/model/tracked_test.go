package model

import (
	"reflect"
	"testing"
)

func TestTrackedMitigations(t *testing.T) {
	m := &Model{
		Threats: map[string]*Threat{
			"t1": {ID: "t1", Status: StatusOpen, Mitigations: []string{"planned", "proposed", "done", "missing"}},
			"t2": {ID: "t2", Status: StatusOpen, Mitigations: []string{"planned", "doing"}},
			"t3": {ID: "t3", Status: StatusMitigated, Mitigations: []string{"onlyclosed"}},
			"t4": {ID: "t4", Status: StatusAccepted, Mitigations: []string{"doing"}},
		},
		ThreatOrder: []string{"t2", "t1", "t3", "t4"},
		Mitigations: map[string]*Mitigation{
			"planned":    {ID: "planned", Status: MitigationPlanned},
			"doing":      {ID: "doing", Status: MitigationInProgress},
			"proposed":   {ID: "proposed", Status: MitigationProposed},
			"done":       {ID: "done", Status: MitigationImplemented},
			"onlyclosed": {ID: "onlyclosed", Status: MitigationPlanned},
		},
	}
	want := map[string][]string{
		"planned": {"t2", "t1"}, // open threats, in the model's order
		"doing":   {"t2"},       // t4 is accepted, not open
	}
	if got := m.TrackedMitigations(); !reflect.DeepEqual(got, want) {
		t.Errorf("TrackedMitigations = %v, want %v", got, want)
	}
	var none *Model
	if got := none.TrackedMitigations(); got == nil || len(got) != 0 {
		t.Errorf("a nil model tracks %v, want an empty map", got)
	}
}
