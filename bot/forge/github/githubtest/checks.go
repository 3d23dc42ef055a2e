package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/commitid"
)

type outputIn struct {
	Title       *string          `json:"title"`
	Summary     *string          `json:"summary"`
	Text        *string          `json:"text"`
	Annotations []map[string]any `json:"annotations"`
	Images      []map[string]any `json:"images"`
}

type checkRunIn struct {
	Name        *string          `json:"name"`
	HeadSHA     *string          `json:"head_sha"`
	DetailsURL  *string          `json:"details_url"`
	ExternalID  *string          `json:"external_id"`
	Status      *string          `json:"status"`
	Conclusion  *string          `json:"conclusion"`
	StartedAt   *string          `json:"started_at"`
	CompletedAt *string          `json:"completed_at"`
	Output      *outputIn        `json:"output"`
	Actions     []map[string]any `json:"actions"`
}

var (
	checkStatuses    = map[string]bool{"queued": true, "in_progress": true, "completed": true, "waiting": true, "requested": true, "pending": true}
	checkConclusions = map[string]bool{"action_required": true, "cancelled": true, "failure": true, "neutral": true, "success": true, "skipped": true, "stale": true, "timed_out": true}
	annotationLevels = map[string]bool{"notice": true, "warning": true, "failure": true}
)

// validateOutput checks an output object; it returns GitHub's message for
// a bad one.
func validateOutput(o *outputIn) ([]Annotation, string) {
	if o == nil {
		return nil, ""
	}
	if o.Title == nil {
		return nil, "Invalid request.\n\n\"title\" wasn't supplied."
	}
	if o.Summary == nil {
		return nil, "Invalid request.\n\n\"summary\" wasn't supplied."
	}
	if len([]rune(*o.Summary)) > maxSummaryLength {
		return nil, "Invalid request.\n\nOnly 65535 characters are allowed; 'summary' is too long."
	}
	if len(o.Annotations) > maxAnnotations {
		return nil, "Invalid request.\n\nOnly 50 annotations are allowed per request."
	}
	var out []Annotation
	for i, a := range o.Annotations {
		b, _ := json.Marshal(a)
		var an Annotation
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&an); err != nil {
			return nil, fmt.Sprintf("Invalid request.\n\nannotation %d: %v", i, err)
		}
		for _, k := range []string{"path", "start_line", "end_line", "annotation_level", "message"} {
			if _, ok := a[k]; !ok {
				return nil, fmt.Sprintf("Invalid request.\n\n%q wasn't supplied.", k)
			}
		}
		for k := range a {
			switch k {
			case "path", "start_line", "end_line", "start_column", "end_column", "annotation_level", "message", "title", "raw_details":
			default:
				return nil, fmt.Sprintf("Invalid request.\n\n%q is not a permitted key.", k)
			}
		}
		if !annotationLevels[an.Level] {
			return nil, "Invalid request.\n\nannotation_level must be one of notice, warning, failure."
		}
		if an.StartLine < 1 || an.EndLine < an.StartLine {
			return nil, "Invalid request.\n\nstart_line and end_line must be positive, end_line not before start_line."
		}
		if _, ok := a["start_column"]; ok && an.StartLine != an.EndLine {
			return nil, "Invalid request.\n\nstart_column and end_column may only be given when start_line equals end_line."
		}
		out = append(out, an)
	}
	return out, ""
}

func (s *Server) createCheckRun(rp *reply, rr *repo) {
	if !s.mayWrite(rp, "checks") {
		return
	}
	var in checkRunIn
	if !s.decode(rp, &in) {
		return
	}
	if in.Name == nil || *in.Name == "" {
		s.invalid(rp, "Invalid request.\n\n\"name\" wasn't supplied.")
		return
	}
	if in.HeadSHA == nil || *in.HeadSHA == "" {
		s.invalid(rp, "Invalid request.\n\n\"head_sha\" wasn't supplied.")
		return
	}
	if _, _, ok := s.resolve(rr, *in.HeadSHA); !ok || !isSHA(*in.HeadSHA) {
		s.invalid(rp, "No commit found for SHA: "+*in.HeadSHA)
		return
	}
	c := &CheckRun{AppID: s.appID, Name: *in.Name, HeadSHA: *in.HeadSHA, Status: "queued", StartedAt: time.Now().UTC().Truncate(time.Second)}
	if msg := s.applyCheck(c, &in); msg != "" {
		s.invalid(rp, msg)
		return
	}
	s.nextID++
	c.ID = s.nextID
	c.Requests = 1
	rr.checkRuns = append(rr.checkRuns, c)
	s.write(rp, http.StatusCreated, s.checkRunJSON(rr, c))
}

// isSHA reports whether s is a commit id as GitHub prints it: a full id
// (bot/commitid) in lower case. The fake is stricter than the bot, which
// also takes upper case.
func isSHA(s string) bool {
	return commitid.Valid(s) && s == strings.ToLower(s)
}

