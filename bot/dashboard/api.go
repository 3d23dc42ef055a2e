package dashboard

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/store"
)

// The dashboard's data as JSON under /api/v1/ and as CSV, with the same
// filters as the pages (docs/dashboard.md). A list answers every row that
// matches unless page or per_page is given.

// apiInput reads an API request's filters and the store's rows; false when
// it has answered (400 as JSON, or 500).
func (d *Dashboard) apiInput(w http.ResponseWriter, r *http.Request) (filters, *workData, bool) {
	return d.input(w, r, func(err error) { writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()}) })
}

// input reads a request's filters (badFilters answers when they are
// wrong) and the store's rows; false when it has answered.
func (d *Dashboard) input(w http.ResponseWriter, r *http.Request, badFilters func(error)) (filters, *workData, bool) {
	f, err := parseFilters(r.URL.Query())
	if err != nil {
		badFilters(err)
		return f, nil, false
	}
	data, err := d.work(r.Context())
	if err != nil {
		d.fail(w, r, err)
		return f, nil, false
	}
	return f, data, true
}

// apiPage cuts rows to the page asked for, if one was.
func apiPage[T any](rows []*T, f filters, path string, out map[string]any) []*T {
	out["count"] = len(rows)
	if f.Page == 0 && f.PerPage == 0 {
		return nonNil(rows)
	}
	rows, p := paginate(rows, f, path)
	out["page"] = map[string]any{"number": p.Number, "pages": p.Pages, "per_page": p.PerPage, "next": p.Next, "prev": p.Prev}
	return nonNil(rows)
}

func (d *Dashboard) answer(f filters) map[string]any {
	return map[string]any{"generated_at": d.now().UTC(), "filters": f}
}

func (d *Dashboard) handleMitigations(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	out := d.answer(f)
	out["total"] = len(data.Mitigations)
	out["mitigations"] = apiPage(mitigationList(data.Mitigations, f), f, r.URL.Path, out)
	writeJSON(w, http.StatusOK, out)
}

func (d *Dashboard) handleThreatsAPI(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	out := d.answer(f)
	out["total"] = len(data.Threats)
	out["threats"] = apiPage(threatList(data.Threats, f), f, r.URL.Path, out)
	writeJSON(w, http.StatusOK, out)
}

// csvCell keeps a spreadsheet from reading a cell as a formula (OWASP's
// advice on CSV injection: a leading = + - @ tab or CR gets a quote).
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// workCells are the CSV cells of workFields (workHeader names them).
var workHeader = []string{"system_name", "vendor", "first_seen_at", "age_at_least", "target_days", "over_target",
	"days_over_target", "model_url", "pr_number", "pr_url"}

func workCells(w *workFields) []string {
	return []string{csvCell(w.SystemName), csvCell(w.Vendor), timeCell(w.FirstSeen), strconv.FormatBool(w.AgeAtLeast),
		strconv.Itoa(w.TargetDays), strconv.FormatBool(w.OverTarget), strconv.Itoa(w.DaysOverTarget), csvCell(w.ModelURL),
		strconv.Itoa(w.PR), csvCell(w.PRURL)}
}

// writeCSV answers a spreadsheet named name.
func (d *Dashboard) writeCSV(w http.ResponseWriter, r *http.Request, name string, header []string, rows [][]string) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(header)
	_ = cw.WriteAll(rows)
	if err := cw.Error(); err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(buf.Bytes())
}

func (d *Dashboard) handleMitigationsCSV(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	rows := mitigationList(data.Mitigations, f)
	header := append([]string{"repository", "system", "mitigation", "title", "risk", "status", "owner", "due", "overdue",
		"days_overdue", "issue_number", "issue_url", "issue_state", "issue_closed_model_not_updated", "done", "age_days",
		"created_at", "path"}, workHeader...)
	cells := make([][]string, 0, len(rows))
	for _, m := range rows {
		cells = append(cells, append([]string{csvCell(m.Repo), csvCell(m.System), csvCell(m.Mitigation), csvCell(m.Title), m.Risk,
			csvCell(m.Status), csvCell(m.Owner), csvCell(m.Due), strconv.FormatBool(m.Overdue), strconv.Itoa(m.DaysOverdue),
			strconv.Itoa(m.Issue), csvCell(m.IssueURL), m.IssueState, strconv.FormatBool(m.HumanClosed),
			strconv.FormatBool(m.Done), strconv.Itoa(m.AgeDays), timeCell(m.CreatedAt), csvCell(m.Path)}, workCells(&m.workFields)...))
	}
	d.writeCSV(w, r, "tmbot-mitigations.csv", header, cells)
}

