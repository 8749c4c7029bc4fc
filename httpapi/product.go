package httpapi

import (
	"net/http"

	"github.com/airtight/airtight/inventory"
)

func (s *Server) productRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/products", Roles: readers, Summary: "List products (models)", Handler: s.listProducts},
		{Method: "POST", Pattern: "/api/v1/products", Roles: editors, Summary: "Create a product", Handler: s.createProduct},
		{Method: "GET", Pattern: "/api/v1/products/{id}", Roles: readers, Summary: "Get a product", Handler: s.withID(s.getProduct)},
		{Method: "PATCH", Pattern: "/api/v1/products/{id}", Roles: editors, Summary: "Update a product", Handler: s.withID(s.updateProduct)},
		{Method: "DELETE", Pattern: "/api/v1/products/{id}", Roles: editors, Summary: "Delete a product without versions", Handler: s.withID(s.deleteProduct)},
	}
}

type productList struct {
	Products []*inventory.Product `json:"products"`
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) {
	p, err := queryParams(r, "manufacturer_id", "kind")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := inventory.ProductFilter{ManufacturerID: p.id("manufacturer_id"), Kind: inventory.Kind(p.str("kind"))}
	if p.err != nil {
		s.writeError(w, r, p.err)
		return
	}
	ps, err := s.svc.Products.ListProducts(r.Context(), f)
	s.respond(w, r, http.StatusOK, productList{Products: nonNil(ps)}, err)
}

type productInput struct {
	ManufacturerID int64                 `json:"manufacturer_id"`
	Model          string                `json:"model"`
	Kind           inventory.Kind        `json:"kind"`
	FDAProductCode string                `json:"fda_product_code"`
	Criticality    inventory.Criticality `json:"criticality"`
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request) {
	var in productInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &inventory.Product{ManufacturerID: in.ManufacturerID, Model: in.Model, Kind: in.Kind,
		FDAProductCode: in.FDAProductCode, Criticality: in.Criticality}
	err := s.svc.Products.CreateProduct(r.Context(), p)
	s.respond(w, r, http.StatusCreated, p, err)
}

func (s *Server) getProduct(w http.ResponseWriter, r *http.Request, id int64) {
	p, err := s.svc.Products.FindProduct(r.Context(), id)
	s.respond(w, r, http.StatusOK, p, err)
}

func (s *Server) updateProduct(w http.ResponseWriter, r *http.Request, id int64) {
	var u inventory.ProductUpdate
	if err := decodeJSON(r, &u); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.svc.Products.UpdateProduct(r.Context(), id, u)
	s.respond(w, r, http.StatusOK, p, err)
}

func (s *Server) deleteProduct(w http.ResponseWriter, r *http.Request, id int64) {
	s.respond(w, r, http.StatusNoContent, nil, s.svc.Products.DeleteProduct(r.Context(), id))
}
