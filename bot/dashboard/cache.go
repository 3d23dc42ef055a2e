package dashboard

import (
	"context"
	"sync"
	"time"

	"github.com/tmbot/tmbot/bot/store"
)

// workCacheTTL bounds how long the dashboard keeps what it read, even when
// the store's version has not changed: replicas whose clocks disagree
// could write a change the version does not show (store.DashboardVersion).
const workCacheTTL = 30 * time.Second

// workCache keeps the rows the views are made from while the store's
// dashboard version, the UTC day (ages count in days) and workCacheTTL
// allow. The rows are shared by concurrent requests: views copy what they
// filter, sort or change.
type workCache struct {
	mu      sync.Mutex
	version string
	day     string
	at      time.Time
	data    *workData
}

// work is the rows of the views, read again only when they may have
// changed.
func (d *Dashboard) work(ctx context.Context) (*workData, error) {
	env := d.env()
	version, err := d.store.DashboardVersion(ctx)
	if err != nil {
		return nil, err
	}
	day := env.now.UTC().Format(store.DayLayout)
	c := &d.cache
	c.mu.Lock()
	if c.data != nil && c.version == version && c.day == day && env.now.Sub(c.at) < workCacheTTL && env.now.After(c.at) {
		data := c.data
		c.mu.Unlock()
		return data, nil
	}
	c.mu.Unlock()
	data, err := loadWork(ctx, d.store, env)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.version, c.day, c.at, c.data = version, day, env.now, data
	c.mu.Unlock()
	return data, nil
}