func (d *Dashboard) handleThreatsCSV(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	rows := threatList(data.Threats, f)
	header := append([]string{"repository", "system", "threat", "title", "risk", "planned", "owner", "age_days", "issues",
		"path"}, workHeader...)
	cells := make([][]string, 0, len(rows))
	for _, t := range rows {
		var issues []string
		for _, is := range t.Issues {
			issues = append(issues, "#"+strconv.Itoa(is.Number))
		}
		cells = append(cells, append([]string{csvCell(t.Repo), csvCell(t.SystemID), csvCell(t.Threat), csvCell(t.Title), t.Risk,
			strconv.FormatBool(t.Planned), csvCell(t.Owner), strconv.Itoa(t.AgeDays), strings.Join(issues, " "), csvCell(t.Path)},
			workCells(&t.workFields)...))
	}
	d.writeCSV(w, r, "tmbot-threats.csv", header, cells)
}

func (d *Dashboard) handleSystems(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	type systemOut struct {
		systemRow
		AcceptedRisks []acceptedRow `json:"accepted_risks"`
	}
	byModel := map[[2]string][]acceptedRow{}
	for _, a := range data.Accepted {
		if f.Risk == "" || a.Risk == f.Risk {
			k := [2]string{a.RepoKey, a.Path}
			byModel[k] = append(byModel[k], a)
		}
	}
	models := modelList(data.Models, f)
	list := make([]*systemOut, 0, len(models))
	for _, p := range models {
		s := *p
		if f.Risk != "" {
			s.Open = onlyRisk(s.Open, f.Risk)
			s.OpenTotal = s.Open.Total()
		}
		list = append(list, &systemOut{systemRow: s, AcceptedRisks: nonNil(byModel[[2]string{s.RepoKey, s.Path}])})
	}
	out := d.answer(f)
	out["systems"] = apiPage(list, f, r.URL.Path, out)
	writeJSON(w, http.StatusOK, out)
}

func (d *Dashboard) handleThreatSummary(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	type repoOut struct {
		Repo    string           `json:"repo"`
		RepoKey string           `json:"repo_key"`
		Open    store.RiskCounts `json:"open"`
		Total   int              `json:"total"`
	}
	models := modelList(data.Models, f)
	var total store.RiskCounts
	byRepo := map[string]store.RiskCounts{}
	invalid := 0
	for _, s := range models {
		open := onlyRisk(s.Open, f.Risk)
		total = total.Plus(open)
		byRepo[s.RepoKey] = byRepo[s.RepoKey].Plus(open)
		if !s.Valid {
			invalid++
		}
	}
	var planned, unplanned store.RiskCounts
	for _, t := range threatList(data.Threats, f) {
		if t.Planned {
			planned.Add(t.Risk)
		} else {
			unplanned.Add(t.Risk)
		}
	}
	repos := []repoOut{}
	for _, k := range sortedKeys(setOf(mapKeys(byRepo))) {
		repos = append(repos, repoOut{Repo: repoName(k), RepoKey: k, Open: byRepo[k], Total: byRepo[k].Total()})
	}
	out := d.answer(f)
	for k, v := range map[string]any{"open": total, "total": total.Total(), "planned": planned, "unplanned": unplanned,
		"models": len(models), "invalid_models": invalid, "by_repo": repos} {
		out[k] = v
	}
	writeJSON(w, http.StatusOK, out)
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (d *Dashboard) handleRiskHistory(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.URL.Query())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	n := historyDays
	if v := r.URL.Query().Get("days"); v != "" {
		x, err := strconv.Atoi(v)
		if err != nil || x < 1 || x > 3660 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "days must be a number from 1 to 3660"})
			return
		}
		n = x
	}
	points, err := loadHistory(r.Context(), d.store, f, d.now(), n)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	out := d.answer(f)
	out["days"] = nonNil(points)
	writeJSON(w, http.StatusOK, out)
}

func (d *Dashboard) handleAcceptedRisks(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	out := d.answer(f)
	out["expiring_within_days"] = expiringWithin
	out["accepted_risks"] = apiPage(acceptedList(data.Accepted, f), f, r.URL.Path, out)
	writeJSON(w, http.StatusOK, out)
}

