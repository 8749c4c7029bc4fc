package httpapi

import (
	"net/http"

	"github.com/airtight/airtight/inventory"
)

func (s *Server) manufacturerRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/manufacturers", Roles: readers, Summary: "List manufacturers", Handler: s.listManufacturers},
		{Method: "POST", Pattern: "/api/v1/manufacturers", Roles: editors, Summary: "Create a manufacturer", Handler: s.createManufacturer},
		{Method: "GET", Pattern: "/api/v1/manufacturers/{id}", Roles: readers, Summary: "Get a manufacturer", Handler: s.withID(s.getManufacturer)},
		{Method: "PATCH", Pattern: "/api/v1/manufacturers/{id}", Roles: editors, Summary: "Update a manufacturer", Handler: s.withID(s.updateManufacturer)},
		{Method: "DELETE", Pattern: "/api/v1/manufacturers/{id}", Roles: editors, Summary: "Delete a manufacturer without products", Handler: s.withID(s.deleteManufacturer)},
	}
}

type manufacturerList struct {
	Manufacturers []*inventory.Manufacturer `json:"manufacturers"`
}

func (s *Server) listManufacturers(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, err := s.svc.Manufacturers.ListManufacturers(r.Context())
	s.respond(w, r, http.StatusOK, manufacturerList{Manufacturers: nonNil(ms)}, err)
}

type manufacturerInput struct {
	Name    string `json:"name"`
	Website string `json:"website"`
}

func (s *Server) createManufacturer(w http.ResponseWriter, r *http.Request) {
	var in manufacturerInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	m := &inventory.Manufacturer{Name: in.Name, Website: in.Website}
	err := s.svc.Manufacturers.CreateManufacturer(r.Context(), m)
	s.respond(w, r, http.StatusCreated, m, err)
}

func (s *Server) getManufacturer(w http.ResponseWriter, r *http.Request, id int64) {
	m, err := s.svc.Manufacturers.FindManufacturer(r.Context(), id)
	s.respond(w, r, http.StatusOK, m, err)
}

func (s *Server) updateManufacturer(w http.ResponseWriter, r *http.Request, id int64) {
	var u inventory.ManufacturerUpdate
	if err := decodeJSON(r, &u); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.svc.Manufacturers.UpdateManufacturer(r.Context(), id, u)
	s.respond(w, r, http.StatusOK, m, err)
}

func (s *Server) deleteManufacturer(w http.ResponseWriter, r *http.Request, id int64) {
	s.respond(w, r, http.StatusNoContent, nil, s.svc.Manufacturers.DeleteManufacturer(r.Context(), id))
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
