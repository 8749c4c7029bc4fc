package web

import (
	"net/http"
	"strconv"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

// grantsData is the sharing page: grants the organization gave (a hospital
// to device makers) and received (a device maker from hospitals).
type grantsData struct {
	Given    []*inventory.Grant
	Received []*inventory.Grant
}

func (h *Handler) grantList(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Sharing", "grants")
	if v == nil {
		return
	}
	gs, err := h.cfg.Grants.ListGrants(r.Context())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := &grantsData{}
	for _, g := range gs {
		if g.OrgID == v.Actor.OrgID {
			d.Given = append(d.Given, g)
		} else {
			d.Received = append(d.Received, g)
		}
	}
	if r.URL.Query().Get("revoked") == "1" {
		v.Flash = "The grant is revoked. The device maker can no longer read those devices."
	}
	v.Data = d
	h.render(w, r, http.StatusOK, "grants", v)
}

func (h *Handler) revokeGrant(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Sharing", "grants")
	if v == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, v)
		return
	}
	if err := h.cfg.Grants.RevokeGrant(r.Context(), id); err != nil {
		if airtight.ErrorCode(err) == airtight.EConflict {
			// Already revoked: the user's intent holds.
			http.Redirect(w, r, "/grants?revoked=1", http.StatusSeeOther)
			return
		}
		h.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/grants?revoked=1", http.StatusSeeOther)
}
