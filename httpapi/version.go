package httpapi

import (
	"net/http"

	"github.com/airtight/airtight/inventory"
)

func (s *Server) versionRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/products/{id}/versions", Roles: readers, Summary: "List a product's versions", Handler: s.withID(s.listVersions)},
		{Method: "POST", Pattern: "/api/v1/products/{id}/versions", Roles: editors, Summary: "Create a product version", Handler: s.withID(s.createVersion)},
		{Method: "GET", Pattern: "/api/v1/versions/{id}", Roles: readers, Summary: "Get a product version", Handler: s.withID(s.getVersion)},
		{Method: "PATCH", Pattern: "/api/v1/versions/{id}", Roles: editors, Summary: "Update a product version", Handler: s.withID(s.updateVersion)},
		{Method: "DELETE", Pattern: "/api/v1/versions/{id}", Roles: editors, Summary: "Delete a version no device runs", Handler: s.withID(s.deleteVersion)},
	}
}

type versionList struct {
	Versions []*inventory.ProductVersion `json:"versions"`
}

// listVersions first finds the product, so that another organization's
// product is "not found" rather than an empty list.
func (s *Server) listVersions(w http.ResponseWriter, r *http.Request, productID int64) {
	if _, err := s.svc.Products.FindProduct(r.Context(), productID); err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.svc.Versions.ListVersions(r.Context(), productID)
	s.respond(w, r, http.StatusOK, versionList{Versions: nonNil(vs)}, err)
}

type versionInput struct {
	Version      string `json:"version"`
	ReleaseDate  string `json:"release_date"`
	EndOfSupport string `json:"end_of_support"`
}

func (s *Server) createVersion(w http.ResponseWriter, r *http.Request, productID int64) {
	var in versionInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.svc.Products.FindProduct(r.Context(), productID); err != nil {
		s.writeError(w, r, err)
		return
	}
	v := &inventory.ProductVersion{ProductID: productID, Version: in.Version, ReleaseDate: in.ReleaseDate,
		EndOfSupport: in.EndOfSupport}
	err := s.svc.Versions.CreateVersion(r.Context(), v)
	s.respond(w, r, http.StatusCreated, v, err)
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request, id int64) {
	v, err := s.svc.Versions.FindVersion(r.Context(), id)
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) updateVersion(w http.ResponseWriter, r *http.Request, id int64) {
	var u inventory.VersionUpdate
	if err := decodeJSON(r, &u); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.svc.Versions.UpdateVersion(r.Context(), id, u)
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request, id int64) {
	s.respond(w, r, http.StatusNoContent, nil, s.svc.Versions.DeleteVersion(r.Context(), id))
}