// overviewOut is the overview as JSON.
type overviewOut struct {
	Threats     map[string]map[string]int `json:"open_threats"`
	Unplanned   int                       `json:"unplanned"`
	Planned     int                       `json:"planned"`
	OverTarget  int                       `json:"threats_over_target"`
	Overdue     int                       `json:"overdue_mitigations"`
	MitOver     int                       `json:"mitigations_over_target"`
	HumanClosed int                       `json:"issues_closed_model_not_updated"`
	Expiring    int                       `json:"acceptances_expiring"`
	Invalid     int                       `json:"invalid_models"`
	Targets     Targets                   `json:"target_days"`
	Repos       []map[string]any          `json:"repos"`
}

func (d *Dashboard) handleOverviewAPI(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	o := buildOverview(data, f)
	v := overviewOut{Threats: map[string]map[string]int{}, Unplanned: o.Unplanned, Planned: o.Planned, OverTarget: o.OverThreats,
		Overdue: o.Overdue, MitOver: o.MitOver, HumanClosed: o.HumanClosed, Expiring: o.Expiring, Invalid: o.Invalid,
		Targets: d.targets, Repos: []map[string]any{}}
	for _, l := range o.Lines {
		v.Threats[l.Risk] = map[string]int{"unplanned": l.Unplanned, "planned": l.Planned, "over_target": l.Over}
	}
	for _, l := range o.Repos {
		v.Repos = append(v.Repos, map[string]any{"repo": l.Name, "repo_key": l.Key, "url": l.Web, "open": l.Open,
			"unplanned": l.Unplanned, "overdue_mitigations": l.Overdue, "over_target": l.Over, "models": l.Models,
			"invalid_models": l.Invalid, "summary_issue": l.Summary, "summary_issue_url": l.SummaryURL})
	}
	out := d.answer(scope(f))
	out["overview"] = v
	writeJSON(w, http.StatusOK, out)
}

func (d *Dashboard) handleVendorsAPI(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	list := []map[string]any{}
	for _, v := range buildOverview(data, f).Vendors {
		list = append(list, map[string]any{"vendor": v.Name, "models": v.Models, "invalid_models": v.Invalid,
			"open_threats": v.Open, "unplanned": v.Unplanned, "overdue_mitigations": v.Overdue, "over_target": v.Over})
	}
	out := d.answer(scope(f))
	out["vendors"] = list
	writeJSON(w, http.StatusOK, out)
}

func (d *Dashboard) handleSystemsCSV(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	rows := modelList(data.Models, f)
	header := []string{"repository", "path", "system_id", "system_name", "owner", "vendor", "valid", "error", "threats",
		"open_critical", "open_high", "open_medium", "open_low", "unplanned", "tracked_mitigations", "overdue_mitigations",
		"over_target", "accepted", "sha", "model_url"}
	cells := make([][]string, 0, len(rows))
	for _, m := range rows {
		n := strconv.Itoa
		cells = append(cells, []string{csvCell(m.Repo), csvCell(m.Path), csvCell(m.SystemID), csvCell(m.SystemName),
			csvCell(m.Owner), csvCell(m.Vendor), strconv.FormatBool(m.Valid), csvCell(m.Error), n(m.Threats), n(m.Open.Critical),
			n(m.Open.High), n(m.Open.Medium), n(m.Open.Low), n(m.Unplanned), n(m.Mitigations), n(m.OverdueMitigation),
			n(m.OverTarget), n(m.Accepted), csvCell(m.SHA), csvCell(m.ModelURL)})
	}
	d.writeCSV(w, r, "tmbot-models.csv", header, cells)
}

func (d *Dashboard) handleAcceptedCSV(w http.ResponseWriter, r *http.Request) {
	f, data, ok := d.apiInput(w, r)
	if !ok {
		return
	}
	rows := acceptedList(data.Accepted, f)
	header := []string{"repository", "path", "system_id", "system_name", "vendor", "threat", "title", "risk", "accepted_by",
		"reason", "until", "days_left", "expired", "expiring_soon", "model_url"}
	cells := make([][]string, 0, len(rows))
	for _, a := range rows {
		left := ""
		if a.DaysLeft != nil {
			left = strconv.Itoa(*a.DaysLeft)
		}
		cells = append(cells, []string{csvCell(a.Repo), csvCell(a.Path), csvCell(a.SystemID), csvCell(a.SystemName),
			csvCell(a.Vendor), csvCell(a.Threat), csvCell(a.Title), a.Risk, csvCell(a.By), csvCell(a.Reason), csvCell(a.Until), left,
			strconv.FormatBool(a.Expired), strconv.FormatBool(a.ExpiringSoon), csvCell(a.ModelURL)})
	}
	d.writeCSV(w, r, "tmbot-accepted-risks.csv", header, cells)
}
