package jobs

import (
	"context"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/track"
)

// saveDashboardSnapshot records for the dashboard (bot/dashboard)
// each model file as this reconcile found it at sha, its open threats, the
// repository's open threats by risk today (over its valid models), and
// the threats and mitigations seen for the first time. prKeys are the
// merged requests that led to this reconcile: when there is exactly one,
// what appears now came with it. partial holds what could be read of the
// system of each invalid model (its owner and vendor are the people to
// ask).
func (d *Runner) saveDashboardSnapshot(ctx context.Context, repoKey, sha string, prKeys []string, models []track.Model,
	partial map[string]model.System) error {
	snaps := make([]store.ModelSnapshot, 0, len(models))
	var open store.RiskCounts
	var seen []store.FirstSeen
	for _, f := range models {
		m := f.Model
		if m == nil {
			sys := partial[f.Path]
			snaps = append(snaps, store.ModelSnapshot{Path: f.Path, Error: f.Invalid, SHA: sha, SystemID: sys.ID,
				SystemName: sys.Name, SystemOwner: sys.Owner, Vendor: sys.Vendor})
			continue
		}
		s := store.ModelSnapshot{Path: f.Path, SystemID: m.System.ID, SystemName: m.System.Name, SHA: sha,
			SystemOwner: m.System.Owner, Vendor: m.System.Vendor, Valid: true, Threats: len(m.Threats)}
		for _, id := range m.ThreatOrder {
			t := m.Threats[id]
			seen = append(seen, store.FirstSeen{Kind: store.KindThreat, Key: track.Key(m.System.ID, id)})
			switch t.Status {
			case model.StatusOpen:
				s.Open.Add(string(t.Risk))
				s.OpenThreats = append(s.OpenThreats, store.OpenThreat{ThreatID: id, Title: t.Title, Risk: string(t.Risk),
					Planned: t.Planned(m), Mitigations: t.Mitigations})
			case model.StatusAccepted:
				a := store.AcceptedRisk{ThreatID: id, Title: t.Title, Risk: string(t.Risk)}
				if t.Acceptance != nil {
					a.By, a.Reason, a.Until = t.Acceptance.By, t.Acceptance.Reason, t.Acceptance.Until
				}
				s.Accepted = append(s.Accepted, a)
			}
		}
		for _, id := range m.MitigationOrder {
			seen = append(seen, store.FirstSeen{Kind: store.KindMitigation, Key: track.Key(m.System.ID, id)})
		}
		open = open.Plus(s.Open)
		snaps = append(snaps, s)
	}
	if err := d.Store.SaveModelSnapshots(ctx, repoKey, snaps); err != nil {
		return err
	}
	if err := d.noteFirstSeen(ctx, repoKey, sha, prKeys, seen); err != nil {
		return err
	}
	return d.Store.RecordRiskHistory(ctx, repoKey, d.now(), open)
}

// noteFirstSeen records when the items were first seen: now, at sha,
// through the one merged request when there is one. At a repository's
// first reconcile everything was there before tmbot: it is marked so.
func (d *Runner) noteFirstSeen(ctx context.Context, repoKey, sha string, prKeys []string, items []store.FirstSeen) error {
	known, err := d.Store.HasFirstSeen(ctx, repoKey)
	if err != nil {
		return err
	}
	pr := 0
	if len(prKeys) == 1 && known {
		if p, err := d.Store.GetPull(ctx, prKeys[0]); err == nil {
			pr = p.Number
		}
	}
	at := d.now()
	for i := range items {
		items[i].At, items[i].SHA, items[i].PR, items[i].SinceInstall = at, sha, pr, !known
	}
	return d.Store.NoteFirstSeen(ctx, repoKey, items)
}
