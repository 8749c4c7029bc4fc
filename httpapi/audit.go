package httpapi

import (
	"math"
	"net/http"

	"github.com/airtight/airtight/audit"
)

func (s *Server) auditRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/audit", Roles: overseers, Summary: "List the organization's audit log", Handler: s.listAudit},
	}
}

// Audit page sizes.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

type auditList struct {
	Entries   []*audit.Entry `json:"entries"`
	NextAfter int64          `json:"next_after,omitempty"` // pass as ?after= for the next page
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "after", "limit", "action")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := audit.Filter{AfterSeq: int64(p.int("after", 0, math.MaxInt)), Limit: p.int("limit", 1, maxAuditLimit),
		Action: p.str("action")}
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	if f.Limit == 0 {
		f.Limit = defaultAuditLimit
	}
	es, err := s.svc.Audit.ListEntries(r.Context(), f)
	resp := auditList{Entries: nonNil(es)}
	if len(es) == f.Limit {
		resp.NextAfter = es[len(es)-1].Seq
	}
	s.respond(w, r, http.StatusOK, resp, err)
}
