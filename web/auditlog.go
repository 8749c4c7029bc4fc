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
// first. audit.Service lists in ascending order only, so it pages through
// the log keeping the tail.
func (h *Handler) latestEntries(ctx context.Context, n int) ([]*audit.Entry, error) {
	const batch = 1000
	var tail []*audit.Entry
	f := audit.Filter{Limit: batch}
	for {
		es, err := h.cfg.Audit.ListEntries(ctx, f)
		if err != nil {
			return nil, err
		}
		tail = append(tail, es...)
		if len(tail) > n {
			tail = tail[len(tail)-n:]
		}
		if len(es) < batch {
			break
		}
		f.AfterSeq = es[len(es)-1].Seq
	}
	out := make([]*audit.Entry, len(tail))
	for i, e := range tail {
		out[len(tail)-1-i] = e
	}
	return out, nil
}
