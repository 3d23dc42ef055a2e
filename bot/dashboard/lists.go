package dashboard

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tmbot/tmbot/bot/model"
)

// Filtering and sorting of the dashboard's four lists. Each returns a new
// slice; the rows of workData are not changed.

func boolFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

func (r *threatRow) matches(f filters) bool {
	if f.Repo != "" && r.RepoKey != f.Repo || f.Risk != "" && r.Risk != f.Risk || f.Owner != "" && r.Owner != f.Owner ||
		f.Vendor != "" && r.Vendor != f.Vendor || f.Over && !r.OverTarget {
		return false
	}
	if f.Plan == "planned" && !r.Planned || f.Plan == "unplanned" && r.Planned {
		return false
	}
	return matchText(f.Q, r.Title, r.Threat, r.SystemName, r.SystemID, r.Repo, r.Path, r.Owner, r.Vendor)
}

// threatList is the open threats that match f, sorted by f.Sort (default:
// highest risk, unplanned, oldest first).
func threatList(rows []threatRow, f filters) []*threatRow {
	return listOf(rows, func(r *threatRow) bool { return r.matches(f) }, func(a, b *threatRow) int {
		tie := strings.Compare(a.Repo+a.Path+a.Threat, b.Repo+b.Path+b.Threat)
		if c, ok := compareBy(f.Sort, a.sortFields(), b.sortFields()); ok {
			return cmp.Or(f.cmpDir(c), tie)
		}
		// Highest risk, unplanned, oldest first.
		return cmp.Or(cmp.Compare(model.Risk(b.Risk).Rank(), model.Risk(a.Risk).Rank()), boolFirst(!a.Planned, !b.Planned),
			cmp.Compare(b.AgeDays, a.AgeDays), tie)
	})
}

// sortFields are the columns threats and mitigations both sort by.
type sortFields struct {
	age                                int
	repo, title, system, vendor, owner string
	risk                               int
}

func (r *threatRow) sortFields() sortFields {
	return sortFields{r.AgeDays, r.Repo, r.Title, r.SystemName, r.Vendor, r.Owner, model.Risk(r.Risk).Rank()}
}

func (r *mitigationRow) sortFields() sortFields {
	return sortFields{r.AgeDays, r.Repo, r.Title, r.SystemName, r.Vendor, r.Owner, model.Risk(r.Risk).Rank()}
}

// compareBy compares a and b by the column key; false when key is not one
// of sortFields' columns.
func compareBy(key string, a, b sortFields) (int, bool) {
	switch key {
	case "age":
		return cmp.Compare(a.age, b.age), true
	case "repo":
		return strings.Compare(a.repo, b.repo), true
	case "title":
		return strings.Compare(strings.ToLower(a.title), strings.ToLower(b.title)), true
	case "system":
		return strings.Compare(strings.ToLower(a.system), strings.ToLower(b.system)), true
	case "vendor":
		return strings.Compare(a.vendor, b.vendor), true
	case "owner":
		return strings.Compare(a.owner, b.owner), true
	case "risk":
		return cmp.Compare(a.risk, b.risk), true
	}
	return 0, false
}

func (r *mitigationRow) matchesAll(f filters) bool {
	return r.matches(f) && (f.Vendor == "" || r.Vendor == f.Vendor) && (!f.Over || r.OverTarget) &&
		matchText(f.Q, r.Title, r.Key, r.SystemName, r.Repo, r.Path, r.Owner, r.Vendor)
}

// defaultMitigationOrder: not done first; then highest risk, overdue,
// soonest due.
func defaultMitigationOrder(a, b *mitigationRow) int {
	if c := boolFirst(!a.Done, !b.Done); c != 0 {
		return c
	}
	if c := cmp.Compare(model.Risk(b.Risk).Rank(), model.Risk(a.Risk).Rank()); c != 0 {
		return c
	}
	if c := boolFirst(a.Overdue, b.Overdue); c != 0 {
		return c
	}
	if a.Due != b.Due {
		switch {
		case a.Due == "":
			return 1
		case b.Due == "":
			return -1
		}
		return strings.Compare(a.Due, b.Due)
	}
	return 0
}

