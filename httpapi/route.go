// Package httpapi serves airtight over HTTP: the JSON API under /api/v1, the
// health and metrics endpoints, and the middleware every route shares
// (request IDs, authentication by API token or session cookie, the role
// policy, CSRF protection, security headers, body limits, rate limits).
// Dashboard pages (package web) plug in as Routes.
package httpapi

import (
	"net/http"

	"github.com/airtight/airtight"
)

// Route is one registered endpoint with its access policy. Every route the
// server mounts is a Route, so the policy test can walk them all.
type Route struct {
	Method  string          // GET, POST, PATCH, DELETE...
	Pattern string          // net/http ServeMux path pattern, e.g. "/api/v1/devices/{id}"
	Roles   []airtight.Role // roles allowed; a non-public route with none is denied to all (and fails the policy test)
	Public  bool            // served without authentication (health checks, login page, static assets)
	Page    bool            // a dashboard page: unauthenticated requests are redirected to /login instead of 401
	Summary string          // one line, for the OpenAPI document and the policy listing
	Handler http.HandlerFunc

	// MaxBodyBytes overrides the server's request body limit (CSV import).
	MaxBodyBytes int64
}

// Allows reports whether role may use the route.
func (rt Route) Allows(role airtight.Role) bool {
	if rt.Public {
		return true
	}
	for _, r := range rt.Roles {
		if r == role {
			return true
		}
	}
	return false
}
