package model

// TrackedMitigations is the tracking rule, in one place for the review's
// preview ("will open an issue") and the tracking job (bot/track): a
// mitigation has a tracking issue when it is planned or in_progress and
// addresses at least one open threat. The map gives, for each such
// mitigation, the ids of those open threats in the model's order. A nil
// model tracks nothing.
func (m *Model) TrackedMitigations() map[string][]string {
	out := map[string][]string{}
	if m == nil {
		return out
	}
	for _, tid := range m.ThreatOrder {
		t := m.Threats[tid]
		if t.Status != StatusOpen {
			continue
		}
		for _, mid := range t.Mitigations {
			if mit := m.Mitigations[mid]; mit != nil && (mit.Status == MitigationPlanned || mit.Status == MitigationInProgress) {
				out[mid] = append(out[mid], tid)
			}
		}
	}
	return out
}
