package httpapi

import (
	"net/http"

	"github.com/airtight/airtight"
)

// Role sets of the policy. A hospital's clinical engineers (biomed) edit the
// inventory; security analysts and auditors read it; admins do everything,
// including users, tokens and grants; auditors also read the audit log, the
// user and token lists and the metrics. Device identities only ask who they
// are.
var (
	everyone  = []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst, airtight.RoleBiomed, airtight.RoleAuditor, airtight.RoleDevice}
	readers   = []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst, airtight.RoleBiomed, airtight.RoleAuditor}
	editors   = []airtight.Role{airtight.RoleAdmin, airtight.RoleBiomed}
	triagers  = []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst, airtight.RoleBiomed}
	admins    = []airtight.Role{airtight.RoleAdmin}
	overseers = []airtight.Role{airtight.RoleAdmin, airtight.RoleAuditor}
)

// apiRoutes is every route the API itself serves.
func (s *Server) apiRoutes() []Route {
	var rs []Route
	for _, group := range [][]Route{
		s.healthRoutes(), s.sessionRoutes(), s.orgRoutes(), s.deviceRoutes(), s.manufacturerRoutes(),
		s.productRoutes(), s.versionRoutes(), s.grantRoutes(), s.userRoutes(), s.tokenRoutes(), s.auditRoutes(),
		s.alertRoutes(), s.incidentRoutes(), s.observeRoutes(), s.pkiRoutes(), s.dlpRoutes(), s.vulnRoutes(),
	} {
		rs = append(rs, group...)
	}
	return rs
}

func (s *Server) sessionRoutes() []Route {
	return []Route{
		{Method: "POST", Pattern: "/api/v1/session", Public: true, Summary: "Log in (sets the session cookie)", Handler: s.handleLogin},
		{Method: "DELETE", Pattern: "/api/v1/session", Roles: everyone, Summary: "Log out", Handler: s.handleLogout},
	}
}

// respond writes v with status, or err in the error shape.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	switch {
	case err != nil:
		s.writeError(w, r, err)
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	default:
		writeJSON(w, status, v)
	}
}

// withID runs fn with the {id} path value, or answers 404 for a bad one.
func (s *Server) withID(fn func(w http.ResponseWriter, r *http.Request, id int64)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err == nil {
			err = noQuery(r)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		fn(w, r, id)
	}
}

// noQuery refuses any query parameter on routes that take none.
func noQuery(r *http.Request) error {
	_, err := queryParams(r)
	return err
}
