package httpapi

import (
	"net/http"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

func (s *Server) orgRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/me", Roles: everyone, Summary: "The authenticated principal", Handler: s.getMe},
		{Method: "GET", Pattern: "/api/v1/organization", Roles: readers, Summary: "The caller's organization", Handler: s.getOrganization},
	}
}

type meResponse struct {
	Actor     *airtight.Actor `json:"actor"`
	User      *auth.User      `json:"user,omitempty"`
	CSRFToken string          `json:"csrf_token,omitempty"`
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	a := airtight.ActorFrom(r.Context())
	resp := meResponse{Actor: a, CSRFToken: s.CSRFToken(r)}
	var err error
	if a.Kind == airtight.ActorUser {
		resp.User, err = s.svc.Users.FindUser(r.Context(), a.ID)
	}
	s.respond(w, r, http.StatusOK, resp, err)
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.svc.Orgs.FindOrganizationByID(r.Context(), airtight.ActorFrom(r.Context()).OrgID)
	s.respond(w, r, http.StatusOK, o, err)
}
