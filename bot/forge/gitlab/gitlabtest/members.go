package gitlabtest

import (
	"net/http"
	"sort"
	"strconv"
)

func (s *Server) listUsers(rp *reply) {
	var out []any
	if name, ok := rp.str("username"); ok {
		if u := s.userByName(name); u != nil {
			out = append(out, s.userJSON(u))
		}
	} else {
		ids := make([]int64, 0, len(s.users))
		for id := range s.users {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			out = append(out, s.userJSON(s.users[id]))
		}
	}
	lo, hi := s.paginate(rp, len(out))
	if out == nil {
		out = []any{}
	}
	s.write(rp, http.StatusOK, out[lo:hi])
}

func (s *Server) member(rp *reply, p *project, idText string) {
	id, err := strconv.ParseInt(idText, 10, 64)
	lvl := p.members[id]
	u := s.users[id]
	if err != nil || u == nil || lvl == 0 {
		s.fail(rp, http.StatusNotFound, "404 Not found")
		return
	}
	m := s.userJSON(u)
	m["access_level"] = lvl
	m["membership_state"] = "active"
	s.write(rp, http.StatusOK, m)
}
