package httpapi

import (
	"context"
	"net/http"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

// Grants are managed by admins of the granting hospital; both sides' staff
// may read them. The store decides which grants an organization sees.
func (s *Server) grantRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/grants", Roles: readers, Summary: "List grants given or received", Handler: s.listGrants},
		{Method: "POST", Pattern: "/api/v1/grants", Roles: admins, Summary: "Grant a device maker read access to its installed base", Handler: s.createGrant},
		{Method: "GET", Pattern: "/api/v1/grants/{id}", Roles: readers, Summary: "Get a grant", Handler: s.withID(s.getGrant)},
		{Method: "POST", Pattern: "/api/v1/grants/{id}/revoke", Roles: admins, Summary: "Revoke a grant", Handler: s.withID(s.revokeGrant)},
	}
}

type grantList struct {
	Grants []*inventory.Grant `json:"grants"`
}

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	gs, err := s.svc.Grants.ListGrants(r.Context())
	s.respond(w, r, http.StatusOK, grantList{Grants: nonNil(gs)}, err)
}

type grantInput struct {
	GranteeOrg     string `json:"grantee_org"` // the device maker's organization slug
	ManufacturerID int64  `json:"manufacturer_id"`
	Note           string `json:"note"`
}

func (s *Server) createGrant(w http.ResponseWriter, r *http.Request) {
	var in grantInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.newGrant(r.Context(), in)
	if err == nil {
		err = s.svc.Grants.CreateGrant(r.Context(), g)
	}
	s.respond(w, r, http.StatusCreated, g, err)
}

// newGrant resolves the grantee: another organization, a device maker.
func (s *Server) newGrant(ctx context.Context, in grantInput) (*inventory.Grant, error) {
	if in.GranteeOrg == "" {
		return nil, fieldError("grantee_org", "is required")
	}
	o, err := s.svc.Orgs.FindOrganizationBySlug(ctx, in.GranteeOrg)
	switch {
	case airtight.ErrorCode(err) == airtight.ENotFound:
		return nil, fieldError("grantee_org", "is not a known organization")
	case err != nil:
		return nil, err
	case o.Kind != airtight.OrgManufacturer || o.ID == airtight.ActorFrom(ctx).OrgID:
		return nil, fieldError("grantee_org", "must be another organization of kind manufacturer")
	}
	return &inventory.Grant{GranteeOrgID: o.ID, ManufacturerID: in.ManufacturerID, Note: in.Note}, nil
}

func (s *Server) getGrant(w http.ResponseWriter, r *http.Request, id int64) {
	g, err := s.svc.Grants.FindGrant(r.Context(), id)
	s.respond(w, r, http.StatusOK, g, err)
}

func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request, id int64) {
	if err := s.svc.Grants.RevokeGrant(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.getGrant(w, r, id)
}