// applyCheck applies a create or update body to a run (annotations are
// appended, as GitHub does); it returns GitHub's message for a bad body.
func (s *Server) applyCheck(c *CheckRun, in *checkRunIn) string {
	anns, msg := validateOutput(in.Output)
	if msg != "" {
		return msg
	}
	status := c.Status
	if in.Status != nil {
		if !checkStatuses[*in.Status] {
			return "Invalid request.\n\nstatus is not one of the allowed values."
		}
		status = *in.Status
	}
	conclusion := c.Conclusion
	if in.Conclusion != nil {
		if !checkConclusions[*in.Conclusion] {
			return "Invalid request.\n\nconclusion is not one of the allowed values."
		}
		conclusion = *in.Conclusion
		status = "completed"
	}
	if status == "completed" && conclusion == "" {
		return "Invalid request.\n\nWhen the status is 'completed' a 'conclusion' is required."
	}
	if in.Name != nil {
		if *in.Name == "" {
			return "Invalid request.\n\n\"name\" can't be blank."
		}
		c.Name = *in.Name
	}
	c.Status, c.Conclusion = status, conclusion
	if status == "completed" && c.CompletedAt.IsZero() {
		c.CompletedAt = time.Now().UTC().Truncate(time.Second)
	}
	if in.CompletedAt != nil {
		if t, err := time.Parse(time.RFC3339, *in.CompletedAt); err == nil {
			c.CompletedAt = t.UTC()
		} else {
			return "Invalid request.\n\ncompleted_at is not a valid ISO 8601 timestamp."
		}
	}
	if in.ExternalID != nil {
		c.ExternalID = *in.ExternalID
	}
	if in.DetailsURL != nil {
		c.DetailsURL = *in.DetailsURL
	}
	if in.Output != nil {
		c.Title, c.Summary = *in.Output.Title, *in.Output.Summary
		if in.Output.Text != nil {
			c.Text = *in.Output.Text
		}
		c.Annotations = append(c.Annotations, anns...)
	}
	return ""
}

func (s *Server) checkRunByText(rr *repo, text string) *CheckRun {
	id, _ := strconv.ParseInt(text, 10, 64)
	for _, c := range rr.checkRuns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) updateCheckRun(rp *reply, rr *repo, idText string) {
	if !s.mayWrite(rp, "checks") {
		return
	}
	c := s.checkRunByText(rr, idText)
	if c == nil {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	var in checkRunIn
	if !s.decode(rp, &in) {
		return
	}
	if c.AppID != s.appID {
		s.fail(rp, http.StatusForbidden, "Invalid app_id `"+strconv.FormatInt(s.appID, 10)+"` - check run can only be modified by the GitHub App that created it.", docsREST)
		return
	}
	if in.HeadSHA != nil {
		s.invalid(rp, "Invalid request.\n\n\"head_sha\" is not a permitted key.")
		return
	}
	cp := *c
	cp.Annotations = append([]Annotation(nil), c.Annotations...)
	if msg := s.applyCheck(&cp, &in); msg != "" {
		s.invalid(rp, msg)
		return
	}
	cp.Requests++
	*c = cp
	s.write(rp, http.StatusOK, s.checkRunJSON(rr, c))
}

func (s *Server) checkRunJSON(rr *repo, c *CheckRun) map[string]any {
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Format(time.RFC3339)
	}
	var conclusion any
	if c.Conclusion != "" {
		conclusion = c.Conclusion
	}
	return map[string]any{
		"id": c.ID, "node_id": fmt.Sprintf("CR_%d", c.ID), "name": c.Name, "head_sha": c.HeadSHA,
		"external_id": c.ExternalID, "details_url": c.DetailsURL, "status": c.Status, "conclusion": conclusion,
		"started_at": ts(c.StartedAt), "completed_at": ts(c.CompletedAt),
		"url":      fmt.Sprintf("%s%s/repos/%s/check-runs/%d", s.srv.URL, s.prefix, rr.fullName(), c.ID),
		"html_url": fmt.Sprintf("https://github.com/%s/runs/%d", rr.fullName(), c.ID),
		"output": map[string]any{"title": c.Title, "summary": c.Summary, "text": c.Text,
			"annotations_count": len(c.Annotations),
			"annotations_url":   fmt.Sprintf("%s%s/repos/%s/check-runs/%d/annotations", s.srv.URL, s.prefix, rr.fullName(), c.ID)},
		"check_suite":   map[string]any{"id": c.ID * 10},
		"app":           map[string]any{"id": c.AppID, "slug": s.slugOf(c.AppID), "name": s.slugOf(c.AppID)},
		"pull_requests": []any{},
	}
}

func (s *Server) listCheckRuns(rp *reply, rr *repo, ref string) {
	sha, _, ok := s.resolve(rr, ref)
	if !ok {
		s.invalid(rp, "No commit found for SHA: "+ref)
		return
	}
	q := rp.r.URL.Query()
	name, status, filter, app := q.Get("check_name"), q.Get("status"), q.Get("filter"), q.Get("app_id")
	if filter == "" {
		filter = "latest"
	}
	var runs []*CheckRun
	latest := map[string]*CheckRun{}
	for _, c := range rr.checkRuns {
		if c.HeadSHA != sha || (name != "" && c.Name != name) || (status != "" && c.Status != status) ||
			(app != "" && strconv.FormatInt(c.AppID, 10) != app) {
			continue
		}
		runs = append(runs, c)
		k := fmt.Sprintf("%d/%s", c.AppID, c.Name)
		if l := latest[k]; l == nil || c.ID > l.ID {
			latest[k] = c
		}
	}
	if filter == "latest" {
		runs = runs[:0]
		for _, c := range latest {
			runs = append(runs, c)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID > runs[j].ID })
	lo, hi, _ := s.paginate(rp, len(runs))
	out := []any{}
	for _, c := range runs[lo:hi] {
		out = append(out, s.checkRunJSON(rr, c))
	}
	s.write(rp, http.StatusOK, map[string]any{"total_count": len(runs), "check_runs": out})
}