// mitigationList is the tracked mitigations that match f, sorted by
// f.Sort (default: defaultMitigationOrder).
func mitigationList(rows []mitigationRow, f filters) []*mitigationRow {
	return listOf(rows, func(r *mitigationRow) bool { return r.matchesAll(f) }, func(a, b *mitigationRow) int {
		tie := cmp.Or(strings.Compare(a.Repo, b.Repo), strings.Compare(a.Key, b.Key))
		if c, ok := compareBy(f.Sort, a.sortFields(), b.sortFields()); ok {
			return cmp.Or(f.cmpDir(c), tie)
		}
		var c int
		switch f.Sort {
		case "due":
			c = strings.Compare(cmp.Or(a.Due, "9999"), cmp.Or(b.Due, "9999"))
		case "issue":
			c = cmp.Compare(a.Issue, b.Issue)
		case "status":
			c = strings.Compare(a.Status, b.Status)
		default:
			return cmp.Or(defaultMitigationOrder(a, b), tie)
		}
		return cmp.Or(f.cmpDir(c), tie)
	})
}

func (r *systemRow) matches(f filters) bool {
	if f.Repo != "" && r.RepoKey != f.Repo || f.Vendor != "" && r.Vendor != f.Vendor || f.Owner != "" && r.Owner != f.Owner ||
		f.State == "valid" && !r.Valid || f.State == "invalid" && r.Valid || f.Risk != "" && r.Open.Of(f.Risk) == 0 ||
		f.Over && r.OverTarget == 0 || f.Plan == "unplanned" && r.Unplanned == 0 {
		return false
	}
	return matchText(f.Q, r.SystemName, r.SystemID, r.Repo, r.Path, r.Owner, r.Vendor, r.Error)
}

// modelList is the models that match f, sorted by f.Sort (default: by
// system name).
func modelList(rows []systemRow, f filters) []*systemRow {
	return listOf(rows, func(r *systemRow) bool { return r.matches(f) }, func(a, b *systemRow) int {
		var c int
		switch f.Sort {
		case "repo":
			c = strings.Compare(a.Repo, b.Repo)
		case "open":
			c = cmp.Compare(a.OpenTotal, b.OpenTotal)
		case "vendor":
			c = strings.Compare(a.Vendor, b.Vendor)
		case "owner":
			c = strings.Compare(a.Owner, b.Owner)
		case "path":
			c = strings.Compare(a.Path, b.Path)
		default:
			c = strings.Compare(strings.ToLower(a.SystemName), strings.ToLower(b.SystemName))
		}
		return cmp.Or(f.cmpDir(c), strings.Compare(a.Repo, b.Repo), strings.Compare(a.Path, b.Path))
	})
}

func (r *acceptedRow) matches(f filters) bool {
	if f.Repo != "" && r.RepoKey != f.Repo || f.Vendor != "" && r.Vendor != f.Vendor || f.Risk != "" && r.Risk != f.Risk ||
		f.Expiring && !r.ExpiringSoon {
		return false
	}
	return matchText(f.Q, r.Title, r.Threat, r.SystemName, r.Repo, r.Path, r.By, r.Reason, r.Vendor)
}

// acceptedList is the accepted risks that match f, sorted by f.Sort
// (default: soonest end first, those without an end last).
func acceptedList(rows []acceptedRow, f filters) []*acceptedRow {
	return listOf(rows, func(r *acceptedRow) bool { return r.matches(f) }, func(a, b *acceptedRow) int {
		var c int
		switch f.Sort {
		case "risk":
			c = cmp.Compare(model.Risk(a.Risk).Rank(), model.Risk(b.Risk).Rank())
		case "repo":
			c = strings.Compare(a.Repo, b.Repo)
		case "title":
			c = strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
		default:
			c = strings.Compare(cmp.Or(a.Until, "9999"), cmp.Or(b.Until, "9999"))
		}
		return cmp.Or(f.cmpDir(c), strings.Compare(a.Repo+a.Path+a.Threat, b.Repo+b.Path+b.Threat))
	})
}

// values copies the rows a list kept, in its order (sorting pointers
// rather than rows of several hundred bytes is what keeps a sort of ten
// thousand rows fast).
func values[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// listOf keeps the rows keep accepts, in order (a stable sort, over
// pointers to the rows).
func listOf[T any](rows []T, keep func(*T) bool, order func(a, b *T) int) []*T {
	out := make([]*T, 0, len(rows))
	for i := range rows {
		if keep(&rows[i]) {
			out = append(out, &rows[i])
		}
	}
	slices.SortStableFunc(out, order)
	return out
}
