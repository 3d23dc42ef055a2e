package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

func (s *Server) commentJSON(rr *repo, c *Comment) map[string]any {
	return map[string]any{
		"id": c.ID, "node_id": fmt.Sprintf("IC_%d", c.ID), "body": c.Body, "user": s.userJSON(c.User),
		"created_at": c.CreatedAt.Format(time.RFC3339), "updated_at": c.UpdatedAt.Format(time.RFC3339),
		"url":                fmt.Sprintf("%s%s/repos/%s/issues/comments/%d", s.srv.URL, s.prefix, rr.fullName(), c.ID),
		"html_url":           fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", rr.fullName(), c.Number, c.ID),
		"issue_url":          fmt.Sprintf("%s%s/repos/%s/issues/%d", s.srv.URL, s.prefix, rr.fullName(), c.Number),
		"author_association": "NONE",
	}
}

func (s *Server) listComments(rp *reply, rr *repo, num string) {
	number, ok := s.commentTarget(rr, num) // a pull request or an issue
	if !ok {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	var cs []*Comment
	for _, c := range rr.comments {
		if c.Number == number {
			cs = append(cs, c)
		}
	}
	lo, hi, _ := s.paginate(rp, len(cs))
	out := []any{}
	for _, c := range cs[lo:hi] {
		out = append(out, s.commentJSON(rr, c))
	}
	s.write(rp, http.StatusOK, out)
}

func (s *Server) commentBody(rp *reply) (string, bool) {
	var req struct {
		Body *string `json:"body"`
	}
	if !s.decode(rp, &req) {
		return "", false
	}
	if req.Body == nil {
		s.invalid(rp, "Invalid request.\n\n\"body\" wasn't supplied.")
		return "", false
	}
	if len([]rune(*req.Body)) > maxCommentLength {
		s.invalid(rp, "Validation Failed: Body is too long (maximum is 65536 characters)")
		return "", false
	}
	return *req.Body, true
}

func (s *Server) createComment(rp *reply, rr *repo, num string) {
	if !s.mayWrite(rp, "issues", "pull_requests") {
		return
	}
	number, ok := s.commentTarget(rr, num) // a pull request or an issue
	if !ok {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	body, ok := s.commentBody(rp)
	if !ok {
		return
	}
	c := s.addComment(rr, number, s.BotLogin(), body)
	rp.w.Header().Set("Location", fmt.Sprintf("%s%s/repos/%s/issues/comments/%d", s.srv.URL, s.prefix, rr.fullName(), c.ID))
	s.write(rp, http.StatusCreated, s.commentJSON(rr, c))
}

func (s *Server) editComment(rp *reply, rr *repo, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	var c *Comment
	for _, x := range rr.comments {
		if x.ID == id {
			c = x
		}
	}
	if c == nil {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	if !s.mayWrite(rp, "issues", "pull_requests") {
		return
	}
	body, ok := s.commentBody(rp)
	if !ok || !s.mayEdit(rp, c.User) {
		return
	}
	c.Body = body
	c.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	s.write(rp, http.StatusOK, s.commentJSON(rr, c))
}
