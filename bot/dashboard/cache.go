package dashboard

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/tmbot/tmbot/bot/store"
)

// The dashboard keeps the rows of the views per repository, with the
// repository's generation (store.DashboardGenerations: the database bumps
// it on every write to what the dashboard reads). Each request asks the
// store for the generations (one small table); only the repositories
// whose generation changed are read again, and a new UTC day (ages and
// lateness count in days) makes the rows again from what was read,
// without reading. The generations are read before the rows, so the rows
// kept are never older than the generation kept with them.

// maxRepoRead is how many changed repositories are read by key; with more,
// everything is read at once.
const maxRepoRead = 200

// repoWork is one repository's rows: what the store gave, and the rows
// made from it on day.
type repoWork struct {
	raw  *store.DashboardWork
	day  string
	rows *workData
}

// workCache keeps the rows while the generations and the day allow. The
// rows are shared by concurrent requests: views copy what they filter,
// sort or change. One request at a time reads the store for the cache
// (mu is held while it does); the others wait for its rows.
type workCache struct {
	mu    sync.Mutex
	gens  map[string]int64
	day   string
	repos map[string]*repoWork
	data  *workData
}

// work is the rows of the views, read again only where they may have
// changed.
func (d *Dashboard) work(ctx context.Context) (*workData, error) {
	env := d.env()
	gens, err := d.store.DashboardGenerations(ctx)
	if err != nil {
		return nil, err
	}
	day := env.now.UTC().Format(store.DayLayout)
	c := &d.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data != nil && c.day == day && maps.Equal(c.gens, gens) {
		return c.data, nil
	}
	if err := c.read(ctx, d.store, gens); err != nil {
		return nil, err
	}
	c.data = c.assemble(env, day)
	c.gens, c.day = gens, day
	return c.data, nil
}

// read reads again the repositories whose generation is not the one kept
// (everything the first time, or when many changed); c.mu is held.
func (c *workCache) read(ctx context.Context, st *store.Store, gens map[string]int64) error {
	var changed []string
	if c.repos != nil {
		for k, g := range gens {
			if old, ok := c.gens[k]; !ok || old != g {
				changed = append(changed, k)
			}
		}
		for k := range c.gens {
			if _, ok := gens[k]; !ok {
				changed = append(changed, k)
			}
		}
		if len(changed) == 0 {
			return nil
		}
	}
	if c.repos == nil || len(changed) > maxRepoRead {
		raw, err := st.DashboardWork(ctx)
		if err != nil {
			return err
		}
		c.repos = map[string]*repoWork{}
		for k, w := range byRepo(raw) {
			c.repos[k] = &repoWork{raw: w}
		}
		return nil
	}
	raw, err := st.DashboardWork(ctx, changed...)
	if err != nil {
		return err
	}
	split := byRepo(raw)
	for _, k := range changed {
		if w := split[k]; w != nil {
			c.repos[k] = &repoWork{raw: w}
		} else {
			delete(c.repos, k)
		}
	}
	return nil
}

// byRepo splits what the store gave by repository.
func byRepo(raw *store.DashboardWork) map[string]*store.DashboardWork {
	out := map[string]*store.DashboardWork{}
	at := func(k string) *store.DashboardWork {
		if out[k] == nil {
			out[k] = &store.DashboardWork{Summary: map[string]int{}}
		}
		return out[k]
	}
	for _, m := range raw.Mitigations {
		w := at(m.RepoKey)
		w.Mitigations = append(w.Mitigations, m)
	}
	for _, t := range raw.Threats {
		w := at(t.RepoKey)
		w.Threats = append(w.Threats, t)
	}
	for _, m := range raw.Models {
		w := at(m.RepoKey)
		w.Models = append(w.Models, m)
	}
	for k, n := range raw.Summary {
		at(k).Summary[k] = n
	}
	return out
}

// assemble makes the rows of the repositories read or kept from another
// day, and puts every repository's rows together, by repository key;
// c.mu is held.
func (c *workCache) assemble(env dashEnv, day string) *workData {
	keys := slices.Sorted(maps.Keys(c.repos))
	w := &workData{env: env, Summary: map[string]int{}}
	var nm, nt, nmod, nacc int
	for _, k := range keys {
		r := c.repos[k]
		if r.rows == nil || r.day != day {
			r.rows, r.day = makeWork(r.raw, env), day
		}
		nm, nt, nmod, nacc = nm+len(r.rows.Mitigations), nt+len(r.rows.Threats), nmod+len(r.rows.Models), nacc+len(r.rows.Accepted)
	}
	w.Mitigations = make([]mitigationRow, 0, nm)
	w.Threats = make([]threatRow, 0, nt)
	w.Models = make([]systemRow, 0, nmod)
	w.Accepted = make([]acceptedRow, 0, nacc)
	for _, k := range keys {
		r := c.repos[k].rows
		w.Mitigations = append(w.Mitigations, r.Mitigations...)
		w.Threats = append(w.Threats, r.Threats...)
		w.Models = append(w.Models, r.Models...)
		w.Accepted = append(w.Accepted, r.Accepted...)
		maps.Copy(w.Summary, r.Summary)
	}
	return w
}
