package review

import "github.com/tmbot/tmbot/bot/model"

// slim drops what a model file's review loaded once the review of that
// file is done, keeping only what the renderers read later: the system's
// name, the data-flow diagram (drawn now, at DiagramMaxNodes) and the new
// open threats the comment describes. A request's models are reviewed one
// after the other, so without this the report would hold every model of
// the request whole, and a review's memory would grow with the number of
// files instead of with what it has to say.
func (m *ModelReport) slim() {
	if m.slimmed {
		return
	}
	name := m.systemName()
	d := m.Diagram(DiagramMaxNodes)
	var kept *model.Model
	if m.head != nil && len(m.NewUnmitigated) > 0 {
		kept = &model.Model{Path: m.head.Path, Version: m.head.Version, System: m.head.System,
			Threats: make(map[string]*model.Threat, len(m.NewUnmitigated))}
		for _, t := range m.NewUnmitigated {
			if th := m.head.Threats[t.ID]; th != nil {
				kept.Threats[t.ID] = th
				kept.ThreatOrder = append(kept.ThreatOrder, t.ID)
			}
		}
	}
	m.head, m.base, m.headResult = kept, nil, nil
	m.name, m.diagram, m.slimmed = name, d, true
}
