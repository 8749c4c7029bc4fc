package web

import (
	"context"
	"net/http"

	"github.com/airtight/airtight/audit"
)

// auditShown is how many of the latest entries the audit page shows.
const auditShown = 100

// auditData is the audit log page, newest entry first.
type auditData struct {
	Entries []*audit.Entry
}

func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Audit log", "audit")
	if v == nil {
		return
	}
	es, err := h.latestEntries(r.Context(), auditShown)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	v.Data = &auditData{Entries: es}
	h.render(w, r, http.StatusOK, "audit", v)
}

// latestEntries returns the last n entries of the organization's log, newest
// first.
func (h *Handler) latestEntries(ctx context.Context, n int) ([]*audit.Entry, error) {
	return h.cfg.Audit.ListEntries(ctx, audit.Filter{Newest: true, Limit: n})
}
